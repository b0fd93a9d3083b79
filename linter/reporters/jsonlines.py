"""``--output-format json-lines``: one JSON object per line, the keys of ``json``."""

from __future__ import annotations

import json

from linter.reporters.json import diagnostic_to_dict
from linter.runner import RunResult


def render_json_lines(result: RunResult) -> str:
    return "".join(json.dumps(diagnostic_to_dict(d), ensure_ascii=False) + "\n" for d in result.diagnostics)
