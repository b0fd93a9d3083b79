"""Output formats. Each reporter turns a ``RunResult`` into text.

``REPORTERS`` maps a format name to a function of the result alone (the formats that
need more, SARIF's enabled rules and category, use their defaults there); ``render``
passes ``ReportOptions`` to the formats that take them. ``--output FORMAT[:PATH]`` is
parsed by ``parse_output`` and written by ``write_outputs``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from linter.reporters.json import render_json
from linter.reporters.jsonlines import render_json_lines
from linter.reporters.text import render_concise, render_full
from linter.rule import Rule
from linter.runner import RunResult

Reporter = Callable[[RunResult], str]


# sarif (sarif-om, attrs), junit (xml), github and gitlab (hashing, URL quoting) are
# imported when used: a one-file run (pre-commit) would otherwise spend about 50 ms of
# its start-up importing them.
def _sarif(result: RunResult) -> str:
    from linter.reporters.sarif import render_sarif

    return render_sarif(result)


def _junit(result: RunResult) -> str:
    from linter.reporters.junit import render_junit

    return render_junit(result)


def _github(result: RunResult) -> str:
    from linter.reporters.github import render_github

    return render_github(result)


def _gitlab(result: RunResult) -> str:
    from linter.reporters.gitlab import render_gitlab

    return render_gitlab(result)


REPORTERS: dict[str, Reporter] = {
    "full": render_full,
    "text": render_full,
    "concise": render_concise,
    "json": render_json,
    "json-lines": render_json_lines,
    "sarif": _sarif,
    "github": _github,
    "gitlab": _gitlab,
    "junit": _junit,
}


@dataclass(frozen=True)
class ReportOptions:
    rules: Sequence[type[Rule]] | None = None
    """The enabled rules (SARIF lists them all); None: every registered rule."""
    sarif_category: str | None = None
    """SARIF ``automationDetails.id`` (GitHub's analysis category)."""
    root: str | None = None
    """Repository root for CI paths; None: the git top-level of the working directory."""


def render(fmt: str, result: RunResult, options: ReportOptions | None = None) -> str:
    options = options or ReportOptions()
    if fmt == "sarif":
        from linter.reporters.sarif import render_sarif

        return render_sarif(result, rules=options.rules, category=options.sarif_category, root=options.root)
    if fmt == "github":
        from linter.reporters.github import render_github

        return render_github(result, root=options.root)
    if fmt == "gitlab":
        from linter.reporters.gitlab import render_gitlab

        return render_gitlab(result, root=options.root)
    return REPORTERS[fmt](result)


@dataclass(frozen=True)
class Output:
    fmt: str
    path: str | None
    """None: standard output."""


class OutputSpecError(ValueError):
    pass


def parse_output(spec: str) -> Output:
    """``FORMAT`` or ``FORMAT:PATH`` (the path may contain colons, e.g. ``C:\\x``)."""
    fmt, sep, path = spec.partition(":")
    fmt = fmt.strip().lower()
    if fmt not in REPORTERS:
        known = ", ".join(sorted(REPORTERS))
        raise OutputSpecError(f"unknown output format {fmt!r} in --output {spec!r} (known: {known})")
    if sep and not path:
        raise OutputSpecError(f"--output {spec!r}: missing path after ':' (omit ':' for stdout)")
    return Output(fmt, None if path in ("", "-") else path)


def plan_outputs(output_format: str | None, specs: Sequence[str], default: str = "full") -> list[Output]:
    """The outputs of one run: ``--output-format`` (when given) to stdout first, then
    each ``--output``; ``default`` to stdout when neither is given."""
    outputs = [parse_output(spec) for spec in specs]
    if output_format is not None:
        outputs.insert(0, Output(output_format, None))
    if not outputs:
        outputs.append(Output(default, None))
    paths = [os.path.abspath(o.path) for o in outputs if o.path is not None]
    if len(paths) != len(set(paths)):
        raise OutputSpecError("two --output options write to the same file")
    return outputs


def write_output(output: Output, text: str) -> None:
    """Write ``text`` to ``output.path`` (parent directories created). Raises OSError."""
    assert output.path is not None
    parent = os.path.dirname(os.path.abspath(output.path))
    os.makedirs(parent, exist_ok=True)
    with open(output.path, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)


__all__ = [
    "REPORTERS",
    "Output",
    "OutputSpecError",
    "ReportOptions",
    "Reporter",
    "parse_output",
    "plan_outputs",
    "render",
    "write_output",
]
