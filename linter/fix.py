"""Apply fixes: merge non-overlapping edits, re-lint until stable, write atomically.

A fix is a set of byte-range edits with an applicability (``SAFE`` or ``UNSAFE``).
Per file and per round, fixes are taken in source order; a fix whose edits overlap an
edit already taken (or insert at the same offset) waits for the next round, when the
file is linted again with the edits applied: offsets are then fresh. Rounds repeat
until nothing more applies (at most ``MAX_ROUNDS``), as in ruff.

A result is kept only if it parses without new syntax errors (``WG000`` count compared
with the original). If a round's merged edits break the file, its fixes are retried one
at a time and the ones that break it are refused (``Refusal``), leaving the rest.
Files are written only when their content on disk is still what was linted, through a
temporary file in the same directory and ``os.replace``, keeping the file's mode.
"""

from __future__ import annotations

import contextlib
import dataclasses
import difflib
import itertools
import os
import stat
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from linter.diagnostics import Applicability, Diagnostic, Edit, Fix
from linter.parse import parse_source
from linter.runner import RunResult
from linter.source import SourceFile

MAX_ROUNDS = 10

Relint = Callable[[str, bytes], "list[Diagnostic] | None"]
"""Lint new content of the file at a display path; None if it could not be linted."""


@dataclass(frozen=True)
class Refusal:
    """A fix that was not applied because the result would not parse."""

    diagnostic: Diagnostic
    reason: str

    def one_line(self) -> str:
        d = self.diagnostic
        return f"{d.path}:{d.line}:{d.column}: {d.code} fix not applied: {self.reason}"


@dataclass
class FileFixes:
    path: str
    original: bytes
    fixed: bytes
    diagnostics: list[Diagnostic] = field(default_factory=list)
    """The diagnostics of the original content."""
    applied: list[Diagnostic] = field(default_factory=list)
    """The diagnostics whose fix was applied (positions as in the round they were fixed)."""
    refused: list[Refusal] = field(default_factory=list)
    remaining: list[Diagnostic] = field(default_factory=list)
    """The diagnostics of the fixed content."""

    @property
    def changed(self) -> bool:
        return self.fixed != self.original


@dataclass
class FixOutcome:
    files: list[FileFixes]
    result: RunResult
    """The run as it looks after the fixes: remaining diagnostics, fixed sources."""
    unsafe: bool

    @property
    def fixed(self) -> int:
        return sum(len(f.applied) for f in self.files)

    @property
    def refused(self) -> list[Refusal]:
        return [r for f in self.files for r in f.refused]

    @property
    def changed(self) -> list[FileFixes]:
        return [f for f in self.files if f.changed]

    def hidden_unsafe(self) -> int:
        """Remaining findings with an unsafe fix that ``--unsafe-fixes`` would apply."""
        if self.unsafe:
            return 0
        return sum(
            1 for d in self.result.diagnostics if d.fix is not None and d.fix.applicability is Applicability.UNSAFE
        )

    def summary(self, dry_run: bool = False) -> str:
        verb = "Would fix" if dry_run else "Fixed"
        fixed = self.fixed
        remaining = len(self.result.diagnostics)
        text = f"{verb} {fixed} {_problems(fixed)} ({remaining} remaining)."
        hidden = self.hidden_unsafe()
        if hidden:
            text += f" {hidden} more {_problems(hidden)} can be fixed with --unsafe-fixes."
        return text


def _problems(count: int) -> str:
    return "problem" if count == 1 else "problems"


def is_applicable(fix: Fix | None, unsafe: bool) -> bool:
    return fix is not None and bool(fix.edits) and (fix.applicability is Applicability.SAFE or unsafe)


def _key(fix: Fix) -> tuple[tuple[int, int, str], ...]:
    return tuple(sorted((e.start_byte, e.end_byte, e.content) for e in fix.edits))


def _conflict(a: Edit, b: Edit) -> bool:
    """Do two edits overlap, or insert at the same offset (their order would be a guess)?"""
    if a.start_byte == b.start_byte:
        return True
    return a.start_byte < b.end_byte and b.start_byte < a.end_byte


def _well_formed(fix: Fix, size: int) -> bool:
    edits = sorted(fix.edits, key=lambda e: (e.start_byte, e.end_byte))
    if any(not 0 <= e.start_byte <= e.end_byte <= size for e in edits):
        return False
    return not any(_conflict(x, y) for x, y in itertools.pairwise(edits))


