"""``--output-format github``: GitHub Actions workflow commands, one per finding.

``::error file=plugins/auth/main.go,line=12,col=9,endLine=12,endColumn=30,title=WG103
pause-without-resume::message`` makes GitHub annotate the line in the run summary and
in pull-request diffs. Paths are relative to the repository root (where the workflow
checks the code out); columns are 1-based characters. Values are escaped as the
runner expects: ``%``, CR and LF everywhere, and ``:`` and ``,`` in properties too.
"""

from __future__ import annotations

from linter.diagnostics import Diagnostic, Severity
from linter.reporters.locations import display_or_relative, repository_root
from linter.runner import RunResult

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    """The message part of a workflow command."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A ``key=value`` property of a workflow command."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(d: Diagnostic, path: str) -> str:
    properties = {
        "file": path,
        "line": str(d.line),
        "col": str(d.column),
        "endLine": str(d.end_line),
        "endColumn": str(d.end_column),
        "title": f"{d.code} {d.name}",
    }
    props = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
    return f"::{COMMANDS[d.severity]} {props}::{escape_data(d.message)}"


def render_github(result: RunResult, *, root: str | None = None) -> str:
    base = root or repository_root()
    lines = [annotation(d, display_or_relative(d.path, base)) for d in result.diagnostics]
    for notice in result.notices:
        path = display_or_relative(notice.path, base)
        lines.append(
            f"::error file={escape_property(path)},title=wasm-go-lint input skipped::{escape_data(notice.message)}"
        )
    return "".join(line + "\n" for line in lines)
