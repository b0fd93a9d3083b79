"""The command-line contract: output formats, exit codes, selection, stdin, rule docs.

Findings come from WG000 (syntax errors) only: either ``--select WG000`` is given or
the Go package does not import an SDK (then only any-package rules such as WG000 run),
so rules written later cannot change what these tests see.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, ClassVar

import pytest
from click.testing import CliRunner, Result
from linter.rules.wg000_syntax_error import GoSyntaxError

from linter import __version__
from linter.diagnostics import Applicability, Edit, Fix, Severity
from linter.registry import all_rules
from linter.rule import FileContext, Rule
from tests.cli_support import invoke, write

SDK_IMPORT = 'import "github.com/higress-group/wasm-go/pkg/wrapper"'

# A plugin file with one syntax error on line 6, after a tab and non-ASCII text: the
# stray `)` is the 24th character of the line (tab = 1, é = 1, 世 = 1, 界 = 1).
BROKEN_PLUGIN = f"""package main

{SDK_IMPORT}

func onHttpRequestHeaders(ctx wrapper.HttpContext) {{
\ts := "héllo 世界"; x := )
\t_ = ctx
}}
"""
BROKEN_LINE = '\ts := "héllo 世界"; x := )'
BROKEN_COLUMN = BROKEN_LINE.index(")") + 1  # 24, in code points

CLEAN_PLUGIN = f"""package main

{SDK_IMPORT}