def select_fixes(
    diagnostics: Iterable[Diagnostic], unsafe: bool, size: int
) -> list[tuple[Fix, list[Diagnostic]]]:
    """The fixes to apply in one round, in source order, none overlapping another.

    Diagnostics that carry the same fix (several writes fixed by one pointer receiver)
    share one entry.
    """
    candidates = [d for d in diagnostics if is_applicable(d.fix, unsafe)]
    candidates.sort(key=lambda d: (min(e.start_byte for e in d.fix.edits) if d.fix else 0, d.sort_key()))
    chosen: dict[tuple[tuple[int, int, str], ...], tuple[Fix, list[Diagnostic]]] = {}
    taken: list[Edit] = []
    for d in candidates:
        assert d.fix is not None
        key = _key(d.fix)
        if key in chosen:
            chosen[key][1].append(d)
            continue
        if not _well_formed(d.fix, size):
            continue
        if any(_conflict(e, t) for e in d.fix.edits for t in taken):
            continue  # next round, with fresh offsets
        taken.extend(d.fix.edits)
        chosen[key] = (d.fix, [d])
    return list(chosen.values())


def apply_edits(data: bytes, edits: Iterable[Edit]) -> bytes:
    """``data`` with non-overlapping ``edits`` applied."""
    out: list[bytes] = []
    last = 0
    for edit in sorted(edits, key=lambda e: (e.start_byte, e.end_byte)):
        out.append(data[last : edit.start_byte])
        out.append(edit.content.encode("utf-8"))
        last = edit.end_byte
    out.append(data[last:])
    return b"".join(out)


def syntax_error_count(path: str, data: bytes) -> int:
    return len(parse_source(SourceFile(path, data)).errors)


def _signature(data: bytes, d: Diagnostic) -> tuple[object, ...]:
    """Identifies a refused fix across rounds, whatever its offsets then."""
    assert d.fix is not None
    parts = tuple((data[e.start_byte : e.end_byte], e.content) for e in sorted(d.fix.edits, key=lambda e: e.start_byte))
    return (d.code, d.message, parts)


def _apply_checked(
    path: str,
    data: bytes,
    groups: Sequence[tuple[Fix, list[Diagnostic]]],
    allowed_errors: int,
) -> tuple[bytes, list[Diagnostic], list[Refusal]]:
    """Apply ``groups`` if the result parses as well as before; else keep the ones that do."""
    merged = apply_edits(data, (e for fix, _ in groups for e in fix.edits))
    if syntax_error_count(path, merged) <= allowed_errors:
        return merged, [d for _, ds in groups for d in ds], []
    kept: list[Edit] = []
    applied: list[Diagnostic] = []
    refused: list[Refusal] = []
    for fix, diagnostics in groups:
        trial = apply_edits(data, [*kept, *fix.edits])
        errors = syntax_error_count(path, trial)
        if errors <= allowed_errors:
            kept.extend(fix.edits)
            applied.extend(diagnostics)
            continue
        new = errors - allowed_errors
        reason = (
            f"the result would not parse ({new} new syntax {'error' if new == 1 else 'errors'}); "
            "the file is left as it is for this fix"
        )
        refused.extend(Refusal(d, reason) for d in diagnostics)
    return apply_edits(data, kept), applied, refused


def fix_file(
    path: str,
    data: bytes,
    diagnostics: Sequence[Diagnostic],
    relint: Relint,
    unsafe: bool,
    max_rounds: int = MAX_ROUNDS,
) -> FileFixes:
    """Apply the applicable fixes of ``diagnostics`` (of the file ``path`` = ``data``)."""
    outcome = FileFixes(path, data, data, list(diagnostics), remaining=list(diagnostics))
    allowed_errors: int | None = None
    refused_signatures: set[tuple[object, ...]] = set()
    current, current_diagnostics = data, list(diagnostics)
    for _ in range(max_rounds):
        groups = [
            (fix, kept)
            for fix, ds in select_fixes(current_diagnostics, unsafe, len(current))
            if (kept := [d for d in ds if _signature(current, d) not in refused_signatures])
        ]
        if not groups:
            break
        if allowed_errors is None:
            allowed_errors = syntax_error_count(path, data)
        candidate, applied, refused = _apply_checked(path, current, groups, allowed_errors)
        for refusal in refused:
            refused_signatures.add(_signature(current, refusal.diagnostic))
        outcome.refused.extend(refused)
        if candidate == current:
            if not refused:
                break
            continue  # every fix of this round was refused: let the others have a round
        relinted = relint(path, candidate)
        if relinted is None:
            break
        outcome.applied.extend(applied)
        current, current_diagnostics = candidate, relinted
    outcome.fixed = current
    outcome.remaining = current_diagnostics
    return outcome


