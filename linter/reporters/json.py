"""``--output-format json``: the contract other tools parse (see the design)."""

from __future__ import annotations

import json
from typing import Any

from linter.diagnostics import Diagnostic, Fix
from linter.runner import RunResult


def fix_to_dict(fix: Fix | None) -> dict[str, Any] | None:
    if fix is None:
        return None
    return {
        "applicability": fix.applicability.value,
        "message": fix.message,
        "edits": [
            {
                "content": edit.content,
                "location": _location(edit.start),
                "end_location": _location(edit.end),
            }
            for edit in fix.edits
        ],
    }


def _location(point: tuple[int, int] | None) -> dict[str, int] | None:
    return None if point is None else {"line": point[0], "column": point[1]}


def diagnostic_to_dict(diagnostic: Diagnostic) -> dict[str, Any]:
    return {
        "code": diagnostic.code,
        "name": diagnostic.name,
        "severity": diagnostic.severity.value,
        "message": diagnostic.message,
        "path": diagnostic.path,
        "line": diagnostic.line,
        "column": diagnostic.column,
        "end_line": diagnostic.end_line,
        "end_column": diagnostic.end_column,
        "fix": fix_to_dict(diagnostic.fix),
    }


def render_json(result: RunResult) -> str:
    return json.dumps([diagnostic_to_dict(d) for d in result.diagnostics], indent=2, ensure_ascii=False) + "\n"
