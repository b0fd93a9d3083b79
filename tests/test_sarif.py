"""SARIF output: schema validity for every fixture and edge case, what GitHub code
scanning needs (rules, levels, UTF-16 regions, fingerprints, notifications, limits),
and a golden file.

Regenerate the golden file after an intended change of the output:

    WASM_GO_LINT_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_sarif.py -k golden

(see tests/data/golden/README.md).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
import sarif_om as om
from linter.rules.wg000_syntax_error import GoSyntaxError
from linter.rules.wg201_value_receiver_mutation import ValueReceiverMutation
from linter.rules.wg401_goroutine import Goroutine

from linter.diagnostics import Diagnostic, Notice, Severity
from linter.registry import all_rules
from linter.reporters.fingerprints import line_hash, line_hashes, stable_fingerprint
from linter.reporters.locations import file_uri, repository_root
from linter.reporters.sarif import build_log, plain_text, render_sarif, to_json
from linter.rule import FileContext, Rule
from linter.runner import RunResult
from linter.source import SourceFile
from tests.fixture_harness import FIXTURES, case_files, case_paths
from tests.sarif_support import (
    ROOT,
    check_log,
    lint_sources,
    reference_line_hashes,
    validate,
    vectors,
    walk,
)

GOLDEN = ROOT / "tests" / "data" / "golden" / "wg201_append_to_field.sarif"
GOLDEN_CASE = FIXTURES / "WG201" / "append_to_field.go"
UPDATE_GOLDEN = os.environ.get("WASM_GO_LINT_UPDATE_GOLDEN") == "1"
SDK_IMPORT = 'import "github.com/higress-group/wasm-go/pkg/wrapper"'


@pytest.fixture
def at_root(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Run from the repository root, as the CLI would in CI."""
    monkeypatch.chdir(ROOT)
    yield ROOT


def sarif(result: RunResult, **kwargs: Any) -> dict[str, Any]:
    kwargs.setdefault("root", str(ROOT))
    data: dict[str, Any] = json.loads(render_sarif(result, **kwargs))
    return data


def the_run(doc: dict[str, Any]) -> dict[str, Any]:
    [run] = doc["runs"]
    return run  # type: ignore[no-any-return]


# --- GitHub's line hash ------------------------------------------------------------------


@pytest.mark.parametrize("vector", vectors(), ids=lambda v: repr(v["text"][:24]))
def test_line_hashes_match_github_vectors(vector: dict[str, Any]) -> None:
    assert line_hashes(vector["text"]) == vector["hashes"]
    assert reference_line_hashes(vector["text"]) == vector["hashes"]


WINDOW_WEIGHTS = [37 ** (99 - i) for i in range(100)]


def hand_hash(units: list[int]) -> str:
    """The hash of one window written out by hand: 100 units, zero-padded."""
    window = (units + [0] * 100)[:100]
    return format(sum(u * w for u, w in zip(window, WINDOW_WEIGHTS, strict=True)) % 2**64, "x")


def test_line_hash_values_computed_by_hand() -> None:
    eof = 0xFFFF
    # An empty file: one line holding only the end marker.
    assert line_hashes("") == [f"{hand_hash([eof])}:1"] == ["c129715d7a2bc9a3:1"]
    # No trailing newline: the last line runs into the end marker.
    assert line_hashes("ab") == [f"{hand_hash([ord('a'), ord('b'), eof])}:1"]
    # A trailing newline adds a line that holds only the end marker.
    lf = ord("\n")
    assert line_hashes("ab\n") == [f"{hand_hash([ord('a'), ord('b'), lf, eof])}:1", "c129715d7a2bc9a3:1"]
    # Spaces and tabs are skipped; CRLF and a lone CR read as LF.
    x, y = ord("x"), ord("y")
    expected = [f"{hand_hash([x, lf, y, eof])}:1", f"{hand_hash([y, eof])}:1"]
    assert line_hashes("x\r\ny") == line_hashes("x\ry") == line_hashes(" x \t\n\ty") == expected
    # A CR, a space, then LF: the space ends the CRLF pair, so LF is a second line break.
    assert len(line_hashes("x\r \ny")) == 3
    # Non-BMP characters count as two UTF-16 code units.
    assert line_hashes("😀") == [f"{hand_hash([0xD83D, 0xDE00, eof])}:1"]