def fix_run(result: RunResult, relint: Relint, unsafe: bool, max_rounds: int = MAX_ROUNDS) -> FixOutcome:
    """Fix every file of ``result`` that has applicable fixes; nothing is written here."""
    by_path: dict[str, list[Diagnostic]] = {}
    for d in result.diagnostics:
        by_path.setdefault(d.path, []).append(d)
    files: list[FileFixes] = []
    for path, diagnostics in by_path.items():
        source = result.sources.get(path)
        if source is None or not any(is_applicable(d.fix, unsafe) for d in diagnostics):
            continue
        files.append(fix_file(path, source.data, diagnostics, relint, unsafe, max_rounds))
    changed = {f.path: f for f in files if f.changed}
    diagnostics = [d for d in result.diagnostics if d.path not in changed]
    sources = dict(result.sources)
    for path, fixed in changed.items():
        diagnostics.extend(fixed.remaining)
        if fixed.remaining:
            sources[path] = SourceFile(path, fixed.fixed)
        else:
            sources.pop(path, None)
    diagnostics.sort(key=Diagnostic.sort_key)
    after = dataclasses.replace(result, diagnostics=diagnostics, sources=sources)
    return FixOutcome(files, after, unsafe)


# -- output --------------------------------------------------------------------------


def unified_diff(path: str, before: bytes, after: bytes) -> str:
    """A ``git apply``-able unified diff of one file (``a/`` and ``b/`` prefixes)."""
    old = before.decode("utf-8", errors="replace").splitlines(keepends=True)
    new = after.decode("utf-8", errors="replace").splitlines(keepends=True)
    shown = path.replace(os.sep, "/")
    out: list[str] = []
    for line in difflib.unified_diff(old, new, fromfile=f"a/{shown}", tofile=f"b/{shown}"):
        out.append(line)
        if not line.endswith("\n"):
            out.append("\n\\ No newline at end of file\n")
    return "".join(out)


class WriteError(Exception):
    pass


def write_atomically(path: str, data: bytes, expected: bytes | None = None) -> None:
    """Replace the file at ``path`` with ``data`` in one step, keeping its permissions.

    With ``expected``, refuse (``WriteError``) when the file no longer holds it: it was
    changed by someone else while it was being fixed.
    """
    try:
        info = os.stat(path)
        if expected is not None:
            with open(path, "rb") as handle:
                if handle.read() != expected:
                    raise WriteError("changed on disk while it was being fixed; not written")
        directory = os.path.dirname(os.path.abspath(path))
        fd, temporary = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise WriteError(f"cannot write the fixed file: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, stat.S_IMODE(info.st_mode))
        os.replace(temporary, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise WriteError(f"cannot write the fixed file: {exc.strerror or exc}") from exc


def write_fixes(outcome: FixOutcome) -> list[tuple[str, str]]:
    """Write every changed file; (path, message) of the files that could not be written.

    A file that could not be written is reported as it is on disk: its original
    diagnostics come back and its fixes no longer count.
    """
    errors: list[tuple[str, str]] = []
    unwritten: dict[str, FileFixes] = {}
    for fixed in outcome.changed:
        try:
            write_atomically(fixed.path, fixed.fixed, expected=fixed.original)
        except WriteError as exc:
            errors.append((fixed.path, str(exc)))
            unwritten[fixed.path] = fixed
    if unwritten:
        result = outcome.result
        diagnostics = [d for d in result.diagnostics if d.path not in unwritten]
        sources = dict(result.sources)
        for path, fixed in unwritten.items():
            fixed.applied.clear()
            fixed.fixed = fixed.original
            fixed.remaining = list(fixed.diagnostics)
            diagnostics.extend(fixed.remaining)
            sources[path] = SourceFile(path, fixed.original)
        diagnostics.sort(key=Diagnostic.sort_key)
        outcome.result = dataclasses.replace(result, diagnostics=diagnostics, sources=sources)
    return errors
