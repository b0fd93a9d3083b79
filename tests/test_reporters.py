"""The CI formats (github, gitlab, junit, json-lines) and several outputs in one run.

Findings come from WG000 (syntax errors) in packages without an SDK import, or from
test-only rules, so rules written later cannot change what these tests see.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, ClassVar

import pytest
from click.testing import CliRunner, Result

from linter.diagnostics import Diagnostic, Notice, Severity
from linter.reporters import REPORTERS, Output, OutputSpecError, parse_output, plan_outputs
from linter.reporters.github import annotation, escape_data, escape_property, render_github
from linter.reporters.gitlab import gitlab_issues, render_gitlab
from linter.reporters.json import render_json
from linter.reporters.jsonlines import render_json_lines
from linter.reporters.junit import render_junit
from linter.rule import FileContext, Rule
from linter.runner import RunResult
from linter.source import SourceFile
from tests.sarif_support import check_log, lint_sources

JSON_KEYS = {"code", "name", "severity", "message", "path", "line", "column", "end_line", "end_column", "fix"}
BROKEN_LIBRARY = "package util\n\nfunc f() {\n\tg(1, 2 3)\n}\n\nfunc h() {\n\tg(4, 5 6)\n}\n"


class Levels(Rule):
    """## What it does
    Test-only: `e` is an error, `w` a warning, `i` info, with awkward messages.
    """

    code = "WG998"
    name = "levels"
    severity = Severity.WARNING
    tags = ("any-package",)
    node_types: ClassVar[tuple[str, ...]] = ("identifier",)

    def check(self, node: Any, ctx: FileContext) -> None:
        text = ctx.text(node)
        if text in ("e", "w", "i"):
            self.report(ctx, node, f"100% bad, a:b, c\r\nd <&> for `{text}`")


LEVELS_SOURCE = "package util\n\nvar e = 1\nvar w = 2\nvar i = 3\n"


def levels_result() -> RunResult:
    result = lint_sources([SourceFile("lib/levels.go", LEVELS_SOURCE.encode())], "lib", [Levels])
    severities = {"e": Severity.ERROR, "w": Severity.WARNING, "i": Severity.INFO}
    for d in result.diagnostics:
        d.severity = severities[d.message[-2]]
    return result


# --- github ----------------------------------------------------------------------------


def test_github_escaping() -> None:
    assert escape_data("100% a:b, c\r\nd") == "100%25 a:b, c%0D%0Ad"
    assert escape_property("100% a:b, c\r\nd") == "100%25 a%3Ab%2C c%0D%0Ad"
    assert escape_property("%3A") == "%253A"  # % first, never double-decoded


def test_github_annotations(workdir: Path) -> None:
    result = levels_result()
    lines = render_github(result, root=str(workdir)).splitlines()
    assert lines == [
        "::error file=lib/levels.go,line=3,col=5,endLine=3,endColumn=6,title=WG998 levels::100%25 bad, a:b, c%0D%0Ad <&> for `e`",
        "::warning file=lib/levels.go,line=4,col=5,endLine=4,endColumn=6,title=WG998 levels::100%25 bad, a:b, c%0D%0Ad <&> for `w`",
        "::notice file=lib/levels.go,line=5,col=5,endLine=5,endColumn=6,title=WG998 levels::100%25 bad, a:b, c%0D%0Ad <&> for `i`",
    ]


def test_github_paths_are_relative_to_the_root_and_properties_escaped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a,b:c").mkdir()
    monkeypatch.chdir(tmp_path / "a,b:c")
    d = Diagnostic("WG000", "syntax-error", Severity.ERROR, "m", "x.go", 1, 1, 1, 2, 0, 1)
    assert annotation(d, "a,b:c/x.go").startswith("::error file=a%2Cb%3Ac/x.go,line=1,")
    result = RunResult(diagnostics=[d], notices=[Notice("gone.go", "no such file or directory")])
    assert render_github(result, root=str(tmp_path)).splitlines() == [
        "::error file=a%2Cb%3Ac/x.go,line=1,col=1,endLine=1,endColumn=2,title=WG000 syntax-error::m",
        "::error file=a%2Cb%3Ac/gone.go,title=wasm-go-lint input skipped::no such file or directory",
    ]


def test_github_empty_run_prints_nothing() -> None:
    assert render_github(RunResult(), root="/") == ""


# --- gitlab ----------------------------------------------------------------------------


def test_gitlab_code_quality(workdir: Path) -> None:
    result = levels_result()
    issues = json.loads(render_gitlab(result, root=str(workdir)))
    assert [i["severity"] for i in issues] == ["major", "minor", "info"]
    first = issues[0]
    assert set(first) == {"description", "check_name", "fingerprint", "severity", "location"}
    assert first["check_name"] == "WG998 levels"
    assert first["description"].startswith("WG998 100% bad")
    assert first["location"] == {"path": "lib/levels.go", "lines": {"begin": 3, "end": 3}}
    assert len({i["fingerprint"] for i in issues}) == 3
    assert all(re.fullmatch(r"[0-9a-f]{64}", i["fingerprint"]) for i in issues)


def test_gitlab_fingerprints_are_line_independent(workdir: Path) -> None:
    def prints(text: str) -> list[tuple[str, int]]:
        result = lint_sources([SourceFile("lib/levels.go", text.encode())], "lib", [Levels])
        return [(i["fingerprint"], i["location"]["lines"]["begin"]) for i in gitlab_issues(result, root=str(workdir))]

    before = prints(LEVELS_SOURCE)
    after = prints(LEVELS_SOURCE.replace("package util\n", "package util\n\n\n// moved down\n"))
    assert [p for p, _ in after] == [p for p, _ in before]
    assert [line for _, line in after] == [line + 3 for _, line in before]
    assert prints(LEVELS_SOURCE.replace("var e = 1", "var e = 10"))[0][0] != before[0][0]


def test_gitlab_empty_run_is_an_empty_array() -> None:
    assert json.loads(render_gitlab(RunResult(), root="/")) == []


# --- junit -----------------------------------------------------------------------------


def test_junit(workdir: Path) -> None:
    result = levels_result()
    result.notices.append(Notice("lib/huge.go", "too big\x00; skipped"))
    text = render_junit(result)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    root = ET.fromstring(text)
    [suite] = root.findall("testsuite")
    assert suite.get("name") == "wasm-go-lint"
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("4", "3", "1")
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == ["WG998 levels at 3:5", "WG998 levels at 4:5", "WG998 levels at 5:5", "input"]
    assert cases[0].get("classname") == "lib/levels.go"
    failure = cases[0].find("failure")
    assert failure is not None
    assert failure.get("message") == "100% bad, a:b, c\r\nd <&> for `e`"
    assert failure.get("type") == "error"
    assert failure.text is not None and failure.text.startswith("lib/levels.go:3:5: WG998 [levels]")
    error = cases[3].find("error")
    assert error is not None and error.get("message") == "too big\ufffd; skipped"  # no NUL in XML


def test_junit_clean_run_has_one_passing_case() -> None:
    root = ET.fromstring(render_junit(RunResult()))
    [suite] = root.findall("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("1", "0", "0")
    [case] = suite.findall("testcase")
    assert case.find("failure") is None and case.find("error") is None


# --- json-lines ------------------------------------------------------------------------


def test_json_lines_has_the_json_keys(workdir: Path) -> None:
    result = levels_result()
    lines = render_json_lines(result).splitlines()
    assert len(lines) == 3
    objects = [json.loads(line) for line in lines]
    assert all(set(o) == JSON_KEYS for o in objects)
    assert objects == json.loads(render_json(result))
    assert render_json_lines(RunResult()) == ""


# --- --output parsing ------------------------------------------------------------------


def test_parse_output() -> None:
    assert parse_output("sarif") == Output("sarif", None)
    assert parse_output("SARIF:out/results.sarif") == Output("sarif", "out/results.sarif")
    assert parse_output("sarif:-") == Output("sarif", None)
    assert parse_output(r"junit:C:\reports\lint.xml") == Output("junit", r"C:\reports\lint.xml")
    with pytest.raises(OutputSpecError, match="unknown output format 'xml'"):
        parse_output("xml:out.xml")
    with pytest.raises(OutputSpecError, match="missing path"):
        parse_output("sarif:")


def test_plan_outputs() -> None:
    assert plan_outputs(None, []) == [Output("full", None)]
    assert plan_outputs("json", []) == [Output("json", None)]
    assert plan_outputs(None, ["sarif:r.sarif", "github"]) == [Output("sarif", "r.sarif"), Output("github", None)]
    assert plan_outputs("concise", ["sarif:r.sarif"]) == [Output("concise", None), Output("sarif", "r.sarif")]
    with pytest.raises(OutputSpecError, match="same file"):
        plan_outputs(None, ["sarif:r.sarif", "json:./r.sarif"])


def test_every_format_is_registered() -> None:
    assert {"full", "text", "concise", "json", "json-lines", "sarif", "github", "gitlab", "junit"} <= set(REPORTERS)


# --- the CLI ---------------------------------------------------------------------------


def invoke(*args: str) -> Result:
    from linter.cli import cli

    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_several_outputs_in_one_run(workdir: Path) -> None:
    (workdir / "lib").mkdir()
    (workdir / "lib" / "broken.go").write_text(BROKEN_LIBRARY, encoding="utf-8")
    result = invoke(
        "check",
        "--output", "sarif:reports/results.sarif",
        "--output", "github",
        "--output", "gitlab:reports/gl-code-quality.json",
        "--output", "junit:reports/junit.xml",
        "--output", "json-lines:reports/findings.jsonl",
        "--sarif-category", "wasm-go-lint",
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    # stdout: only the annotations
    assert [line.split(",")[0] for line in result.stdout.splitlines()] == ["::error file=lib/broken.go"] * 2
    doc = json.loads((workdir / "reports" / "results.sarif").read_text(encoding="utf-8"))
    sources = [SourceFile("lib/broken.go", BROKEN_LIBRARY.encode())]
    from linter.rules.wg000_syntax_error import GoSyntaxError

    check_log(doc, lint_sources(sources, "lib", [GoSyntaxError]))
    assert doc["runs"][0]["automationDetails"] == {"id": "wasm-go-lint/"}
    assert len(json.loads((workdir / "reports" / "gl-code-quality.json").read_text(encoding="utf-8"))) == 2
    assert ET.parse(workdir / "reports" / "junit.xml").getroot().find("testsuite") is not None
    assert len((workdir / "reports" / "findings.jsonl").read_text(encoding="utf-8").splitlines()) == 2


def test_output_format_shorthand_plus_output_file(workdir: Path) -> None:
    (workdir / "broken.go").write_text(BROKEN_LIBRARY, encoding="utf-8")
    result = invoke("check", "--output-format", "json", "--output", "sarif:results.sarif")
    assert result.exit_code == 1
    assert [d["line"] for d in json.loads(result.stdout)] == [4, 8]
    assert len(json.loads((workdir / "results.sarif").read_text(encoding="utf-8"))["runs"][0]["results"]) == 2


def test_sarif_on_stdout_lists_the_enabled_rules(workdir: Path) -> None:
    (workdir / "broken.go").write_text(BROKEN_LIBRARY, encoding="utf-8")
    result = invoke("check", "--select", "WG000", "--output-format", "sarif")
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert [r["id"] for r in doc["runs"][0]["tool"]["driver"]["rules"]] == ["WG000"]


def test_clean_run_writes_every_output_and_exits_zero(workdir: Path) -> None:
    (workdir / "ok.go").write_text("package util\n\nfunc f() int {\n\treturn 1\n}\n", encoding="utf-8")
    result = invoke("check", "--output", "sarif:r.sarif", "--output", "concise")
    assert result.exit_code == 0, result.output
    assert result.stdout == "All checks passed!\n"
    assert json.loads((workdir / "r.sarif").read_text(encoding="utf-8"))["runs"][0]["results"] == []


def test_statistics_replace_stdout_outputs_only(workdir: Path) -> None:
    (workdir / "broken.go").write_text(BROKEN_LIBRARY, encoding="utf-8")
    result = invoke("check", "--statistics", "--output", "github", "--output", "sarif:r.sarif")
    assert result.stdout == "    2\tWG000\t[syntax-error]\n"
    assert (workdir / "r.sarif").is_file()


def test_unwritable_output_is_an_error_but_the_others_are_written(workdir: Path) -> None:
    (workdir / "broken.go").write_text(BROKEN_LIBRARY, encoding="utf-8")
    (workdir / "taken").mkdir()
    result = invoke("check", "--output", "sarif:taken", "--output", "json-lines:ok.jsonl", "--output", "github")
    assert result.exit_code == 2
    assert "cannot write sarif output to taken" in result.stderr
    assert (workdir / "ok.jsonl").is_file()
    assert result.stdout.startswith("::error ")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--output", "xml"], "unknown output format 'xml'"),
        (["--output", "sarif:"], "missing path"),
        (["--output", "sarif:a", "--output", "json:a"], "same file"),
    ],
)
def test_bad_output_options_are_usage_errors(args: list[str], message: str, workdir: Path) -> None:
    result = invoke("check", *args)
    assert result.exit_code == 2
    assert message in result.stderr