func main() {{
\t_ = wrapper.ParseConfigBy[int]
}}
"""

# No SDK import: only any-package rules (WG000) apply, whatever other rules exist.
# The error is at `3` (line 4, column 9).
BROKEN_LIBRARY = "package util\n\nfunc f() {\n\tg(1, 2 3)\n}\n"
TWO_ERRORS = "package util\n\nfunc f() {\n\tg(1, 2 3)\n}\n\nfunc h() {\n\tg(4, 5 6)\n}\n"
CLEAN_LIBRARY = "package util\n\nfunc f() int {\n\treturn 1\n}\n"

JSON_KEYS = {
    "code",
    "name",
    "severity",
    "message",
    "path",
    "line",
    "column",
    "end_line",
    "end_column",
    "fix",
}


def parse_json(result: Result) -> list[dict[str, Any]]:
    data = json.loads(result.stdout)
    assert isinstance(data, list)
    return data


# --- text output --------------------------------------------------------------


def test_full_output_header_snippet_and_summary(runner: CliRunner, workdir: Path) -> None:
    write(workdir, "plugin/main.go", BROKEN_PLUGIN)
    result = invoke(runner, "check", "--select", "WG000")
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    header = re.compile(r"^plugin/main\.go:6:(\d+): WG000 \[syntax-error\] syntax error: \S.*$")
    headers = [line for line in lines if header.match(line)]
    assert len(headers) == 1, result.stdout
    assert header.match(headers[0]).group(1) == str(BROKEN_COLUMN)  # type: ignore[union-attr]

    start = lines.index(headers[0])
    gutter, source_line, caret_line = lines[start + 1 : start + 4]
    assert gutter.strip() == "|"
    # the source line, tab expanded to spaces, behind a `6 | ` gutter
    assert source_line == "6 | " + BROKEN_LINE.replace("\t", "    ")
    # the caret sits under the `)`: 4 cells for the tab, 2 for each CJK character
    prefix = BROKEN_LINE[: BROKEN_COLUMN - 1].replace("\t", "    ")
    cells = len(prefix) + 2  # 世 and 界 are double-width
    assert caret_line == "  | " + " " * cells + "^"

    assert lines[-1] == "Found 1 problem (1 error, 0 warnings) in 1 file checked."


def test_caret_under_column_with_tabs(runner: CliRunner, workdir: Path) -> None:
    write(workdir, "lib/a.go", "package util\n\nfunc f() {\n\tif true {\n\t\tg(1, 2 3)\n\t}\n}\n")
    result = invoke(runner, "check", "lib/a.go")
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("lib/a.go:5:10: WG000 [syntax-error] ")
    source_line, caret_line = lines[2], lines[3]
    assert source_line == "5 |         g(1, 2 3)"
    assert "\t" not in source_line
    assert caret_line.index("^") == source_line.index("3")
    assert caret_line.rstrip() == caret_line  # no trailing noise
    assert set(caret_line[4:].strip()) == {"^"}


def test_gutter_widens_with_line_number(runner: CliRunner, workdir: Path) -> None:
    body = "package util\n" + "\n" * 9 + "func f() {\n\tg(1, 2 3)\n}\n"
    write(workdir, "a.go", body)
    result = invoke(runner, "check", "a.go")
    lines = result.stdout.splitlines()
    assert lines[0].startswith("a.go:12:9: WG000 ")
    assert lines[1] == "   |"
    assert lines[2] == "12 |     g(1, 2 3)"
    assert lines[3] == "   |            ^"


def test_concise_output(runner: CliRunner, workdir: Path) -> None:
    write(workdir, "plugin/main.go", BROKEN_PLUGIN)
    result = invoke(runner, "check", "--select", "WG000", "--output-format", "concise")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 2, result.stdout
    assert re.fullmatch(
        rf"plugin/main\.go:6:{BROKEN_COLUMN}: WG000 \[syntax-error\] syntax error: .+", lines[0]
    )
    assert lines[1].startswith("Found 1 problem")
    assert not any("|" in line for line in lines[1:])


def test_clean_text_output(runner: CliRunner, workdir: Path) -> None:
    write(workdir, "plugin/main.go", CLEAN_PLUGIN)
    result = invoke(runner, "check", "--select", "WG000")
    assert result.exit_code == 0, result.output
    assert result.stdout == "All checks passed!\n"
    assert result.stderr == ""


# --- JSON output ----------------------------------------------------------------


def test_json_contract(runner: CliRunner, workdir: Path) -> None:
    write(workdir, "plugin/main.go", BROKEN_PLUGIN)
    result = invoke(runner, "check", "--select", "WG000", "--output-format", "json")
    assert result.exit_code == 1, result.output
    data = parse_json(result)
    assert len(data) == 1
    item = data[0]
    assert set(item) == JSON_KEYS
    assert item["code"] == "WG000"
    assert item["name"] == "syntax-error"
    assert item["severity"] == "error"
    assert item["message"].startswith("syntax error")
    assert item["path"] == "plugin/main.go"
    assert item["line"] == 6
    assert item["column"] == BROKEN_COLUMN == 24  # code points, not bytes (27) or cells
    assert item["end_line"] == 6
    assert item["end_column"] == BROKEN_COLUMN + 1
    assert item["fix"] is None
    for key in ("line", "column", "end_line", "end_column"):
        assert isinstance(item[key], int) and item[key] >= 1


def test_json_empty_is_an_empty_array(runner: CliRunner, workdir: Path) -> None:
    write(workdir, "plugin/main.go", CLEAN_PLUGIN)
    result = invoke(runner, "check", "--select", "WG000", "--output-format", "json")
    assert result.exit_code == 0
    assert parse_json(result) == []


def test_json_first_line_and_column(runner: CliRunner, workdir: Path) -> None:
    write(workdir, "a.go", ")\n")
    data = parse_json(invoke(runner, "check", "--output-format", "json", "a.go"))
    assert (data[0]["line"], data[0]["column"]) == (1, 1)


def test_json_columns_count_code_points_on_cjk_line(runner: CliRunner, workdir: Path) -> None:
    line = '\ts := "日本語テキスト"; g(s 3)'
    write(workdir, "a.go", f"package util\n\nfunc f() {{\n{line}\n}}\n")
    data = parse_json(invoke(runner, "check", "--output-format", "json", "a.go"))
    assert [(d["line"], d["column"]) for d in data] == [(4, 22)]
    assert line.index("3") + 1 == 22
    assert len(line[: line.index("3")].encode()) + 1 == 36  # what a byte column would say


def test_json_path_is_relative_to_working_directory(runner: CliRunner, workdir: Path) -> None:
    target = write(workdir, "deep/pkg/a.go", BROKEN_LIBRARY)
    for given in (str(target), "deep", "./deep/pkg/../pkg/a.go"):
        data = parse_json(invoke(runner, "check", "--output-format", "json", given))
        assert [d["path"] for d in data] == ["deep/pkg/a.go"], given


def test_json_path_outside_working_directory_is_absolute(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = write(tmp_path, "outside/a.go", BROKEN_LIBRARY)
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    data = parse_json(invoke(runner, "check", "--output-format", "json", "../outside/a.go"))
    assert [d["path"] for d in data] == [str(target)]


class RenameHello(Rule):
    """## What it does
    Test-only rule that offers a fix.
    """

    code = "WG990"
    name = "rename-hello"
    severity = Severity.WARNING
    tags = ("any-package",)
    node_types: ClassVar[tuple[str, ...]] = ("interpreted_string_literal",)

    def check(self, node: Any, ctx: FileContext) -> None:
        if ctx.text(node) != '"héllo"':
            return
        inner = (node.start_byte + 1, node.end_byte - 1)
        edit = Edit(inner[0], inner[1], "hello")
        fix = Fix("Use ASCII", Applicability.SAFE, (edit,))
        self.report(ctx, node, "non-ASCII greeting", fix=fix)


def test_json_fix_object(runner: CliRunner, workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("linter.cli.resolve", lambda *args, **kwargs: [RenameHello])
    write(workdir, "a.go", 'package util\n\nvar a, b = "世界", "héllo"\n')
    result = invoke(runner, "check", "--output-format", "json", "a.go")
    assert result.exit_code == 1, result.output
    [item] = parse_json(result)
    assert set(item) == JSON_KEYS
    assert item["severity"] == "warning"
    assert (item["line"], item["column"], item["end_line"], item["end_column"]) == (3, 18, 3, 25)
    assert item["fix"] == {
        "applicability": "safe",
        "message": "Use ASCII",
        "edits": [
            {
                "content": "hello",
                "location": {"line": 3, "column": 19},
                "end_location": {"line": 3, "column": 24},
            }
        ],
    }
    text = invoke(runner, "check", "a.go").stdout
    assert "= help: Use ASCII (safe fix)" in text


# --- exit codes -------------------------------------------------------------------


def test_exit_codes(runner: CliRunner, workdir: Path) -> None:
    write(workdir, "clean/a.go", CLEAN_LIBRARY)
    write(workdir, "broken/a.go", BROKEN_LIBRARY)
    assert invoke(runner, "check", "clean").exit_code == 0
    assert invoke(runner, "check", "broken").exit_code == 1
    assert invoke(runner, "check", "--exit-zero", "broken").exit_code == 0
    assert invoke(runner, "check", "--exit-zero", "--output-format", "json", "broken").exit_code == 0
    assert invoke(runner, "check", "missing-dir").exit_code == 2
    # --exit-zero hides findings, never bad input
    assert invoke(runner, "check", "--exit-zero", "broken", "missing.go").exit_code == 2


@pytest.mark.parametrize(
    "args",
    [
        ["check", "--select", "WG999"],
        ["check", "--select", "no-such-rule"],
        ["check", "--ignore", "XY1"],
        ["check", "--extend-select", "WG000,bogus"],
        ["check", "--bogus-option"],
        ["check", "--output-format", "xml"],
        ["check", "--max-file-size", "0"],
        ["check", "-", "a.go"],
        ["no-such-command"],
    ],
)
def test_usage_errors_exit_2(runner: CliRunner, workdir: Path, args: list[str]) -> None:
    write(workdir, "a.go", CLEAN_LIBRARY)
    result = invoke(runner, *args)
    assert result.exit_code == 2, result.output
    assert "Error:" in result.stderr
    assert "Traceback" not in result.output


def test_unknown_selector_message_names_it(runner: CliRunner, workdir: Path) -> None:
    result = invoke(runner, "check", "--select", "WG999")
    assert "'WG999'" in result.stderr


# --- selection ---------------------------------------------------------------------


def _fake(code: str, name: str) -> type[Rule]:
    """A rule that reports once per file, so its presence in the output shows it ran."""

    def check_file(self: Rule, ctx: FileContext) -> None:
        self.report(ctx, (0, 0), f"{code} ran")

    return type(
        f"Fake{code}",
        (Rule,),
        {
            "__doc__": "## What it does\nTest-only.\n",
            "code": code,
            "name": name,
            "severity": Severity.INFO,
            "tags": ("any-package",),
            "check_file": check_file,
        },
    )


FAKE_RULES = (GoSyntaxError, _fake("WG101", "fake-flow"), _fake("WG102", "fake-other"), _fake("WG201", "fake-state"))


def ran(result: Result) -> set[str]:
    return {d["code"] for d in parse_json(result)}


@pytest.fixture
def fake_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("linter.selection.all_rules", lambda: FAKE_RULES)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], {"WG000", "WG101", "WG102", "WG201"}),
        (["--select", "ALL"], {"WG000", "WG101", "WG102", "WG201"}),
        (["--select", "all"], {"WG000", "WG101", "WG102", "WG201"}),
        (["--select", "WG000"], {"WG000"}),
        (["--select", "syntax-error"], {"WG000"}),
        (["--select", "WG0"], {"WG000"}),
        (["--select", "wg1"], {"WG101", "WG102"}),
        (["--select", "WG10"], {"WG101", "WG102"}),
        (["--select", "WG101,fake-state"], {"WG101", "WG201"}),
        (["--select", "WG101", "--select", "WG201"], {"WG101", "WG201"}),
        (["--select", "WG1", "--extend-select", "WG000"], {"WG000", "WG101", "WG102"}),
        (["--select", "WG1", "--extend-select", "syntax-error,WG2"], {"WG000", "WG101", "WG102", "WG201"}),
        (["--extend-select", "WG1"], {"WG000", "WG101", "WG102", "WG201"}),
        (["--ignore", "WG1"], {"WG000", "WG201"}),
        (["--ignore", "fake-flow,WG000"], {"WG102", "WG201"}),
        (["--ignore", "WG101", "--ignore", "syntax-error"], {"WG102", "WG201"}),
        (["--select", "WG1", "--ignore", "WG102"], {"WG101"}),
        (["--select", "WG000", "--extend-select", "WG2", "--ignore", "WG201"], {"WG000"}),
        (["--select", "ALL", "--ignore", "ALL"], set()),
        (["--select", " WG000 , ,WG201 "], {"WG000", "WG201"}),
    ],
)
def test_selection(
    runner: CliRunner, workdir: Path, fake_registry: None, args: list[str], expected: set[str]
) -> None:
    write(workdir, "a.go", BROKEN_LIBRARY)
    result = invoke(runner, "check", "--output-format", "json", *args, "a.go")
    assert result.exit_code == (1 if expected else 0), result.output
    assert ran(result) == expected


def test_selection_with_real_registry(runner: CliRunner, workdir: Path) -> None:
    write(workdir, "a.go", BROKEN_LIBRARY)
    for args in (["--select", "WG000"], ["--select", "syntax-error"], ["--select", "WG0"], ["--select", "ALL"]):
        assert ran(invoke(runner, "check", "--output-format", "json", *args, "a.go")) == {"WG000"}
    for args in (["--ignore", "WG000"], ["--ignore", "syntax-error"], ["--ignore", "WG0"]):
        result = invoke(runner, "check", "--output-format", "json", *args, "a.go")
        assert "WG000" not in ran(result), args


# --- statistics ------------------------------------------------------------------


def test_statistics(runner: CliRunner, workdir: Path) -> None:
    write(workdir, "a.go", BROKEN_LIBRARY)
    write(workdir, "b.go", TWO_ERRORS)
    result = invoke(runner, "check", "--statistics", "--select", "WG000")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    count, code, name = lines[0].split("\t")
    assert int(count) == 3
    assert (code, name) == ("WG000", "[syntax-error]")


def test_statistics_orders_by_count(runner: CliRunner, workdir: Path, fake_registry: None) -> None:
    write(workdir, "a.go", TWO_ERRORS)
    result = invoke(runner, "check", "--statistics", "--select", "WG000,WG101", "a.go")
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert [(int(c), code) for c, code, _ in rows] == [(2, "WG000"), (1, "WG101")]


def test_statistics_clean(runner: CliRunner, workdir: Path) -> None:
    write(workdir, "a.go", CLEAN_LIBRARY)
    result = invoke(runner, "check", "--statistics")
    assert result.exit_code == 0
    assert "WG" not in result.stdout


# --- stdin -------------------------------------------------------------------------


def test_stdin_with_filename(runner: CliRunner, workdir: Path) -> None:
    result = invoke(
        runner,
        "check",
        "-",
        "--stdin-filename",
        "plugin/main.go",
        "--select",
        "WG000",
        "--output-format",
        "json",
        stdin=BROKEN_PLUGIN.encode(),
    )
    assert result.exit_code == 1, result.output
    [item] = parse_json(result)
    assert item["path"] == "plugin/main.go"
    assert (item["line"], item["column"]) == (6, BROKEN_COLUMN)


def test_stdin_text_output_has_snippet(runner: CliRunner, workdir: Path) -> None:
    result = invoke(runner, "check", "-", "--stdin-filename", "lib/x.go", stdin=BROKEN_LIBRARY.encode())
    lines = result.stdout.splitlines()
    assert lines[0].startswith("lib/x.go:4:9: WG000 [syntax-error]")
    assert lines[2] == "4 |     g(1, 2 3)"


def test_stdin_content_wins_over_file_on_disk(runner: CliRunner, workdir: Path) -> None:
    write(workdir, "lib/x.go", BROKEN_LIBRARY)  # the editor buffer is already fixed
    result = invoke(runner, "check", "-", "--stdin-filename", "lib/x.go", stdin=CLEAN_LIBRARY.encode())
    assert result.exit_code == 0, result.output
    assert result.stdout == "All checks passed!\n"


def test_stdin_without_filename(runner: CliRunner, workdir: Path) -> None:
    result = invoke(runner, "check", "-", "--output-format", "json", stdin=BROKEN_LIBRARY.encode())
    assert result.exit_code == 1
    assert [d["path"] for d in parse_json(result)] == ["-"]


def test_stdin_clean(runner: CliRunner, workdir: Path) -> None:
    result = invoke(runner, "check", "-", "--stdin-filename", "a.go", stdin=CLEAN_LIBRARY.encode())
    assert result.exit_code == 0


# --- rule, rules, version ------------------------------------------------------------


@pytest.mark.parametrize("key", ["WG000", "wg000", "syntax-error"])
def test_rule_doc(runner: CliRunner, key: str) -> None:
    result = invoke(runner, "rule", key)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("# syntax-error (WG000)\n")
    assert "## What it does" in result.stdout
    assert "## Why is this bad?" in result.stdout
    assert "```go" in result.stdout
    assert "Default severity: error" in result.stdout


@pytest.mark.parametrize("key", ["WG999", "no-such-rule", "WG0"])
def test_unknown_rule(runner: CliRunner, key: str) -> None:
    result = invoke(runner, "rule", key)
    assert result.exit_code == 2
    assert key in result.stderr
    assert result.stdout == ""


def test_rules_text(runner: CliRunner) -> None:
    result = invoke(runner, "rules")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == len(all_rules())
    assert any(re.match(r"^WG000\s+syntax-error\s+error\s+\S", line) for line in lines)
    assert [line.split()[0] for line in lines] == sorted(line.split()[0] for line in lines)


def test_rules_json(runner: CliRunner) -> None:
    result = invoke(runner, "rules", "--format", "json")
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert isinstance(rows, list) and len(rows) == len(all_rules())
    for row in rows:
        assert {"code", "name", "severity", "summary"} <= set(row)
        assert re.fullmatch(r"WG\d{3}", row["code"])
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", row["name"])
        assert row["severity"] in {"error", "warning", "info"}
        assert isinstance(row["summary"], str) and row["summary"]
    wg000 = next(row for row in rows if row["code"] == "WG000")
    assert wg000["name"] == "syntax-error"
    assert wg000["severity"] == "error"


def test_rules_bad_format(runner: CliRunner) -> None:
    assert invoke(runner, "rules", "--format", "yaml").exit_code == 2


def test_version(runner: CliRunner) -> None:
    for args in (["--version"], ["-V"], ["version"]):
        result = invoke(runner, *args)
        assert result.exit_code == 0
        assert result.stdout == f"wasm-go-lint {__version__}\n", args


def test_help(runner: CliRunner) -> None:
    result = invoke(runner, "check", "--help")
    assert result.exit_code == 0
    for option in ("--output-format", "--select", "--ignore", "--extend-select", "--exit-zero",
                   "--statistics", "--stdin-filename", "--include-tests", "--max-file-size"):
        assert option in result.stdout


def test_stdin_filename_alone_reads_stdin(tmp_path: Path) -> None:
    source = "package main\n\nimport \"github.com/higress-group/wasm-go/pkg/wrapper\"\n\nvar x = wrapper.X(\n"
    from linter.cli import cli

    result = CliRunner().invoke(
        cli, ["check", "--stdin-filename", "plugin/main.go", "--output-format", "concise"], input=source
    )
    assert result.exit_code == 1, result.output
    assert "plugin/main.go:" in result.output
    assert "WG000" in result.output
