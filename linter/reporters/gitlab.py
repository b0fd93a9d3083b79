"""``--output-format gitlab``: a GitLab Code Quality report (a JSON array).

Each finding is ``{"description", "check_name", "fingerprint", "severity",
"location": {"path", "lines": {"begin", "end"}}}``. The fingerprint is line-independent
(rule, repository-relative path, the flagged line's normalised text and its index among
identical ones), so a finding keeps its identity when code above it moves and GitLab's
merge-request widget shows only what changed. Paths are relative to the repository
root, as GitLab resolves them.
"""

from __future__ import annotations

import json
from typing import Any

from linter.diagnostics import Severity
from linter.reporters.locations import display_or_relative, repository_root, stable_fingerprints
from linter.runner import RunResult

SEVERITIES = {Severity.ERROR: "major", Severity.WARNING: "minor", Severity.INFO: "info"}
"""Code Quality severities are info, minor, major, critical and blocker."""


def gitlab_issues(result: RunResult, *, root: str | None = None) -> list[dict[str, Any]]:
    base = root or repository_root()
    prints = stable_fingerprints(result, base)
    return [
        {
            "description": f"{d.code} {d.message}",
            "check_name": f"{d.code} {d.name}",
            "fingerprint": fingerprint,
            "severity": SEVERITIES[d.severity],
            "location": {
                "path": display_or_relative(d.path, base),
                "lines": {"begin": d.line, "end": d.end_line},
            },
        }
        for d, fingerprint in zip(result.diagnostics, prints, strict=True)
    ]


def render_gitlab(result: RunResult, *, root: str | None = None) -> str:
    return json.dumps(gitlab_issues(result, root=root), indent=2, ensure_ascii=False) + "\n"
