"""Read ``// want`` / ``// ok:`` / ``// todo-want:`` annotations and compare findings.

A case is one ``.go`` file directly under ``fixtures/WGxxx/`` (a one-file package) or
one sub-directory (a multi-file package). Every finding in a case must be wanted on
its line; every ``want`` must be found. ``todo-want`` marks a known false negative: it
is listed but does not fail. ``// want-next-line CODE "re"`` expects the finding on the
following line (for findings on a line whose comment cannot hold an annotation, such as a
suppression comment without a reason). A case directory holding ``wasm-go-lint.toml`` is
linted with that configuration (rule selection and per-file ignores).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from linter.config import Resolver
from linter.diagnostics import Diagnostic
from linter.engine import Linter
from linter.registry import all_rules
from linter.source import SourceFile

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"

_WANT = re.compile(r"//\s*want\s+(.*)$")
_WANT_NEXT = re.compile(r"//\s*want-next-line\s+(.*)$")
_PAIR = re.compile(r'(WG\d{3})\s+"((?:[^"\\]|\\.)*)"')
_OK = re.compile(r"//\s*ok:\s*(WG\d{3}(?:\s*,\s*WG\d{3})*)")
_TODO = re.compile(r"//\s*todo-want:\s*(WG\d{3}(?:\s*,\s*WG\d{3})*)")


@dataclass(frozen=True)
class Want:
    path: str
    line: int
    code: str
    pattern: str


@dataclass
class Expectations:
    wants: list[Want] = field(default_factory=list)
    oks: set[tuple[str, int, str]] = field(default_factory=set)
    todos: set[tuple[str, int, str]] = field(default_factory=set)


def case_paths() -> list[Path]:
    cases: list[Path] = []
    for rule_dir in sorted(p for p in FIXTURES.iterdir() if p.is_dir()):
        for entry in sorted(rule_dir.iterdir()):
            if entry.is_dir() or entry.suffix == ".go":
                cases.append(entry)
    return cases


def case_files(case: Path) -> list[Path]:
    return sorted(case.glob("*.go")) if case.is_dir() else [case]


def read_expectations(files: list[Path]) -> Expectations:
    found = Expectations()
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            key = str(path)
            if match := _WANT.search(line):
                pairs = _PAIR.findall(match.group(1))
                if not pairs:
                    raise ValueError(f"{path}:{number}: malformed want annotation: {line.strip()}")
                found.wants.extend(Want(key, number, code, pattern) for code, pattern in pairs)
            if match := _WANT_NEXT.search(line):
                pairs = _PAIR.findall(match.group(1))
                if not pairs:
                    raise ValueError(f"{path}:{number}: malformed want-next-line annotation: {line.strip()}")
                found.wants.extend(Want(key, number + 1, code, pattern) for code, pattern in pairs)
            if match := _OK.search(line):
                found.oks.update((key, number, c.strip()) for c in match.group(1).split(","))
            if match := _TODO.search(line):
                found.todos.update((key, number, c.strip()) for c in match.group(1).split(","))
    return found


def lint_case(case: Path) -> list[Diagnostic]:
    files = case_files(case)
    sources = [SourceFile(str(path), path.read_bytes()) for path in files]
    directory = str(case if case.is_dir() else case.parent)
    config = case / "wasm-go-lint.toml"
    if case.is_dir() and config.is_file():
        settings = Resolver(config_file=str(config)).settings_for(directory)
        ignored = {s.path: settings.ignored_codes(s.path) for s in sources}
        return Linter(settings.rules).check_package(directory, sources, ignored=ignored).diagnostics
    return Linter(all_rules()).check_package(directory, sources).diagnostics


@dataclass
class Comparison:
    missing: list[Want]
    unexpected: list[Diagnostic]
    todo_open: list[tuple[str, int, str]]
    ok_violated: list[Diagnostic]

    @property
    def passed(self) -> bool:
        return not (self.missing or self.unexpected or self.ok_violated)

    def report(self) -> str:
        lines: list[str] = []
        for want in self.missing:
            lines.append(f"  missing   {_short(want.path)}:{want.line}: {want.code} matching /{want.pattern}/")
        for d in self.unexpected:
            lines.append(f"  unexpected {_short(d.path)}:{d.line}:{d.column}: {d.code} {d.message}")
        for d in self.ok_violated:
            lines.append(f"  ok-violated {_short(d.path)}:{d.line}:{d.column}: {d.code} {d.message}")
        return "\n".join(lines)


def _short(path: str) -> str:
    try:
        return str(Path(path).relative_to(ROOT))
    except ValueError:
        return path


def compare(expect: Expectations, actual: list[Diagnostic]) -> Comparison:
    remaining = list(actual)
    missing: list[Want] = []
    for want in expect.wants:
        hit = next(
            (
                d
                for d in remaining
                if d.path == want.path and d.line == want.line and d.code == want.code and re.search(want.pattern, d.message)
            ),
            None,
        )
        if hit is None:
            missing.append(want)
        else:
            remaining.remove(hit)
    ok_violated = [d for d in remaining if (d.path, d.line, d.code) in expect.oks]
    unexpected = [
        d for d in remaining if (d.path, d.line, d.code) not in expect.todos and d not in ok_violated
    ]
    reported = {(d.path, d.line, d.code) for d in actual}
    todo_open = sorted(t for t in expect.todos if t not in reported)
    return Comparison(missing, unexpected, todo_open, ok_violated)
