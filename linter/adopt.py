"""``check`` options for adopting the linter: fixes, baselines, changed lines only.

Kept out of ``cli.py`` so the command gains them through one decorator
(``adoption_options``) and one call (``adopt``) between linting and reporting:

1. ``--write-baseline FILE``: record every finding and exit.
2. ``--baseline FILE``, ``--new-from-rev REV``, ``--staged``: hide old findings.
3. ``--fix``, ``--unsafe-fixes``, ``--fix-only``, ``--diff``: apply fixes (re-linting with
   the same filters), then report what remains (``--fix``) or exit (the others).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import click

from linter.diagnostics import Diagnostic, Notice
from linter.runner import RunResult

if TYPE_CHECKING:
    # Imported where used: a plain check (a pre-commit run on one file) needs none of
    # them, and they cost about 10 ms of its start-up (subprocess, hashlib, difflib).
    from linter.baseline import Baseline
    from linter.fix import FixOutcome
    from linter.gitdiff import ChangedLines

F = TypeVar("F", bound=Callable[..., Any])

Relint = Callable[[str, bytes], RunResult]
"""Lint new content of a file (display path, bytes) with the run's rules and options."""

_OPTIONS = [
    click.option("--fix", is_flag=True, help="Apply safe fixes, then report what remains."),
    click.option(
        "--unsafe-fixes", is_flag=True, help="Also apply unsafe fixes (with --fix, --fix-only or --diff)."
    ),
    click.option("--fix-only", is_flag=True, help="Apply fixes and report nothing else."),
    click.option("--diff", is_flag=True, help="Print the fixes as a unified diff; write nothing."),
    click.option(
        "--baseline",
        "baseline_file",
        metavar="FILE",
        help="Hide the findings recorded in FILE (see --write-baseline).",
    ),
    click.option(
        "--write-baseline", metavar="FILE", help="Record every current finding in FILE and exit 0."
    ),
    click.option(
        "--new-from-rev", metavar="REV", help="Report only findings on lines changed since git revision REV."
    ),
    click.option("--staged", is_flag=True, help="Report only findings on lines changed in the git index."),
]


def adoption_options(command: F) -> F:
    for option in reversed(_OPTIONS):
        command = option(command)
    return command


@dataclass
class Adoption:
    fix: bool = False
    unsafe_fixes: bool = False
    fix_only: bool = False
    diff: bool = False
    baseline_file: str | None = None
    write_baseline: str | None = None
    new_from_rev: str | None = None
    staged: bool = False

    @property
    def fixing(self) -> bool:
        return self.fix or self.fix_only or self.diff


@dataclass
class ResultFilter:
    """Hides findings recorded in a baseline and findings on unchanged lines."""

    baseline: Baseline | None = None
    changed: ChangedLines | None = None

    def apply(self, result: RunResult) -> tuple[RunResult, list[str]]:
        messages: list[str] = []
        if self.baseline is not None:
            from linter.baseline import apply_baseline

            filtered = apply_baseline(result, self.baseline)
            result = filtered.result
            if filtered.hidden:
                what = "finding" if filtered.hidden == 1 else "findings"
                messages.append(f"{filtered.hidden} {what} hidden by baseline {self.baseline.file}")
        if self.changed is not None:
            from linter.gitdiff import keep_changed

            kept = keep_changed(result, self.changed)
            result = kept.result
            if kept.hidden:
                what = "finding" if kept.hidden == 1 else "findings"
                messages.append(f"{kept.hidden} {what} on unchanged lines hidden ({self.changed.description})")
        return result, messages


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


def build_filter(adoption: Adoption, paths: Sequence[str]) -> ResultFilter:
    found = ResultFilter()
    if adoption.baseline_file is None and adoption.new_from_rev is None and not adoption.staged:
        return found
    from linter.baseline import BaselineError, load_baseline
    from linter.gitdiff import GitError, changed_lines

    try:
        if adoption.baseline_file is not None:
            found.baseline = load_baseline(adoption.baseline_file)
        if adoption.new_from_rev is not None or adoption.staged:
            where = next((p for p in paths if p != "-"), ".")
            found.changed = changed_lines(adoption.new_from_rev, adoption.staged, where)
    except (BaselineError, GitError) as exc:
        _fail(str(exc))
    return found


def adopt(
    result: RunResult,
    settings: dict[str, Any],
    paths: Sequence[str],
    relint: Relint,
    stdin: tuple[bytes, str] | None = None,
) -> RunResult:
    """Apply the adoption options to a finished run; exits for the modes that report nothing."""
    adoption = Adoption(**settings)
    if adoption.write_baseline is not None:
        from linter.baseline import BaselineError, write_baseline

        try:
            count = write_baseline(adoption.write_baseline, result)
        except BaselineError as exc:
            _fail(str(exc))
        what = "finding" if count == 1 else "findings"
        click.echo(f"Wrote {count} {what} to baseline {adoption.write_baseline}", err=True)
        sys.exit(2 if result.notices or result.internal_errors else 0)
    filters = build_filter(adoption, paths)
    result, messages = filters.apply(result)
    for message in messages:
        click.echo(message, err=True)
    if not adoption.fixing:
        return result

    def relint_filtered(path: str, data: bytes) -> list[Diagnostic] | None:
        again = relint(path, data)
        if again.notices:
            return None
        return filters.apply(again)[0].diagnostics

    from linter.fix import fix_run

    outcome = fix_run(result, relint_filtered, adoption.unsafe_fixes)
    problems = _emit(outcome, adoption, stdin)
    click.echo(outcome.summary(dry_run=adoption.diff), err=True)
    if adoption.diff:
        sys.exit(2 if problems or result.notices else (1 if outcome.changed else 0))
    if adoption.fix_only:
        sys.exit(2 if problems or result.notices else (1 if outcome.refused else 0))
    if stdin is not None:  # the fixed source went to stdout; the findings that remain go to stderr
        for d in outcome.result.diagnostics:
            click.echo(f"{d.path}:{d.line}:{d.column}: {d.code} [{d.name}] {d.message}", err=True)
        sys.exit(2 if result.notices else (1 if outcome.result.diagnostics else 0))
    return outcome.result


def _emit(outcome: FixOutcome, adoption: Adoption, stdin: tuple[bytes, str] | None) -> int:
    """Print the diff, the fixed stdin, or write the files; returns how many writes failed.

    A file that cannot be written becomes a notice of the run (exit code 2).
    """
    from linter.fix import unified_diff, write_fixes

    for refusal in outcome.refused:
        click.echo(f"error: {refusal.one_line()}", err=True)
    if adoption.diff:
        for fixed in outcome.changed:
            click.echo(unified_diff(fixed.path, fixed.original, fixed.fixed), nl=False)
        return 0
    if stdin is not None:
        data = outcome.changed[0].fixed if outcome.changed else stdin[0]
        click.echo(data, nl=False)
        return 0
    errors = write_fixes(outcome)
    for path, error in errors:
        notice = Notice(path, error)
        click.echo(f"error: {notice.one_line()}", err=True)
        outcome.result.notices.append(notice)
    return len(errors)
