"""Inline suppressions: every comment form, what counts as used, WG900-WG902, fixes.

The fixtures (fixtures/WG900-WG902) hold realistic plugin cases; these tests pin the
mechanics: which line a comment targets, the suppressed count, the fix edits, typo
suggestions, comments found without a shared walk, and CRLF files.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from linter.catalog import CATALOG
from linter.engine import Linter
from linter.registry import all_rules
from linter.runner import Options, RunResult, run
from linter.source import SourceFile
from linter.suppress import closest, known_rules

HEAD = """package main

import (
\t"github.com/higress-group/proxy-wasm-go-sdk/proxywasm"
\t"github.com/higress-group/wasm-go/pkg/wrapper"
\t"github.com/tidwall/gjson"
)

func init() {
\twrapper.SetCtx("warmup", wrapper.ParseConfig(parseConfig))
}

func main() {}

type Config struct{ upstream string }

func warm(upstream string) { proxywasm.LogInfof("warming %s", upstream) }

func parseConfig(json gjson.Result, cfg *Config) error {
"""
FIRST_BODY_LINE = HEAD.count("\n") + 1
GO = "\tgo warm(cfg.upstream)"


def plugin(*body: str) -> str:
    return HEAD + "\n".join(body) + "\n\treturn nil\n}\n"


def lint(text: str, path: str = "main.go") -> RunResult:
    return lint_files({path: text})


def lint_files(files: dict[str, str]) -> RunResult:
    sources = [SourceFile(path, text.encode()) for path, text in files.items()]
    outcome = Linter(all_rules()).check_package("/nonexistent/pkg", sources)
    result = RunResult()
    result.diagnostics = outcome.diagnostics
    result.suppressed = outcome.suppressed
    return result


def found(result: RunResult) -> list[tuple[int, str]]:
    return sorted((d.line - FIRST_BODY_LINE + 1, d.code) for d in result.diagnostics)


# --- which line a comment covers ---------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        ["\t//wasm-go-lint:ignore WG401 native test binary only", GO],
        [GO + " //wasm-go-lint:ignore WG401 native test binary only"],
        [GO + " //wasm-go-lint:ignore goroutine native test binary only"],
        [GO + " //nolint:WG401 // native test binary only"],
        [GO + " //nolint:goroutine // native test binary only"],
        [GO + " //nolint:errcheck,wg401 // native test binary only"],
        ["\t//nolint:WG401 // native test binary only", GO],
        [GO + " //nolint:wasm-go-lint // native test binary only"],
        ["\t// wasm-go-lint:ignore WG401 a space after // is accepted", GO],
        ["\t//wasm-go-lint:ignore WG401 stacked", "\t//nolint:errcheck // another linter's", "\t// plain prose", GO],
        ["\t//wasm-go-lint:ignore WG401, goroutine one list", GO + "; go warm(cfg.upstream)"],
    ],
)
def test_every_suppression_form_hides_the_finding(body: list[str]) -> None:
    assert found(lint(plugin(*body))) == []


def test_file_ignore_covers_the_whole_file() -> None:
    text = "//wasm-go-lint:file-ignore WG401 native test binary only\n" + plugin(GO, GO, GO)
    result = lint(text)
    assert result.diagnostics == []
    assert result.suppressed == 3


def test_without_a_suppression_the_finding_is_reported() -> None:
    result = lint(plugin(GO))
    assert found(result) == [(1, "WG401")]
    assert result.suppressed == 0


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # a blank line ends the reach of a standalone comment
        (["\t//wasm-go-lint:ignore WG401 reason", "", GO], [(1, "WG900"), (3, "WG401")]),
        # a trailing comment covers its own line only
        ([GO + " //wasm-go-lint:ignore WG401 reason", GO], [(2, "WG401")]),
        # another rule's code suppresses nothing here
        ([GO + " //nolint:WG402 // reason"], [(1, "WG401"), (1, "WG900")]),
        # a finding is matched by its start line: the comment above the line before does not count
        (["\t//wasm-go-lint:ignore WG401 reason", "\t_ = cfg", GO], [(1, "WG900"), (3, "WG401")]),
        # bare nolint and nolint:all belong to golangci-lint
        ([GO + " //nolint", GO + " //nolint:all // reason"], [(1, "WG401"), (2, "WG401")]),
        # a block comment is not a directive
        ([GO + " /* nolint:WG401 */"], [(1, "WG401")]),
    ],
)
def test_what_is_not_suppressed(body: list[str], expected: list[tuple[int, str]]) -> None:
    assert found(lint(plugin(*body))) == expected


def test_suppressed_count_reaches_the_text_summary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "main.go").write_text(plugin(GO + " //nolint:WG401 // test binary", GO), encoding="utf-8")
    from linter.cli import cli

    result = CliRunner().invoke(cli, ["check", "--isolated", "--output-format", "concise"])
    assert result.stdout.strip().splitlines()[-1].endswith("1 finding suppressed by comments.")


# --- WG900 -------------------------------------------------------------------------


def test_unused_codes_are_reported_once_per_comment_with_a_list_fix() -> None:
    text = plugin(GO + " //nolint:WG402,WG401,errcheck,WG403 // test binary")
    result = lint(text)
    [d] = result.diagnostics
    assert d.code == "WG900"
    assert "WG402 (blocking-call), WG403 (unsupported-stdlib)" in d.message
    assert d.fix is not None and d.fix.applicability.value == "safe"
    [edit] = d.fix.edits
    fixed = text.encode()[: edit.start_byte] + edit.content.encode() + text.encode()[edit.end_byte :]
    assert GO + " //nolint:WG401,errcheck // test binary\n" in fixed.decode()
    assert lint(fixed.decode()).diagnostics == []


@pytest.mark.parametrize(
    ("line", "after"),
    [
        ("\t//wasm-go-lint:ignore WG402 reason\n", ""),  # standalone: the whole line goes
        ("\t_ = cfg //nolint:WG402 // reason\n", "\t_ = cfg\n"),  # trailing: the comment and the space before it
        ("\t_ = cfg\t//wasm-go-lint:ignore WG402, WG403 reason\n", "\t_ = cfg\n"),
    ],
)
def test_unused_comment_fix_removes_it(line: str, after: str) -> None:
    text = plugin(line.rstrip("\n"), "\t_ = cfg")
    [d] = lint(text).diagnostics
    assert d.code == "WG900" and d.fix is not None
    [edit] = d.fix.edits
    data = text.encode()
    fixed = (data[: edit.start_byte] + edit.content.encode() + data[edit.end_byte :]).decode()
    assert fixed == text.replace(line, after)
    assert lint(fixed).diagnostics == []


def test_fix_keeps_crlf_line_endings() -> None:
    text = plugin("\t_ = cfg //nolint:WG402 // reason", "\t_ = cfg").replace("\n", "\r\n")
    [d] = lint(text).diagnostics
    assert d.fix is not None
    [edit] = d.fix.edits
    data = text.encode()
    fixed = data[: edit.start_byte] + edit.content.encode() + data[edit.end_byte :]
    assert b"\t_ = cfg\r\n\t_ = cfg\r\n" in fixed


def test_fix_through_the_cli_is_idempotent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    path = tmp_path / "main.go"
    path.write_text(plugin("\t//wasm-go-lint:ignore WG103 resumed from OnTick", "\t_ = cfg"), encoding="utf-8")
    from linter.cli import cli

    first = CliRunner().invoke(cli, ["check", "--fix", "--output-format", "concise"])
    assert first.exit_code == 0, first.output
    assert "wasm-go-lint:ignore" not in path.read_text(encoding="utf-8")
    before = path.read_bytes()
    second = CliRunner().invoke(cli, ["check", "--fix", "--output-format", "concise"])
    assert second.exit_code == 0
    assert path.read_bytes() == before


def test_unused_is_not_judged_for_deselected_rules(tmp_path: Path) -> None:
    (tmp_path / "main.go").write_text(plugin(GO + " //nolint:WG401,WG402 // reason"), encoding="utf-8")
    rules = [r for r in all_rules() if r.code not in ("WG401", "WG402")]
    assert run([str(tmp_path)], rules, Options()).diagnostics == []
    only_402_off = [r for r in all_rules() if r.code != "WG402"]
    assert run([str(tmp_path)], only_402_off, Options()).diagnostics == []
    everything = run([str(tmp_path)], all_rules(), Options()).diagnostics
    assert [(d.code, "WG402" in d.message) for d in everything] == [("WG900", True)]


def test_meta_findings_follow_their_own_selection(tmp_path: Path) -> None:
    (tmp_path / "main.go").write_text(
        plugin(GO + " //nolint:WG401", "\t//nolint:WG999 // reason", "\t_ = cfg"), encoding="utf-8"
    )
    everything = {d.code for d in run([str(tmp_path)], all_rules(), Options()).diagnostics}
    assert everything == {"WG901", "WG902"}
    no_meta = [r for r in all_rules() if r.code not in ("WG900", "WG901", "WG902")]
    assert run([str(tmp_path)], no_meta, Options()).diagnostics == []


# --- WG902 -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typo", "meant"),
    [
        ("WG130", "WG103 (pause-without-resume)"),
        ("WG410", "WG401 (goroutine)"),
        ("wg4O1", "WG401 (goroutine)"),
        ("pause-without-resum", "pause-without-resume (WG103)"),
        ("goroutines", "goroutine (WG401)"),
        ("unused-supression", "unused-suppression (WG900)"),
    ],
)
def test_closest_suggestion(typo: str, meant: str) -> None:
    assert closest(typo, known_rules()) == meant


def test_no_suggestion_for_something_unrelated() -> None:
    assert closest("completely-different-thing", known_rules()) is None


def test_typo_in_suppression_through_the_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    (tmp_path / "main.go").write_text(plugin(GO + " //nolint:WG410 // test binary only"), encoding="utf-8")
    from linter.cli import cli

    result = CliRunner().invoke(cli, ["check", "--output-format", "json"])
    assert result.exit_code == 1
    data: list[dict[str, Any]] = json.loads(result.stdout)
    assert [(d["code"], d["line"]) for d in data] == [("WG401", FIRST_BODY_LINE), ("WG902", FIRST_BODY_LINE)]
    assert data[1]["message"].endswith("did you mean WG401 (goroutine)?")
    assert data[1]["column"] == len(GO.expandtabs(1)) + len(" //nolint:") + 1


def test_entries_of_any_catalogued_rule_are_known() -> None:
    for code, (name, _) in CATALOG.items():
        text = plugin(f"\t_ = cfg //wasm-go-lint:ignore {code},{name} reason")
        assert not [d for d in lint(text).diagnostics if d.code == "WG902"], code


# --- comments found without a shared walk ------------------------------------------


def test_suppressing_a_syntax_error_in_a_non_plugin_package() -> None:
    text = "package util\n\nfunc f() {\n\tg(1, 2 3) //nolint:WG000 // generated upstream, fixed there\n}\n"
    result = lint(text, "util.go")
    assert result.diagnostics == []
    assert result.suppressed == 1


def test_only_wg000_selected_still_reads_suppressions(tmp_path: Path) -> None:
    broken = plugin("\tg(1, 2 3) //nolint:WG000 // upstream bug, kept verbatim")
    (tmp_path / "main.go").write_text(broken, encoding="utf-8")
    rules = [r for r in all_rules() if r.code in ("WG000", "WG900")]
    result = run([str(tmp_path)], rules, Options())
    assert result.diagnostics == []
    assert result.suppressed == 1


@pytest.fixture
def cli_runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    yield CliRunner()


def _check(runner: CliRunner, *args: str) -> Result:
    from linter.cli import cli

    return runner.invoke(cli, ["check", "--output-format", "concise", *args])


def test_meta_findings_can_be_silenced_by_file_ignore_or_config(cli_runner: CliRunner, tmp_path: Path) -> None:
    body = plugin(GO + " //nolint:WG401")
    (tmp_path / "main.go").write_text(body, encoding="utf-8")
    assert "WG901" in _check(cli_runner).stdout
    (tmp_path / "main.go").write_text("//wasm-go-lint:file-ignore WG901 reasons live in the tracker\n" + body, encoding="utf-8")
    assert _check(cli_runner).exit_code == 0
    (tmp_path / "main.go").write_text(body, encoding="utf-8")
    (tmp_path / "wasm-go-lint.toml").write_text('[per-file-ignores]\n"main.go" = ["WG901"]\n', encoding="utf-8")
    assert _check(cli_runner).exit_code == 0
