"""Output formats. Each reporter turns a ``RunResult`` into text."""

from __future__ import annotations

from collections.abc import Callable

from linter.reporters.json import render_json
from linter.reporters.text import render_concise, render_full
from linter.runner import RunResult

Reporter = Callable[[RunResult], str]

REPORTERS: dict[str, Reporter] = {
    "full": render_full,
    "text": render_full,
    "concise": render_concise,
    "json": render_json,
}
