"""``--new-from-rev REV`` and ``--staged``: keep findings on lines a change touched.

``git diff --unified=0`` lists, per file, the line ranges that were added or changed
(the ``+c,d`` side of each hunk header). A finding is new when its start line is in
one of them. Files that are new (added, or untracked and not ignored when comparing the
working tree) count as new everywhere.

- ``--new-from-rev REV``: REV against the working tree (``git diff REV``), plus
  untracked files.
- ``--staged``: the index against HEAD (``git diff --cached``); line numbers are those of
  the staged content, so lint with unstaged changes stashed (as pre-commit does).
- both: the index against REV.
"""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field

from linter.diagnostics import Diagnostic
from linter.runner import RunResult

_HUNK = re.compile(r"^@@ -\d+(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", '"': '"', "\\": "\\"}


class GitError(Exception):
    """git is missing, the directory is not a repository, or the revision is unknown."""


@dataclass
class ChangedLines:
    root: str
    lines: dict[str, set[int]] = field(default_factory=dict)
    """Real absolute path -> 1-based line numbers added or changed."""
    new_files: set[str] = field(default_factory=set)
    description: str = ""

    def contains(self, path: str, line: int) -> bool:
        real = os.path.realpath(path)
        return real in self.new_files or line in self.lines.get(real, ())


def _git(args: Sequence[str], cwd: str) -> str:
    try:
        completed = subprocess.run(
            ["git", "-c", "core.quotepath=off", *args],
            cwd=cwd,
            capture_output=True,
            check=False,
        )
    except FileNotFoundError as exc:
        raise GitError("git is not installed (needed by --new-from-rev and --staged)") from exc
    if completed.returncode != 0:
        detail = completed.stderr.decode("utf-8", errors="replace").strip().splitlines()
        raise GitError(f"git {' '.join(args)} failed: {detail[-1] if detail else 'exit ' + str(completed.returncode)}")
    return completed.stdout.decode("utf-8", errors="surrogateescape")


def _unquote(path: str) -> str:
    """A path as git prints it: C-style quoted when it has special characters."""
    if not (len(path) >= 2 and path.startswith('"') and path.endswith('"')):
        return path
    body = path[1:-1]
    out = bytearray()
    i = 0
    while i < len(body):
        char = body[i]
        if char == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if nxt in "01234567":
                out.append(int(body[i + 1 : i + 4], 8))
                i += 4
                continue
            out.extend(_ESCAPES.get(nxt, nxt).encode("utf-8"))
            i += 2
            continue
        out.extend(char.encode("utf-8", errors="surrogateescape"))
        i += 1
    return out.decode("utf-8", errors="surrogateescape")


def parse_diff(text: str, root: str) -> ChangedLines:
    """Added/changed lines per file from ``git diff --unified=0`` output."""
    changed = ChangedLines(os.path.realpath(root))
    current: str | None = None
    is_new = False
    pending = 0  # content lines of the current hunk still to skip
    for line in text.splitlines():
        if pending > 0 and line[:1] in ("+", "-", " "):
            pending -= 1
            continue
        if line.startswith("\\"):  # "\ No newline at end of file"
            continue
        pending = 0
        if line.startswith("diff --git "):
            current, is_new = None, False
        elif line.startswith("new file mode"):
            is_new = True
        elif line.startswith("--- "):
            is_new = is_new or line[4:] == "/dev/null"
        elif line.startswith("+++ "):
            target = line[4:]
            if target == "/dev/null":
                current = None
                continue
            target = _unquote(target)
            if target.startswith("b/"):
                target = target[2:]
            current = os.path.join(changed.root, target)
            changed.lines.setdefault(current, set())
            if is_new:
                changed.new_files.add(current)
        elif match := _HUNK.match(line):
            old_count = int(match.group(1)) if match.group(1) is not None else 1
            start = int(match.group(2))
            count = int(match.group(3)) if match.group(3) is not None else 1
            pending = old_count + count
            if current is not None:
                changed.lines[current].update(range(start, start + count))
    return changed


def changed_lines(rev: str | None, staged: bool, where: str = ".") -> ChangedLines:
    """The lines added or changed since ``rev`` (or in the index, with ``staged``)."""
    directory = where if os.path.isdir(where) else os.path.dirname(os.path.abspath(where)) or "."
    root = _git(["rev-parse", "--show-toplevel"], directory).strip()
    if not root:
        raise GitError(f"{directory} is not inside a git work tree")
    if rev is not None:
        try:
            _git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"], root)
        except GitError as exc:
            raise GitError(f"unknown git revision {rev!r}") from exc
    args = ["diff", "--unified=0", "--no-color", "--no-ext-diff", "--no-textconv", "--src-prefix=a/", "--dst-prefix=b/"]
    if staged:
        args.append("--cached")
    if rev is not None:
        args.append(rev)
    args.append("--")
    changed = parse_diff(_git(args, root), root)
    if not staged:
        untracked = _git(["ls-files", "--others", "--exclude-standard", "-z"], root)
        for name in untracked.split("\0"):
            if name:
                path = os.path.join(changed.root, name)
                changed.new_files.add(path)
                changed.lines.setdefault(path, set())
    if staged and rev is not None:
        changed.description = f"staged changes since {rev}"
    elif staged:
        changed.description = "staged changes"
    else:
        changed.description = f"changes since {rev}"
    return changed


@dataclass
class Filtered:
    result: RunResult
    hidden: int


def keep_changed(result: RunResult, changed: ChangedLines) -> Filtered:
    """The findings of ``result`` that start on an added or changed line."""
    kept: list[Diagnostic] = []
    hidden = 0
    for d in result.diagnostics:
        if d.extra.get("internal_error") or changed.contains(d.path, d.line):
            kept.append(d)
        else:
            hidden += 1
    paths = {d.path for d in kept}
    sources = {p: s for p, s in result.sources.items() if p in paths}
    return Filtered(dataclasses.replace(result, diagnostics=kept, sources=sources), hidden)
