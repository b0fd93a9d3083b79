"""Command line: ``wasm-go-lint check|rule|rules|version``."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

import click

from linter.adopt import adopt, adoption_options
from linter.config import ConfigError, Overrides, Resolver, Settings, to_toml
from linter.diagnostics import Severity
from linter.registry import all_rules, find_rule
from linter.reporters import (
    REPORTERS,
    Output,
    OutputSpecError,
    ReportOptions,
    plan_outputs,
    render,
    write_output,
)
from linter.reporters.text import render_statistics
from linter.ruledocs import rule_markdown, style_for_terminal
from linter.runner import DEFAULT_MAX_FILE_SIZE, Options, RunResult, run
from linter.selection import SelectorError, resolve

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """-V/--version, reading the version only when asked (see linter/__init__.py)."""
    if value and not ctx.resilient_parsing:
        click.echo(f"wasm-go-lint {_version()}")
        ctx.exit()


def _version() -> str:
    import linter

    return linter.__version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "-V", "--version", is_flag=True, expose_value=False, is_eager=True, callback=_print_version,
    help="Show the version and exit.",
)
def cli() -> None:
    """Static analyzer for Go proxy-wasm plugins (Higress wasm-go, proxy-wasm-go-sdk)."""


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--output-format",
    type=click.Choice(sorted(REPORTERS)),
    default="full",
    show_default=True,
    help="full/text: with source snippets; concise: one line each; json, json-lines: machine-readable; "
    "sarif, github, gitlab, junit: for CI. Shorthand for one --output FORMAT.",
)
@click.option("--select", multiple=True, help="Rules to enable: codes, names, prefixes (WG1) or ALL.")
@click.option("--extend-select", multiple=True, help="Rules to enable on top of --select.")
@click.option("--ignore", multiple=True, help="Rules to disable: codes, names or prefixes.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when findings are reported.")
@click.option("--statistics", is_flag=True, help="Show a count per rule instead of each finding.")
@click.option(
    "--stdin-filename",
    help="Read source from stdin (alone or with path '-') and report it under this name.",
)
@click.option(
    "--include-tests/--no-include-tests",
    default=None,
    help="Also analyse _test.go files in directories (default: the configuration's include-tests, else no).",
)
@click.option(
    "--max-file-size",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_FILE_SIZE,
    show_default=True,
    help="Skip files larger than this many bytes.",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Worker processes (packages are analysed in parallel); 0: one per CPU for large runs.",
)
# -- outputs (issue 6) --
@click.option(
    "--output",
    "outputs",
    multiple=True,
    metavar="FORMAT[:PATH]",
    help="Also write FORMAT to PATH (stdout without a path); repeatable, e.g. "
    "--output sarif:results.sarif --output github.",
)
@click.option("--sarif-category", help="SARIF automationDetails.id: GitHub code scanning's analysis category.")
# -- end outputs --
@adoption_options  # issue 7: --fix, --diff, --baseline, --new-from-rev, --staged ...
# -- configuration (issue 7) --
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False),
    help="Use this configuration file for every file (instead of the closest one).",
)
@click.option("--isolated", is_flag=True, help="Ignore every configuration file.")
@click.option(
    "--force-exclude",
    is_flag=True,
    help="Skip files named on the command line that discovery would skip (excludes, _test.go, vendor/, "
    "generated files): for pre-commit, which passes every staged file.",
)
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning", "info"]),
    help="Lowest severity that makes the exit code 1 (default: the configuration's fail-on, else info).",
)
# -- end configuration --
def check(
    paths: Sequence[str],
    output_format: str,
    select: Sequence[str],
    extend_select: Sequence[str],
    ignore: Sequence[str],
    exit_zero: bool,
    statistics: bool,
    stdin_filename: str | None,
    include_tests: bool | None,
    max_file_size: int,
    jobs: int,
    outputs: Sequence[str],
    sarif_category: str | None,
    config_file: str | None,
    isolated: bool,
    force_exclude: bool,
    fail_on: str | None,
    **adoption: Any,
) -> None:
    """Check Go files or directories (default: the current directory)."""
    try:
        rules = resolve(list(select) or None, extend_select, ignore)
    except SelectorError as exc:
        raise click.UsageError(str(exc)) from exc
    overrides = Overrides(
        rules=tuple(rules),
        select=tuple(select) or None,
        extend_select=tuple(extend_select),
        ignore=tuple(ignore),
        include_tests=include_tests,
        fail_on=Severity(fail_on) if fail_on else None,
    )
    config = _resolver(overrides, config_file, isolated)
    anchor = stdin_filename or next((p for p in paths if p != "-"), ".")
    settings = _settings_for(config, anchor)
    rules = list(settings.rules)
    if click.get_current_context().get_parameter_source("output_format") is click.core.ParameterSource.DEFAULT:
        output_format = settings.output_format or output_format  # the configuration's output-format
    targets = _plan_outputs(output_format, outputs)
    options = Options(
        include_tests=bool(include_tests),
        max_file_size=max_file_size,
        config=config,
        force_exclude=force_exclude,
        jobs=jobs,
    )
    stdin = None
    if list(paths) == ["-"] or (not paths and stdin_filename):
        stdin = (sys.stdin.buffer.read(), stdin_filename or "-")
    elif "-" in paths:
        raise click.UsageError("'-' (stdin) cannot be combined with other paths")
    try:
        result = run(list(paths) or ["."], rules, options, stdin=stdin)
    except ConfigError as exc:  # a configuration found below the first path
        _config_failed(exc)
    rules = sorted({r for used in config.used() for r in used.rules}, key=lambda r: r.code) or rules
    for notice in result.notices:
        click.echo(f"error: {notice.one_line()}", err=True)
    result = adopt(  # issue 7: baselines, changed lines only, fixes (re-linted with the same settings)
        result, adoption, list(paths), lambda path, data: run([path], rules, options, stdin=(data, path)), stdin
    )
    written = _write_reports(result, targets, statistics, ReportOptions(rules=rules, sarif_category=sarif_category))
    sys.exit(exit_code(result, exit_zero) if written else EXIT_ERROR)


# -- outputs (issue 6) --
def _plan_outputs(output_format: str, specs: Sequence[str]) -> list[Output]:
    """--output-format (when given on the command line) and each --output."""
    source = click.get_current_context().get_parameter_source("output_format")
    given = None if source is click.core.ParameterSource.DEFAULT else output_format
    try:
        return plan_outputs(given, specs, default=output_format)
    except OutputSpecError as exc:
        raise click.UsageError(str(exc)) from exc


def _write_reports(result: RunResult, targets: Sequence[Output], statistics: bool, options: ReportOptions) -> bool:
    """Render every output; --statistics replaces the ones to stdout. False if a file
    could not be written (the others still are)."""
    ok = True
    if statistics:
        click.echo(render_statistics(result), nl=False)
    for target in targets:
        if target.path is None:
            if not statistics:
                click.echo(render(target.fmt, result, options), nl=False)
            continue
        try:
            write_output(target, render(target.fmt, result, options))
        except OSError as exc:
            click.echo(f"error: cannot write {target.fmt} output to {target.path}: {exc.strerror or exc}", err=True)
            ok = False
    return ok
# -- end outputs --


# -- configuration (issue 7) --
def _config_failed(exc: ConfigError) -> NoReturn:
    click.echo(f"error: {exc}", err=True)
    sys.exit(EXIT_ERROR)


def _resolver(overrides: Overrides, config_file: str | None, isolated: bool) -> Resolver:
    try:
        return Resolver(overrides, config_file, isolated)
    except SelectorError as exc:  # a bad --select/--ignore/--extend-select
        raise click.UsageError(str(exc)) from exc
    except ConfigError as exc:
        _config_failed(exc)


def _settings_for(config: Resolver, path: str) -> Settings:
    try:
        return config.settings_for(path)
    except ConfigError as exc:
        _config_failed(exc)


@cli.command(name="config")
@click.argument("path", required=False, default=".", type=click.Path())
@click.option("--show", is_flag=True, help="Print the effective settings for PATH (the default action).")
@click.option("--format", "fmt", type=click.Choice(["toml", "json"]), default="toml", show_default=True)
@click.option("--config", "config_file", type=click.Path(dir_okay=False), help="Use this configuration file.")
@click.option("--isolated", is_flag=True, help="Ignore every configuration file.")
def show_config(path: str, show: bool, fmt: str, config_file: str | None, isolated: bool) -> None:
    """Show the effective configuration for PATH (default: the current directory)."""
    settings = _settings_for(_resolver(Overrides(), config_file, isolated), path)
    data = settings.describe(path)
    if fmt == "json":
        click.echo(json.dumps(data, indent=2))
    else:
        click.echo(f"# effective wasm-go-lint settings for {path}")
        click.echo(to_toml(data), nl=False)
# -- end configuration --


def exit_code(result: RunResult, exit_zero: bool) -> int:
    if result.notices or result.internal_errors:
        return EXIT_ERROR
    if result.failing() and not exit_zero:
        return EXIT_FINDINGS
    return EXIT_CLEAN


@cli.command()
@click.argument("code_or_name")
def rule(code_or_name: str) -> None:
    """Show the documentation of one rule."""
    found = find_rule(code_or_name)
    if found is None:
        raise click.UsageError(f"unknown rule {code_or_name!r}; `wasm-go-lint rules` lists them")
    click.echo(style_for_terminal(rule_markdown(found)), nl=False)  # the same text as docs/rules/


@cli.command(name="rules")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def list_rules(fmt: str) -> None:
    """List every rule."""
    rules = all_rules()
    if fmt == "json":
        rows = [
            {
                "code": r.code,
                "name": r.name,
                "severity": r.severity.value,
                "summary": r.summary(),
                "fix": r.fix_availability,
                "tags": list(r.tags),
                "precision": r.precision,
            }
            for r in rules
        ]
        click.echo(json.dumps(rows, indent=2))
        return
    for r in rules:
        click.echo(f"{r.code}  {r.name:<36} {r.severity.value:<8} {r.summary()}")


@cli.command()
def version() -> None:
    """Print the version."""
    click.echo(f"wasm-go-lint {_version()}")


# -- language server (issue 8) --
@cli.command()
@click.option("--stdio", is_flag=True, help="Talk over stdin/stdout (the default and only transport).")
def server(stdio: bool) -> None:
    """Run the language server (LSP over stdio) for editors; needs the lsp extra (pygls)."""
    try:
        from linter.server import serve
    except ImportError as exc:
        if exc.name not in ("pygls", "lsprotocol") and not str(exc.name).startswith(("pygls.", "lsprotocol.")):
            raise
        click.echo("error: wasm-go-lint server needs pygls: pip install 'wasm-go-lint[lsp]'", err=True)
        sys.exit(EXIT_ERROR)
    serve()
# -- end language server --


def main() -> None:
    try:
        cli.main(standalone_mode=True)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # never a traceback for users
        click.echo(f"wasm-go-lint: internal error: {type(exc).__name__}: {exc}", err=True)
        sys.exit(EXIT_ERROR)


__all__ = ["EXIT_CLEAN", "EXIT_ERROR", "EXIT_FINDINGS", "Severity", "cli", "main"]
