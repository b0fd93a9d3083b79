"""Configuration files: discovery, inheritance, keys, CLI precedence, errors, config --show.

Findings come from WG401 (a ``go`` statement, error) and WG901 (a suppression without
a reason, warning) in small plugin files, so each setting's effect is visible in the
JSON output. Every test runs in a temporary directory that holds ``.git``, so the
upward search never leaves it.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.cli_support import invoke, write

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

GOROUTINE = """package main

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

func parseConfig(json gjson.Result, cfg *Config) error {
\tgo warm(cfg.upstream)
\treturn nil
}

func warm(upstream string) { proxywasm.LogInfof("warming %s", upstream) }
"""
GO_LINE = 17

NO_REASON = GOROUTINE.replace("\tgo warm(cfg.upstream)\n", "\tgo warm(cfg.upstream) //nolint:WG401\n")
"""WG401 suppressed, but WG901 (warning) for the missing reason."""


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    yield tmp_path


def findings(runner: CliRunner, *args: str) -> list[dict[str, Any]]:
    result = invoke(runner, "check", "--output-format", "json", *args)
    assert result.exit_code in (0, 1), result.output
    data = json.loads(result.stdout)
    assert isinstance(data, list)
    return data


def codes(runner: CliRunner, *args: str) -> dict[str, set[str]]:
    """Display path -> codes found."""
    found: dict[str, set[str]] = {}
    for d in findings(runner, *args):
        found.setdefault(d["path"], set()).add(d["code"])
    return found


# --- discovery ---------------------------------------------------------------------


def test_without_configuration_every_rule_runs(runner: CliRunner, repo: Path) -> None:
    write(repo, "a/main.go", GOROUTINE)
    assert codes(runner) == {"a/main.go": {"WG401"}}


def test_closest_configuration_wins_in_nested_directories(runner: CliRunner, repo: Path) -> None:
    write(repo, "pyproject.toml", '[tool.wasm-go-lint]\nignore = ["WG401"]\n')
    write(repo, "plugins/a/main.go", GOROUTINE)
    write(repo, "plugins/b/main.go", GOROUTINE)
    write(repo, "plugins/b/wasm-go-lint.toml", 'select = ["WG4"]\n')
    write(repo, "plugins/b/deeper/c/main.go", GOROUTINE)
    # a: the root pyproject ignores WG401; b and b/deeper/c: the closer file selects it
    assert codes(runner) == {"plugins/b/main.go": {"WG401"}, "plugins/b/deeper/c/main.go": {"WG401"}}


def test_a_closer_file_does_not_inherit_without_extend(runner: CliRunner, repo: Path) -> None:
    write(repo, "wasm-go-lint.toml", 'ignore = ["WG401"]\n')
    write(repo, "plugin/wasm-go-lint.toml", "include-tests = false\n")
    write(repo, "plugin/main.go", GOROUTINE)
    assert codes(runner) == {"plugin/main.go": {"WG401"}}


def test_extend_inherits_and_the_extending_file_wins(runner: CliRunner, repo: Path) -> None:
    write(repo, "base.toml", 'ignore = ["WG401"]\nfail-on = "error"\n[severity]\nWG9 = "info"\n')
    write(repo, "plugin/wasm-go-lint.toml", 'extend = "../base.toml"\n[severity]\nWG901 = "error"\n')
    write(repo, "plugin/main.go", NO_REASON)
    write(repo, "other/main.go", NO_REASON)
    found = findings(runner)
    # plugin: WG401 ignored by the base (so its nolint is not judged), WG901 raised to error
    # by the closer file (a code beats the inherited prefix); other: no configuration at all.
    by_path = {(d["path"], d["code"]): d["severity"] for d in found}
    assert by_path == {("plugin/main.go", "WG901"): "error", ("other/main.go", "WG901"): "warning"}


def test_extend_chain_and_extend_of_a_directory(runner: CliRunner, repo: Path) -> None:
    write(repo, "pyproject.toml", '[tool.wasm-go-lint]\nselect = ["WG0", "WG4"]\n')
    write(repo, "plugins/wasm-go-lint.toml", 'extend = ".."\nextend-select = ["WG901"]\n')
    write(repo, "plugins/auth/.wasm-go-lint.toml", 'extend = "../wasm-go-lint.toml"\nextend-select = ["WG900"]\n')
    write(repo, "plugins/auth/main.go", NO_REASON)
    shown = json.loads(invoke(runner, "config", "--show", "--format", "json", "plugins/auth").stdout)
    assert shown["config-files"] == ["plugins/auth/.wasm-go-lint.toml", "plugins/wasm-go-lint.toml", "pyproject.toml"]
    assert set(shown["select"]) >= {"WG000", "WG401", "WG900", "WG901"}
    assert not set(shown["select"]) & {"WG103", "WG902"}


def test_dedicated_file_beats_pyproject_in_the_same_directory(runner: CliRunner, repo: Path) -> None:
    write(repo, "pyproject.toml", '[tool.wasm-go-lint]\nignore = ["WG401"]\n')
    write(repo, "wasm-go-lint.toml", 'ignore = ["WG000"]\n')
    write(repo, "main.go", GOROUTINE)
    assert codes(runner) == {"main.go": {"WG401"}}
    write(repo, ".wasm-go-lint.toml", 'ignore = ["goroutine"]\n')
    assert codes(runner) == {}


def test_pyproject_without_the_table_is_not_a_configuration(runner: CliRunner, repo: Path) -> None:
    write(repo, "wasm-go-lint.toml", 'ignore = ["WG401"]\n')
    write(repo, "plugin/pyproject.toml", '[project]\nname = "tools"\n[tool.ruff]\nline-length = 100\n')
    write(repo, "plugin/main.go", GOROUTINE)
    assert codes(runner) == {}


def test_search_stops_at_the_git_root(runner: CliRunner, repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(repo, "wasm-go-lint.toml", 'ignore = ["WG401"]\n')
    (repo / "vendored-repo" / ".git").mkdir(parents=True)
    write(repo, "vendored-repo/plugin/main.go", GOROUTINE)
    assert codes(runner, "vendored-repo") == {"vendored-repo/plugin/main.go": {"WG401"}}


def test_explicit_config_replaces_discovery(runner: CliRunner, repo: Path) -> None:
    write(repo, "wasm-go-lint.toml", 'ignore = ["WG401"]\n')
    write(repo, "ci/strict.toml", 'select = ["ALL"]\n')
    write(repo, "plugin/main.go", GOROUTINE)
    assert codes(runner) == {}
    assert codes(runner, "--config", "ci/strict.toml") == {"plugin/main.go": {"WG401"}}


def test_isolated_ignores_every_file(runner: CliRunner, repo: Path) -> None:
    write(repo, "wasm-go-lint.toml", 'ignore = ["WG401"]\n')
    write(repo, "plugin/wasm-go-lint.toml", "this is not toml")
    write(repo, "plugin/main.go", GOROUTINE)
    assert codes(runner, "--isolated") == {"plugin/main.go": {"WG401"}}


def test_config_and_isolated_together_is_an_error(runner: CliRunner, repo: Path) -> None:
    write(repo, "x.toml", "")
    result = invoke(runner, "check", "--config", "x.toml", "--isolated")
    assert result.exit_code == 2
    assert "--config and --isolated" in result.stderr


# --- keys --------------------------------------------------------------------------


def test_cli_flags_override_the_configuration(runner: CliRunner, repo: Path) -> None:
    write(repo, "wasm-go-lint.toml", 'select = ["WG0"]\n')
    write(repo, "main.go", GOROUTINE)
    assert codes(runner) == {}
    assert codes(runner, "--extend-select", "WG401") == {"main.go": {"WG401"}}
    assert codes(runner, "--select", "goroutine") == {"main.go": {"WG401"}}


def test_per_file_ignores(runner: CliRunner, repo: Path) -> None:
    write(
        repo,
        "wasm-go-lint.toml",
        '[per-file-ignores]\n"*_legacy.go" = ["goroutine"]\n"internal/**" = ["WG4"]\n',
    )
    write(repo, "plugin/main.go", GOROUTINE)
    write(repo, "plugin/warm_legacy.go", "package main\n\nfunc legacy() { go warm(\"x\") }\n")
    write(repo, "internal/old/main.go", GOROUTINE)
    assert codes(runner) == {"plugin/main.go": {"WG401"}}
    shown = json.loads(invoke(runner, "config", "--format", "json", "plugin/warm_legacy.go").stdout)
    assert shown["ignored-in-file"] == ["WG401"]


def test_severity_overrides_by_code_name_and_prefix(runner: CliRunner, repo: Path) -> None:
    write(repo, "wasm-go-lint.toml", '[severity]\nWG4 = "info"\n')
    write(repo, "main.go", NO_REASON.replace("//nolint:WG401", ""))
    assert [d["severity"] for d in findings(runner)] == ["info"]
    write(repo, "wasm-go-lint.toml", '[severity]\nWG4 = "info"\ngoroutine = "warning"\n')
    assert [d["severity"] for d in findings(runner)] == ["warning"]


def test_fail_on(runner: CliRunner, repo: Path) -> None:
    write(repo, "main.go", NO_REASON)  # one WG901 warning
    assert invoke(runner, "check").exit_code == 1
    write(repo, "wasm-go-lint.toml", 'fail-on = "error"\n')
    result = invoke(runner, "check", "--output-format", "concise")
    assert result.exit_code == 0  # reported, but below fail-on
    assert "WG901" in result.stdout
    assert invoke(runner, "check", "--fail-on", "warning").exit_code == 1
    write(repo, "wasm-go-lint.toml", 'fail-on = "error"\n[severity]\nWG901 = "error"\n')
    assert invoke(runner, "check").exit_code == 1


def test_output_format_from_the_configuration(runner: CliRunner, repo: Path) -> None:
    write(repo, "wasm-go-lint.toml", 'output-format = "json"\n')
    write(repo, "main.go", GOROUTINE)
    result = invoke(runner, "check")
    assert json.loads(result.stdout)[0]["code"] == "WG401"
    assert invoke(runner, "check", "--output-format", "concise").stdout.startswith("main.go:")


def test_include_tests_and_exclude(runner: CliRunner, repo: Path) -> None:
    write(repo, "plugin/main.go", GOROUTINE)
    write(repo, "plugin/main_test.go", "package main\n\nfunc helper() { go warm(\"t\") }\n")
    write(repo, "plugin/gen/main.go", GOROUTINE)
    write(repo, "vendor/x/main.go", GOROUTINE)
    assert set(codes(runner)) == {"plugin/main.go", "plugin/gen/main.go"}
    write(repo, "wasm-go-lint.toml", 'include-tests = true\nextend-exclude = ["plugin/gen"]\n')
    assert set(codes(runner)) == {"plugin/main.go", "plugin/main_test.go"}
    assert set(codes(runner, "--no-include-tests")) == {"plugin/main.go"}
    write(repo, "wasm-go-lint.toml", 'exclude = ["*_test.go"]\ninclude-tests = true\n')  # replaces the default: vendor/ is linted
    assert set(codes(runner)) == {"plugin/main.go", "plugin/gen/main.go", "vendor/x/main.go"}
    assert set(codes(runner, "plugin/gen/main.go")) == {"plugin/gen/main.go"}  # given files are always linted


# --- errors ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('selekt = ["WG1"]\n', ["wasm-go-lint.toml", "unknown key 'selekt'", "did you mean 'select'", "allowed keys:", "per-file-ignores"]),
        ('fail-on = "fatal"\n', ["wasm-go-lint.toml", 'fail-on = "fatal" is not allowed', "allowed values: error, warning, info"]),
        ("include-tests = 1\n", ["wasm-go-lint.toml", "include-tests must be true or false", "int 1"]),
        ('select = ["WG999"]\n', ["wasm-go-lint.toml", "select", "unknown rule selector 'WG999'", "allowed values"]),
        ('[severity]\nWG401 = "fatal"\n', ["severity.WG401", "allowed values: error, warning, info"]),
        ('[per-file-ignores]\n"*.go" = ["bogus"]\n', ['per-file-ignores."*.go"', "unknown rule selector 'bogus'"]),
        ('output-format = "xml"\n', ['output-format = "xml" is not allowed', "allowed values:", "json", "sarif"]),
        ('exclude = "vendor"\n', ["exclude must be a list of globs", "str"]),
        ('extend = "missing.toml"\n', ["wasm-go-lint.toml", "extend", "missing.toml: no such file"]),
        ("select = [\n", ["wasm-go-lint.toml", "invalid TOML"]),
        ('select = ["WG1"]\nselect = ["WG2"]\n', ["wasm-go-lint.toml", "invalid TOML", "line 2"]),
        ("[tool.wasm-go-lint]\nselect = []\n", ["unknown key 'tool'"]),
    ],
)
def test_bad_configuration_is_one_line_and_exit_2(
    runner: CliRunner, repo: Path, text: str, expected: list[str]
) -> None:
    write(repo, "wasm-go-lint.toml", text)
    write(repo, "main.go", GOROUTINE)
    result = invoke(runner, "check")
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    for part in expected:
        assert part in lines[0], (part, lines[0])
    assert "Traceback" not in result.output
    assert result.stdout == ""


def test_bad_pyproject_table_names_the_key_with_its_table(runner: CliRunner, repo: Path) -> None:
    write(repo, "pyproject.toml", '[tool.wasm-go-lint]\nfail-on = "never"\n')
    write(repo, "main.go", GOROUTINE)
    result = invoke(runner, "check")
    assert result.exit_code == 2
    assert 'pyproject.toml: tool.wasm-go-lint.fail-on = "never" is not allowed' in result.stderr


def test_bad_configuration_below_the_first_path_stops_the_run(runner: CliRunner, repo: Path) -> None:
    write(repo, "a/main.go", GOROUTINE)
    write(repo, "b/wasm-go-lint.toml", "ignroe = []\n")
    write(repo, "b/main.go", GOROUTINE)
    result = invoke(runner, "check")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: b/wasm-go-lint.toml: unknown key 'ignroe'")


def test_circular_extend(runner: CliRunner, repo: Path) -> None:
    write(repo, "wasm-go-lint.toml", 'extend = "other.toml"\n')
    write(repo, "other.toml", 'extend = "wasm-go-lint.toml"\n')
    write(repo, "main.go", GOROUTINE)
    result = invoke(runner, "check")
    assert result.exit_code == 2
    assert "circular inheritance" in result.stderr


def test_missing_explicit_config(runner: CliRunner, repo: Path) -> None:
    result = invoke(runner, "check", "--config", "nope.toml")
    assert result.exit_code == 2
    assert "nope.toml: --config: no such file" in result.stderr


def test_bad_cli_selector_is_still_a_usage_error(runner: CliRunner, repo: Path) -> None:
    write(repo, "wasm-go-lint.toml", 'select = ["ALL"]\n')
    result = invoke(runner, "check", "--select", "WG999")
    assert result.exit_code == 2
    assert "Error:" in result.stderr and "'WG999'" in result.stderr


# --- config --show -----------------------------------------------------------------


def test_config_show_toml_round_trips(runner: CliRunner, repo: Path) -> None:
    write(
        repo,
        "pyproject.toml",
        '[tool.wasm-go-lint]\nignore = ["WG1"]\nfail-on = "warning"\n'
        '[tool.wasm-go-lint.per-file-ignores]\n"gen/*.go" = ["WG401"]\n'
        '[tool.wasm-go-lint.severity]\nWG110 = "error"\n',
    )
    result = invoke(runner, "config", "--show")
    assert result.exit_code == 0, result.output
    data = tomllib.loads(result.stdout)
    assert data["config-files"] == ["pyproject.toml"]
    assert data["fail-on"] == "warning"
    assert data["per-file-ignores"] == {"gen/*.go": ["WG401"]}
    assert data["severity"] == {"WG110": "error"}
    assert "WG401" in data["select"] and not any(c.startswith("WG1") for c in data["select"])
    assert data["exclude"] == ["vendor", "node_modules"]


def test_config_show_defaults_and_isolated(runner: CliRunner, repo: Path) -> None:
    write(repo, "wasm-go-lint.toml", 'output-format = "concise"\n')
    data = json.loads(invoke(runner, "config", "--show", "--format", "json").stdout)
    assert data["output-format"] == "concise"
    isolated = json.loads(invoke(runner, "config", "--format", "json", "--isolated").stdout)
    assert isolated["config-files"] == []
    assert isolated["output-format"] == "full"
    assert isolated["fail-on"] == "info"


def test_config_show_reports_bad_configuration(runner: CliRunner, repo: Path) -> None:
    write(repo, "wasm-go-lint.toml", "colour = true\n")
    result = invoke(runner, "config", "--show")
    assert result.exit_code == 2
    assert "unknown key 'colour'" in result.stderr


def test_readme_configuration_example_is_valid(runner: CliRunner, repo: Path) -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    blocks = [b.split("```", 1)[0] for b in section.split("```toml\n")[1:]]
    assert len(blocks) == 2
    write(repo, "plugins/wasm-go-lint.toml", blocks[0])
    write(repo, "plugins/ext-auth/wasm-go-lint.toml", blocks[1])
    write(repo, "plugins/ext-auth/main.go", GOROUTINE)
    result = invoke(runner, "config", "--show", "--format", "json", "plugins/ext-auth")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["severity"] == {"WG110": "error", "WG3": "info", "global-mutable-state": "error"}
    assert "WG110" in data["select"]
