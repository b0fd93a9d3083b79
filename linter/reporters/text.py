"""Ruff-style text: ``path:line:col: CODE [name] message``, with a snippet in full mode."""

from __future__ import annotations

import unicodedata

from linter.diagnostics import Diagnostic, Severity
from linter.runner import RunResult
from linter.source import SourceFile

TAB = "    "


def _header(d: Diagnostic) -> str:
    return f"{d.path}:{d.line}:{d.column}: {d.code} [{d.name}] {d.message}"


def render_concise(result: RunResult) -> str:
    lines = [_header(d) for d in result.diagnostics]
    lines.append(_summary(result))
    return "\n".join(lines) + "\n"


def render_full(result: RunResult) -> str:
    out: list[str] = []
    for d in result.diagnostics:
        out.append(_header(d))
        source = result.sources.get(d.path)
        snippet = _snippet(d, source) if source is not None else []
        if snippet:
            out.extend(snippet)
        if d.fix is not None:
            out.append(f"  = help: {d.fix.message} ({d.fix.applicability.value} fix)")
        out.append("")
    out.append(_summary(result))
    return "\n".join(out) + "\n"


def _snippet(d: Diagnostic, source: SourceFile) -> list[str]:
    if d.line > source.line_count:
        return []
    raw = source.line_text(d.line)
    prefix = raw[: d.column - 1].replace("\t", TAB)
    if d.end_line == d.line:
        marked = raw[d.column - 1 : d.end_column - 1].replace("\t", TAB)
    else:
        marked = raw[d.column - 1 :].replace("\t", TAB)
    gutter = str(d.line)
    pad = " " * len(gutter)
    return [
        f"{pad} |",
        f"{gutter} | {raw.replace(chr(9), TAB)}",
        f"{pad} | {' ' * _width(prefix)}{'^' * max(1, _width(marked.rstrip()))}",
    ]


def _width(text: str) -> int:
    """Terminal cells: wide (CJK) characters take two, combining marks none."""
    cells = 0
    for char in text:
        if unicodedata.combining(char):
            continue
        cells += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return cells


def _summary(result: RunResult) -> str:
    text = _outcome(result)
    if result.suppressed:  # inline suppression comments (linter/suppress.py)
        text += f" {_plural(result.suppressed, 'finding')} suppressed by comments."
    return text


def _outcome(result: RunResult) -> str:
    skipped = len(result.notices)
    if skipped:  # never "All checks passed!" when some input was not analysed
        inputs = "input" if skipped == 1 else "inputs"
        note = f"{skipped} {inputs} could not be analysed (see the errors on stderr)."
        if not result.diagnostics:
            return f"No problems found in {_plural(result.files_checked, 'file')} checked, but {note}"
        return f"{_found(result)} {note}"
    if not result.diagnostics:
        return "All checks passed!"
    return _found(result)


def _found(result: RunResult) -> str:
    errors = sum(1 for d in result.diagnostics if d.severity is Severity.ERROR)
    warnings = sum(1 for d in result.diagnostics if d.severity is Severity.WARNING)
    total = len(result.diagnostics)
    return (
        f"Found {_plural(total, 'problem')} ({_plural(errors, 'error')}, {_plural(warnings, 'warning')}) "
        f"in {_plural(result.files_checked, 'file')} checked."
    )


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def render_statistics(result: RunResult) -> str:
    counts: dict[tuple[str, str], int] = {}
    for d in result.diagnostics:
        counts[(d.code, d.name)] = counts.get((d.code, d.name), 0) + 1
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0][0]))
    return "".join(f"{count:>5}\t{code}\t[{name}]\n" for (code, name), count in rows)