@pytest.mark.parametrize(
    "text",
    [
        "package main\r\n\r\nfunc f() {\r\n\treturn\r\n}\r\n",  # CRLF
        "package main\n\nfunc f() {\n\treturn\n}",  # no trailing newline
        "package main\r\nfunc f() {}",  # CRLF, no trailing newline
        "a\rb\r\nc\n\r\n",  # mixed terminators
        "x := \"😀 世界 é\"\n" * 3,  # identical lines, non-ASCII
        "\n".join(f"line{i % 7}" for i in range(250)),  # longer than the window, repeats
        "",
        "a\n\x00b\r \n\t\r\r\n",  # a NUL starting a line; CR, blank, LF is two breaks
    ],
    ids=["crlf", "no-final-newline", "crlf-no-final-newline", "mixed", "repeated-non-ascii", "long", "empty", "nul-and-blanks"],
)
def test_line_hashes_match_reference(text: str) -> None:
    assert line_hashes(text) == reference_line_hashes(text)
    lines = len(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    assert len(line_hashes(text)) == lines
    assert line_hash(text, 1) == line_hashes(text)[0]
    assert line_hash(text, lines + 1) is None


def test_crlf_and_lf_files_hash_alike() -> None:
    lf = "package main\n\nfunc f() {\n\treturn\n}\n"
    assert line_hashes(lf.replace("\n", "\r\n")) == line_hashes(lf)


def test_identical_lines_are_numbered() -> None:
    hashes = line_hashes("same\n" * 120)  # more than the window: the first 100 lines' windows agree
    first = hashes[0].split(":")[0]
    assert hashes[1] == f"{first}:2"
    assert len({h.split(":")[0] for h in hashes}) > 1  # lines near the end see the end marker


def test_stable_fingerprint_ignores_line_numbers_and_whitespace() -> None:
    a = stable_fingerprint("WG401", "p/main.go", "\tgo work()  ", 0)
    assert a == stable_fingerprint("WG401", "p/main.go", "go   work()", 0)
    assert a != stable_fingerprint("WG401", "p/main.go", "go work()", 1)
    assert a != stable_fingerprint("WG402", "p/main.go", "go work()", 0)
    assert a != stable_fingerprint("WG401", "q/main.go", "go work()", 0)


# --- schema validity ---------------------------------------------------------------------

CASES = case_paths()


@pytest.mark.parametrize("case", CASES, ids=[str(c.relative_to(FIXTURES)) for c in CASES])
def test_every_fixture_gives_valid_sarif(case: Path, at_root: Path) -> None:
    sources = [SourceFile(str(path.relative_to(ROOT)), path.read_bytes()) for path in case_files(case)]
    directory = str((case if case.is_dir() else case.parent).relative_to(ROOT))
    result = lint_sources(sources, directory)
    doc = sarif(result)
    check_log(doc, result)
    for item in the_run(doc)["results"]:
        uri = item["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert uri.startswith("fixtures/")


def test_empty_run(at_root: Path) -> None:
    result = RunResult()
    doc = sarif(result)
    check_log(doc, result)
    run = the_run(doc)
    assert run["results"] == []
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == [r.code for r in all_rules()]
    assert run["invocations"] == [{"executionSuccessful": True}]
    assert "automationDetails" not in run


BROKEN_LIBRARY = "package util\n\nfunc f() {\n\tg(1, 2 3)\n}\n\nfunc h() {\n\tg(4, 5 6)\n}\n"


def test_syntax_errors_are_results_and_a_notification(at_root: Path) -> None:
    result = lint_sources([SourceFile("lib/broken.go", BROKEN_LIBRARY.encode())], "lib")
    doc = sarif(result)
    check_log(doc, result)
    run = the_run(doc)
    assert [(r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in run["results"]] == [
        ("WG000", 4),
        ("WG000", 8),
    ]
    [note] = run["invocations"][0]["toolExecutionNotifications"]
    assert note["descriptor"]["id"] == "syntax-errors"
    assert note["level"] == "warning"
    assert "2 syntax errors" in note["message"]["text"]
    assert note["locations"][0]["physicalLocation"]["artifactLocation"] == {"uri": "lib/broken.go", "uriBaseId": "%SRCROOT%"}
    assert run["invocations"][0]["executionSuccessful"] is True


# Line 7: "c.hits" follows two emoji, CJK and an accented letter; line 13: `go` follows an emoji.
NON_ASCII_PLUGIN = f"""package main

{SDK_IMPORT}

type Config struct{{ hits int }}

func (c /*😀*/ Config) reset() {{ /* 世界😀é */ c.hits = 0 }}

func work() {{}}

func main() {{
\t_ = wrapper.ParseConfigBy[Config]
\ts := "😀"; go work(); _ = s
}}
"""


def test_non_ascii_columns_are_utf16_code_units(at_root: Path) -> None:
    source = SourceFile("plugin/main.go", NON_ASCII_PLUGIN.encode())
    result = lint_sources([source], "plugin", [ValueReceiverMutation, Goroutine])
    doc = sarif(result, rules=[ValueReceiverMutation, Goroutine])
    check_log(doc, result, [ValueReceiverMutation, Goroutine])
    regions = {
        r["ruleId"]: r["locations"][0]["physicalLocation"]["region"] for r in the_run(doc)["results"]
    }
    # "func (c /*😀*/ Config) reset() { /* 世界😀é */ " is 43 code points, 45 UTF-16 units
    # (each emoji is a surrogate pair) and 57 bytes.
    assert [(d.code, d.column, d.end_column) for d in result.diagnostics] == [("WG201", 44, 50), ("WG401", 12, 19)]
    assert regions["WG201"] == {"startLine": 7, "startColumn": 46, "endLine": 7, "endColumn": 52}
    # '\ts := "😀"; ' is 11 code points, 12 UTF-16 units.
    assert regions["WG401"] == {"startLine": 13, "startColumn": 13, "endLine": 13, "endColumn": 20}
    # The fix inserts "*" before `Config`: after "func (c /*😀*/ " (14 code points, 15 units).
    [wg201] = [r for r in the_run(doc)["results"] if r["ruleId"] == "WG201"]
    [change] = wg201["fixes"][0]["artifactChanges"]
    [replacement] = change["replacements"]
    assert replacement == {
        "deletedRegion": {"startLine": 7, "startColumn": 16, "endLine": 7, "endColumn": 16},
        "insertedContent": {"text": "*"},
    }
    assert change["artifactLocation"] == {"uri": "plugin/main.go", "uriBaseId": "%SRCROOT%"}
    assert wg201["fixes"][0]["properties"] == {"applicability": "unsafe"}


def test_crlf_source_regions_and_line_hash(at_root: Path) -> None:
    text = NON_ASCII_PLUGIN.replace("\n", "\r\n")
    result = lint_sources([SourceFile("plugin/main.go", text.encode())], "plugin", [Goroutine])
    doc = sarif(result, rules=[Goroutine])
    check_log(doc, result, [Goroutine])
    [item] = the_run(doc)["results"]
    region = item["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"]) == (13, 13)
    lf_result = lint_sources([SourceFile("plugin/main.go", NON_ASCII_PLUGIN.encode())], "plugin", [Goroutine])
    [lf_item] = the_run(sarif(lf_result, rules=[Goroutine]))["results"]
    # GitHub reads CRLF as LF: the same hash; ours normalises the line's text.
    assert item["partialFingerprints"] == lf_item["partialFingerprints"]
    assert item["fingerprints"] == lf_item["fingerprints"]


# --- GitHub specifics --------------------------------------------------------------------


def test_explicit_levels_and_no_sentinels(at_root: Path) -> None:
    doc = to_json(om.Result(message=om.Message(text="m"), level="warning", rule_id="WG202"))
    assert doc == {"ruleId": "WG202", "level": "warning", "message": {"text": "m"}}
    # sarif-om's sentinels (-1 indexes, -1.0 rank, "fail" kind, default newline
    # sequences and language) are never written.
    run = to_json(om.Run(tool=om.Tool(driver=om.ToolComponent(name="x"))))
    assert run == {"tool": {"driver": {"name": "x"}}}
    assert to_json(om.ArtifactLocation(uri="a.go")) == {"uri": "a.go"}
    assert to_json(om.ArtifactLocation(uri="a.go", index=0)) == {"uri": "a.go", "index": 0}


class WarningRule(Rule):
    """## What it does
    Test-only: a warning on every `target`.
    """

    code = "WG995"
    name = "warning-rule"
    severity = Severity.WARNING
    tags: ClassVar[tuple[str, ...]] = ("any-package", "state", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
    node_types: ClassVar[tuple[str, ...]] = ("identifier",)

    def check(self, node: Any, ctx: FileContext) -> None:
        if ctx.text(node) == "target":
            self.report(ctx, node, "a warning")


class SecurityRule(WarningRule):
    """## What it does
    Test-only: a security issue on every `target`.

    ## Why is this bad?
    A bypass.
    """

    code = "WG996"
    name = "security-rule"
    severity = Severity.ERROR
    tags = ("any-package", "correctness")
    security_severity = "8.1"


TARGETS = "package util\n\nvar target = 1\n\nvar other = target\n"


def test_warning_level_is_explicit_and_tags_are_capped(at_root: Path) -> None:
    result = lint_sources([SourceFile("lib/a.go", TARGETS.encode())], "lib", [WarningRule])
    doc = sarif(result, rules=[WarningRule])
    check_log(doc, result, [WarningRule])
    run = the_run(doc)
    assert [r["level"] for r in run["results"]] == ["warning", "warning"]
    [descriptor] = run["tool"]["driver"]["rules"]
    assert descriptor["defaultConfiguration"] == {"level": "warning"}
    assert descriptor["properties"]["tags"] == ["state", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    [note] = run["invocations"][0]["toolExecutionNotifications"]
    assert note["descriptor"]["id"] == "tags-truncated"


def test_security_severity_only_on_security_rules(at_root: Path) -> None:
    result = lint_sources([SourceFile("lib/a.go", TARGETS.encode())], "lib", [SecurityRule, GoSyntaxError])
    doc = sarif(result, rules=[SecurityRule, GoSyntaxError])
    check_log(doc, result, [SecurityRule, GoSyntaxError])
    by_id = {d["id"]: d for d in the_run(doc)["tool"]["driver"]["rules"]}
    assert by_id["WG996"]["properties"] == {"tags": ["security", "correctness"], "precision": "high", "security-severity": "8.1"}
    assert "security-severity" not in by_id["WG000"]["properties"]
    assert by_id["WG996"]["help"]["text"] == "What it does:\nTest-only: a security issue on every `target`.\n\nWhy is this bad?\nA bypass."
    shipped = [r.code for r in all_rules() if r.security_severity is not None]
    assert set(shipped) <= {"WG109"}  # only bypasses are security issues


def test_plain_text_help() -> None:
    doc = "## What it does\nFlags x.\n\n## Example\n```go\nfoo()\n\nbar()\n```"
    assert plain_text(doc) == "What it does:\nFlags x.\n\nExample:\n    foo()\n\n    bar()"


def test_enabled_rules_only(at_root: Path) -> None:
    result = lint_sources([SourceFile("lib/broken.go", BROKEN_LIBRARY.encode())], "lib", [GoSyntaxError])
    doc = sarif(result, rules=[GoSyntaxError])
    check_log(doc, result, [GoSyntaxError])
    assert [r["id"] for r in the_run(doc)["tool"]["driver"]["rules"]] == ["WG000"]
    assert {r["ruleIndex"] for r in the_run(doc)["results"]} == {0}


@pytest.mark.parametrize(("given", "expected"), [("plugins", "plugins/"), ("wasm-go-lint/gateway/", "wasm-go-lint/gateway/")])
def test_category(given: str, expected: str, at_root: Path) -> None:
    doc = sarif(RunResult(), category=given)
    validate(doc)
    assert the_run(doc)["automationDetails"] == {"id": expected}


def test_results_truncated_to_the_limit_most_severe_first(at_root: Path) -> None:
    source = SourceFile("lib/a.go", TARGETS.encode())
    result = lint_sources([source], "lib", [WarningRule, SecurityRule])
    assert [d.code for d in result.diagnostics] == ["WG995", "WG996", "WG995", "WG996"]
    doc = sarif(result, rules=[WarningRule, SecurityRule], max_results=2)
    validate(doc)
    run = the_run(doc)
    assert [(r["ruleId"], r["level"]) for r in run["results"]] == [("WG996", "error"), ("WG996", "error")]
    notes = run["invocations"][0]["toolExecutionNotifications"]
    [truncated] = [n for n in notes if n["descriptor"]["id"] == "results-truncated"]
    assert "4 findings" in truncated["message"]["text"] and "the 2 least severe" in truncated["message"]["text"]


def test_identical_lines_get_distinct_fingerprints(at_root: Path) -> None:
    text = "package util\n\nvar target = 1\nvar target = 1\n"
    result = lint_sources([SourceFile("lib/a.go", text.encode())], "lib", [WarningRule])
    doc = sarif(result, rules=[WarningRule])
    check_log(doc, result, [WarningRule])
    results = the_run(doc)["results"]
    assert [r["partialFingerprints"]["primaryLocationLineHash"].split(":")[1] for r in results] == ["1", "1"]
    # (the two lines differ in what follows them within 100 code units)
    assert results[0]["fingerprints"] != results[1]["fingerprints"]


def test_fingerprints_survive_lines_added_above(at_root: Path) -> None:
    def prints(text: str) -> tuple[dict[str, str], dict[str, str], int]:
        result = lint_sources([SourceFile("lib/a.go", text.encode())], "lib", [WarningRule])
        [first, _] = the_run(sarif(result, rules=[WarningRule]))["results"]
        return first["fingerprints"], first["partialFingerprints"], first["locations"][0]["physicalLocation"]["region"]["startLine"]

    before = prints(TARGETS)
    after = prints(TARGETS.replace("package util\n", "package util\n\n// a comment\n\n"))
    assert after[2] == before[2] + 3
    assert after[0] == before[0]  # ours ignores line numbers
    assert after[1] == before[1]  # GitHub's hashes the text from the line on
    edited = prints(TARGETS.replace("var target = 1", "var target = 2"))
    assert edited[0] != before[0]


def test_paths_are_percent_encoded_and_root_relative(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "my plugins" / "é"
    folder.mkdir(parents=True)
    (folder / "a b.go").write_text(BROKEN_LIBRARY, encoding="utf-8")
    monkeypatch.chdir(folder)
    result = lint_sources([SourceFile("a b.go", BROKEN_LIBRARY.encode())], str(folder), [GoSyntaxError])
    doc = json.loads(render_sarif(result, rules=[GoSyntaxError], root=str(tmp_path)))
    check_log(doc, result, [GoSyntaxError])
    artifact = the_run(doc)["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert artifact == {"uri": "my%20plugins/%C3%A9/a%20b.go", "uriBaseId": "%SRCROOT%"}
    assert the_run(doc)["originalUriBaseIds"]["%SRCROOT%"]["uri"] == file_uri(str(tmp_path))
    assert file_uri(str(tmp_path)).endswith("/")


def test_path_outside_the_root_is_an_absolute_uri(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "repo").mkdir()
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "repo")
    outside = str(tmp_path / "elsewhere" / "a.go")
    result = lint_sources([SourceFile(outside, BROKEN_LIBRARY.encode())], str(tmp_path / "elsewhere"), [GoSyntaxError])
    doc = json.loads(render_sarif(result, rules=[GoSyntaxError], root=str(tmp_path / "repo")))
    validate(doc)
    artifact = the_run(doc)["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert artifact == {"uri": file_uri(outside)}


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_root_is_the_git_top_level(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "plugins" / "auth").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "plugins")
    assert repository_root() == os.path.realpath(tmp_path)
    result = lint_sources([SourceFile("auth/a.go", BROKEN_LIBRARY.encode())], "auth", [GoSyntaxError])
    doc = json.loads(render_sarif(result, rules=[GoSyntaxError]))
    artifact = the_run(doc)["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert artifact["uri"] == "plugins/auth/a.go"


def test_root_without_git_is_the_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    monkeypatch.setenv("PATH", "")  # no git at all
    assert repository_root(str(tmp_path / ".")) == os.path.realpath(tmp_path)


def test_unreadable_inputs_and_internal_errors_are_notifications(at_root: Path) -> None:
    class Boom(Rule):
        """## What it does
        Test-only: crashes.
        """

        code = "WG997"
        name = "boom"
        severity = Severity.WARNING
        tags = ("any-package",)

        def check_file(self, ctx: FileContext) -> None:
            raise ZeroDivisionError("boom")

    result = lint_sources([SourceFile("lib/broken.go", BROKEN_LIBRARY.encode())], "lib", [Boom, GoSyntaxError])
    result.notices.append(Notice("lib/huge.go", "file is 9.0 MiB, over the 4.0 MiB limit (--max-file-size); skipped"))
    assert result.internal_errors == 1
    doc = sarif(result, rules=[Boom, GoSyntaxError])
    check_log(doc, result, [Boom, GoSyntaxError])
    run = the_run(doc)
    [invocation] = run["invocations"]
    assert invocation["executionSuccessful"] is False
    assert all(r["ruleId"] == "WG000" for r in run["results"])  # the crash is no finding
    by_kind = {n["descriptor"]["id"]: n for n in invocation["toolExecutionNotifications"]}
    assert set(by_kind) == {"input-skipped", "syntax-errors", "internal-error"}
    assert by_kind["input-skipped"]["level"] == "error"
    assert by_kind["input-skipped"]["message"]["text"].startswith("lib/huge.go: file is 9.0 MiB")
    assert by_kind["internal-error"]["level"] == "error"
    assert by_kind["internal-error"]["associatedRule"] == {"id": "WG997", "index": 1}  # after WG000
    assert "ZeroDivisionError" in by_kind["internal-error"]["message"]["text"]


def test_log_is_built_from_sarif_om_objects() -> None:
    log = build_log(RunResult(), root=str(ROOT))
    assert isinstance(log, om.SarifLog)
    assert isinstance(log.runs[0].tool.driver, om.ToolComponent)


def test_no_nulls_or_sentinels_in_a_full_log(at_root: Path) -> None:
    sources = [SourceFile(str(p.relative_to(ROOT)), p.read_bytes()) for p in sorted((FIXTURES / "WG201").glob("*.go"))[:3]]
    result = lint_sources(sources, "fixtures/WG201")
    for where, value in walk(sarif(result)):
        assert value is not None and value != -1, where


# --- golden file -------------------------------------------------------------------------


DOC_PLACEHOLDER = "<from the WG201 docstring; checked by check_log>"


def golden_text(at: Path) -> str:
    """The SARIF for GOLDEN_CASE with WG201 alone, with what depends on the machine or
    on WG201's prose made stable: the %SRCROOT% URI, the version, and the descriptor
    texts taken from the docstring (``check_log`` compares those with the rule)."""
    path = GOLDEN_CASE.relative_to(at)
    source = SourceFile(str(path), GOLDEN_CASE.read_bytes())
    result = lint_sources([source], str(path.parent), [ValueReceiverMutation])
    raw = render_sarif(result, rules=[ValueReceiverMutation], root=str(at), category="wasm-go-lint/")
    check_log(json.loads(raw), result, [ValueReceiverMutation])
    # Re-serialising with the reporter's settings reproduces its text exactly...
    assert json.dumps(json.loads(raw), indent=2, ensure_ascii=False) + "\n" == raw
    # ...so the stable parts can be replaced on the parsed log.
    doc = json.loads(raw)
    run = the_run(doc)
    run["originalUriBaseIds"]["%SRCROOT%"]["uri"] = "file:///SRCROOT/"
    run["tool"]["driver"]["semanticVersion"] = "VERSION"
    [descriptor] = run["tool"]["driver"]["rules"]
    for key in ("shortDescription", "fullDescription"):
        descriptor[key]["text"] = DOC_PLACEHOLDER
    descriptor["help"] = {"text": DOC_PLACEHOLDER, "markdown": DOC_PLACEHOLDER}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def test_golden_file(at_root: Path) -> None:
    text = golden_text(at_root)
    if UPDATE_GOLDEN:
        GOLDEN.write_text(text, encoding="utf-8")
    doc = json.loads(text)
    validate(doc)
    assert len(the_run(doc)["results"]) == 2
    assert GOLDEN.read_text(encoding="utf-8") == text, (
        "SARIF output changed; if intended, regenerate with "
        "WASM_GO_LINT_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_sarif.py -k golden"
    )


def test_diagnostic_without_source_keeps_its_own_columns(at_root: Path) -> None:
    d = Diagnostic("WG000", "syntax-error", Severity.ERROR, "m", "lib/gone.go", 3, 2, 3, 5, 10, 13)
    result = RunResult(diagnostics=[d])
    doc = sarif(result, rules=[GoSyntaxError])
    validate(doc)
    [item] = the_run(doc)["results"]
    assert item["locations"][0]["physicalLocation"]["region"] == {"startLine": 3, "startColumn": 2, "endLine": 3, "endColumn": 5}
    assert "partialFingerprints" not in item  # GitHub's action computes it from the file
