"""The pre-commit hooks (.pre-commit-hooks.yaml), end to end with the real pre-commit.

- The hooks file declares what the README promises, with options ``check`` accepts.
- A file given by name is linted with its package's other files read from disk (so a
  hook run on one staged file sees the whole plugin), and only it is reported on.
- ``--force-exclude`` skips what a directory run would skip.
- The README's ``.pre-commit-config.yaml`` snippet, pointed at this repository's HEAD
  commit, makes the real ``pre-commit`` (from PyPI; it builds its own virtualenv and
  pip-installs this repository from that commit) reject a commit with a pitfall and
  accept it once fixed; ``wasm-go-lint-fix`` rewrites a file and then passes.

pre-commit clones this repository at ``git rev-parse HEAD``: the hook files must be
committed; uncommitted changes in this checkout are not what the hook runs.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from linter.cli import cli

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
HOOKS_FILE = ROOT / ".pre-commit-hooks.yaml"

# A small Higress wasm-go plugin (Go 1.24 SDK), clean as written. The handler is
# registered in main.go and defined in handlers.go, so whether a return in
# handlers.go pauses a request handler is only known with main.go read too.
MAIN_GO = """\
package main

import (
	"github.com/higress-group/wasm-go/pkg/wrapper"
)

func main() {}

func init() {
	wrapper.SetCtx(
		"header-guard",
		wrapper.ParseConfig(parseConfig),
		wrapper.ProcessRequestHeaders(onHttpRequestHeaders),
	)
}
"""

CONFIG_GO = """\
package main

import (
	"strings"

	"github.com/tidwall/gjson"
)

type HeaderGuardConfig struct {
	header  string
	allowed map[string]bool
}

func parseConfig(json gjson.Result, config *HeaderGuardConfig) error {
	config.header = strings.ToLower(json.Get("header").String())
	config.allowed = map[string]bool{}
	for _, value := range json.Get("allowed").Array() {
		config.allowed[value.String()] = true
	}
	return nil
}
"""

HANDLERS_GO = """\
package main

import (
	"github.com/higress-group/proxy-wasm-go-sdk/proxywasm"
	"github.com/higress-group/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/higress-group/wasm-go/pkg/wrapper"
)

func onHttpRequestHeaders(ctx wrapper.HttpContext, config HeaderGuardConfig) types.Action {
	value, err := proxywasm.GetHttpRequestHeader(config.header)
	if err != nil || value == "" {
		proxywasm.LogWarnf("request without the %s header", config.header)
		_ = proxywasm.SendHttpResponse(400, nil, []byte("missing header"), -1)
		return types.ActionPause
	}
	if !config.allowed[value] {
		_ = proxywasm.SendHttpResponse(403, nil, []byte("forbidden"), -1)
		return types.ActionPause
	}
	return types.ActionContinue
}
"""

# The pitfall (WG103): the missing-header branch pauses without replying, so the
# request hangs. Line 13 is the `return`.
HANDLERS_GO_PAUSE = HANDLERS_GO.replace(
    '\t\t_ = proxywasm.SendHttpResponse(400, nil, []byte("missing header"), -1)\n', ""
).replace("return types.ActionPause\n\t}\n\tif", "return types.HeaderStopAllIterationAndWatermark\n\t}\n\tif", 1)
PAUSE_LINE = 13

# A stale suppression (WG900, safe fix: delete the comment) above a line that has no
# finding: what wasm-go-lint-fix removes.
HANDLERS_GO_STALE_SUPPRESSION = HANDLERS_GO.replace(
    "\treturn types.ActionContinue\n}",
    "\t//wasm-go-lint:ignore WG103 allowed values pass through\n\treturn types.ActionContinue\n}",
)

# A value-receiver mutation (WG201) in config.go: a finding in a sibling file.
CONFIG_GO_VALUE_RECEIVER = CONFIG_GO + """
func (c HeaderGuardConfig) allow(value string) {
	c.allowed = map[string]bool{value: true}
}
"""

PLUGIN = {"main.go": MAIN_GO, "config.go": CONFIG_GO, "handlers.go": HANDLERS_GO}


def write_plugin(directory: Path, **overrides: str) -> Path:
    """The plugin's three files in ``directory``; ``overrides`` replace files by stem
    (``handlers=...``)."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in PLUGIN.items():
        (directory / name).write_text(overrides.get(name.removesuffix(".go"), text), encoding="utf-8")
    return directory


def lint(cwd: Path, *args: str) -> tuple[int, list[dict[str, Any]]]:
    """``wasm-go-lint check --isolated --output-format json ARGS`` run in ``cwd``."""
    runner = CliRunner()
    old = os.getcwd()
    os.chdir(cwd)
    try:
        result = runner.invoke(cli, ["check", "--isolated", "--output-format", "json", *args])
    finally:
        os.chdir(old)
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


# -- the hooks file --


def hooks() -> dict[str, dict[str, Any]]:
    loaded = yaml.safe_load(HOOKS_FILE.read_text(encoding="utf-8"))
    assert isinstance(loaded, list)
    return {hook["id"]: hook for hook in loaded}


def test_hooks_file_declares_check_and_fix_hooks() -> None:
    declared = hooks()
    assert set(declared) == {"wasm-go-lint", "wasm-go-lint-fix"}
    for hook in declared.values():
        assert hook["language"] == "python"
        assert hook["types"] == ["go"]
        assert hook["require_serial"] is True
        assert hook.get("pass_filenames", True) is True
        assert hook["entry"].split()[:2] == ["wasm-go-lint", "check"]
        assert "--force-exclude" in hook["entry"].split()
        assert hook["name"] and hook["description"]
    assert "--fix" not in declared["wasm-go-lint"]["entry"].split()
    assert "--fix" in declared["wasm-go-lint-fix"]["entry"].split()


def test_hook_entries_use_options_that_check_accepts() -> None:
    help_text = CliRunner().invoke(cli, ["check", "--help"]).output
    for hook in hooks().values():
        for option in hook["entry"].split()[2:]:
            assert re.search(rf"(^|\s){re.escape(option)}\b", help_text), option


def test_console_script_is_the_hooks_executable() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["scripts"]["wasm-go-lint"] == "linter.cli:main"


def test_every_package_is_installed() -> None:
    """pre-commit and the GitHub Action pip-install this repository (not editable): each
    Python package directory must be listed in pyproject, or its import fails there."""
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    listed = set(setuptools["packages"])
    found = {
        "linter." + ".".join(p.parent.relative_to(ROOT / "linter").parts) if p.parent != ROOT / "linter" else "linter"
        for p in (ROOT / "linter").rglob("__init__.py")
    }
    found |= {"linter.rules." + ".".join(p.parent.relative_to(ROOT / "rules").parts) for p in (ROOT / "rules").rglob("*/__init__.py")}
    found.add("linter.rules")
    assert found <= listed, f"add to [tool.setuptools] packages in pyproject.toml: {sorted(found - listed)}"


# -- one staged file sees its package --


def test_one_file_given_reads_its_package_siblings(tmp_path: Path) -> None:
    """The pitfall spans two files: the registration in main.go makes the function in
    handlers.go a request-header handler. Given only handlers.go, it is still found,
    and the sibling's own finding (config.go) is not reported."""
    write_plugin(tmp_path / "plugin", handlers=HANDLERS_GO_PAUSE, config=CONFIG_GO_VALUE_RECEIVER)
    code, findings = lint(tmp_path / "plugin", "handlers.go")
    assert code == 1
    assert [(f["code"], f["path"], f["line"]) for f in findings] == [("WG103", "handlers.go", PAUSE_LINE)]

    _, whole = lint(tmp_path / "plugin", ".")
    assert {(f["code"], f["path"]) for f in whole} == {("WG103", "handlers.go"), ("WG201", "config.go")}

    alone = tmp_path / "alone"
    alone.mkdir()
    (alone / "handlers.go").write_text(HANDLERS_GO_PAUSE, encoding="utf-8")
    code, findings = lint(alone, "handlers.go")
    assert (code, findings) == (0, []), "without main.go nothing registers the handler"


def test_clean_plugin_passes(tmp_path: Path) -> None:
    assert lint(write_plugin(tmp_path / "plugin"), "main.go", "config.go", "handlers.go") == (0, [])


# -- start-up: most of a one-file run (benchmarks/precommit_latency.py) --

LAZY_MODULES = (
    "importlib.metadata", "sarif_om", "attr", "linter.reporters.sarif",
    "linter.reporters.junit", "linter.baseline", "linter.fix", "linter.gitdiff",
)

PROBE = """
import sys
from linter.cli import main
sys.argv = ["wasm-go-lint", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
print("LOADED", *[m for m in {modules!r} if m in sys.modules])
"""


@pytest.mark.parametrize(
    ("args", "loaded"),
    [
        (["check", "--force-exclude", "handlers.go"], []),
        (["check", "--output-format", "sarif", "handlers.go"], list(LAZY_MODULES[:4])),
    ],
)
def test_one_file_run_imports_only_what_it_uses(tmp_path: Path, args: list[str], loaded: list[str]) -> None:
    """The version (importlib.metadata), the SARIF and JUnit reporters (sarif-om, attrs,
    xml) and baselines, fixes and git diffs are imported when used, not on every run."""
    write_plugin(tmp_path, handlers=HANDLERS_GO_PAUSE)
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(modules=LAZY_MODULES), *args],
        cwd=tmp_path, capture_output=True, text=True, check=True,
    )
    assert "WG103" in done.stdout
    assert done.stdout.splitlines()[-1].split()[1:] == loaded


# -- --force-exclude --


def test_force_exclude_skips_what_directory_discovery_skips(tmp_path: Path) -> None:
    plugin = write_plugin(tmp_path, handlers=HANDLERS_GO_PAUSE)
    skipped = {
        "vendor/example.com/guard/handlers.go": HANDLERS_GO_PAUSE,
        "testdata/handlers.go": HANDLERS_GO_PAUSE,
        ".cache/handlers.go": HANDLERS_GO_PAUSE,
        "guard/handlers_test.go": HANDLERS_GO_PAUSE,
        "gen/handlers.go": "// Code generated by guardgen. DO NOT EDIT.\n\n" + HANDLERS_GO_PAUSE,
    }
    for name, text in skipped.items():  # each in a package with the registration
        write_plugin((plugin / name).parent, handlers="package main\n")
        (plugin / name).write_text(text, encoding="utf-8")

    # without the flag every named file is linted
    _, findings = lint(plugin, *skipped)
    assert {f["path"] for f in findings} == set(skipped)

    # with it only handlers.go is
    _, findings = lint(plugin, "--force-exclude", "handlers.go", *skipped)
    assert [f["path"] for f in findings] == ["handlers.go"]
    assert lint(plugin, "--force-exclude", *skipped) == (0, [])


def test_force_exclude_follows_configured_excludes(tmp_path: Path) -> None:
    plugin = write_plugin(tmp_path / "repo" / "plugin", handlers=HANDLERS_GO_PAUSE)
    (tmp_path / "repo" / ".git").mkdir()  # the configuration search stops here
    (tmp_path / "repo" / "wasm-go-lint.toml").write_text('extend-exclude = ["plugin/handlers.go"]\n')
    runner = CliRunner()
    old = os.getcwd()
    os.chdir(tmp_path / "repo")
    try:
        named = runner.invoke(cli, ["check", "--output-format", "concise", "plugin/handlers.go"])
        forced = runner.invoke(cli, ["check", "--force-exclude", "--output-format", "concise", "plugin/handlers.go"])
    finally:
        os.chdir(old)
    assert named.exit_code == 1 and "WG103" in named.output
    assert forced.exit_code == 0, forced.output
    assert plugin.joinpath("handlers.go").exists()


# -- the real pre-commit --


def readme_precommit_config() -> str:
    """The ```yaml block between the README's pre-commit-config markers."""
    text = README.read_text(encoding="utf-8")
    found = re.search(
        r"<!-- pre-commit-config:start -->\s*```yaml\n(.*?)```\s*<!-- pre-commit-config:end -->", text, re.S
    )
    assert found, "README.md lacks the pre-commit-config block"
    return found.group(1)


def head_commit() -> str:
    return subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.strip()


def config_for_this_checkout(hook_id: str = "wasm-go-lint") -> str:
    """The README snippet with ``repo:`` pointing at this checkout and ``rev:`` at its
    HEAD commit (and, for the fix hook, its id swapped in)."""
    snippet = readme_precommit_config()
    text, repos = re.subn(r"(?m)^(\s*- repo: ).*$", lambda m: m.group(1) + str(ROOT), snippet)
    text, revs = re.subn(r"(?m)^(\s*rev: ).*$", lambda m: m.group(1) + head_commit(), text)
    text, ids = re.subn(r"(?m)^(\s*- id: )wasm-go-lint$", lambda m: m.group(1) + hook_id, text)
    assert (repos, revs, ids) == (1, 1, 1), snippet
    parsed = yaml.safe_load(text)
    assert [hook["id"] for hook in parsed["repos"][0]["hooks"]] == [hook_id]
    return text


def test_readme_snippet_names_the_declared_hook() -> None:
    parsed = yaml.safe_load(readme_precommit_config())
    (repo,) = parsed["repos"]
    assert repo["repo"].startswith("https://")
    assert {hook["id"] for hook in repo["hooks"]} <= set(hooks())


@pytest.fixture(scope="module")
def precommit_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The environment for pre-commit and git: one PRE_COMMIT_HOME for the module (the
    hook's virtualenv is built once), no GIT_* variables leaking in from a surrounding
    git hook, a fixed identity and no signing."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    empty_config = tmp_path_factory.mktemp("gitconfig") / "config"
    empty_config.write_text("")
    env.update(
        PRE_COMMIT_HOME=str(tmp_path_factory.mktemp("pre-commit-home")),
        GIT_CONFIG_GLOBAL=str(empty_config),
        GIT_CONFIG_NOSYSTEM="1",
        GIT_AUTHOR_NAME="Plugin Dev",
        GIT_AUTHOR_EMAIL="dev@example.com",
        GIT_COMMITTER_NAME="Plugin Dev",
        GIT_COMMITTER_EMAIL="dev@example.com",
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        NO_COLOR="1",
    )
    yield env


def run(cmd: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def git(repo: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    done = run(["git", *args], repo, env)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def pre_commit(repo: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return run([sys.executable, "-m", "pre_commit", *args, "--color", "never"], repo, env)


def plugin_repository(path: Path, env: dict[str, str], config: str) -> Path:
    """A git repository with the clean plugin in plugins/header-guard and ``config`` as
    its .pre-commit-config.yaml, committed before any hook is installed."""
    path.mkdir(parents=True)
    git(path, env, "init", "-q", "-b", "main")
    write_plugin(path / "plugins" / "header-guard")
    (path / ".pre-commit-config.yaml").write_text(config, encoding="utf-8")
    git(path, env, "add", ".")
    git(path, env, "commit", "-q", "-m", "header-guard plugin")
    return path


def test_pre_commit_rejects_a_pitfall_and_accepts_the_fix(tmp_path: Path, precommit_env: dict[str, str]) -> None:
    env = precommit_env
    repo = plugin_repository(tmp_path / "repo", env, config_for_this_checkout())
    installed = pre_commit(repo, env, "install")
    assert installed.returncode == 0, installed.stdout + installed.stderr
    handlers = repo / "plugins" / "header-guard" / "handlers.go"

    # the pitfall: only handlers.go is staged, the hook still reads main.go
    handlers.write_text(HANDLERS_GO_PAUSE, encoding="utf-8")
    git(repo, env, "add", "plugins/header-guard/handlers.go")
    rejected = run(["git", "commit", "-m", "skip the reply when the header is missing"], repo, env)
    output = rejected.stdout + rejected.stderr
    assert rejected.returncode != 0, output
    assert re.search(r"wasm-go-lint\.*Failed", output), output
    assert f"plugins/header-guard/handlers.go:{PAUSE_LINE}:3: WG103 [pause-without-resume]" in output, output
    assert "in 1 file checked" in output, output  # pre-commit passed the staged file only
    assert git(repo, env, "rev-list", "--count", "HEAD").stdout.strip() == "1"

    # fixed (replying again, with a better message): the commit goes through
    fixed = HANDLERS_GO.replace('[]byte("missing header")', '[]byte("missing " + config.header + " header")')
    assert fixed != HANDLERS_GO
    handlers.write_text(fixed, encoding="utf-8")
    git(repo, env, "add", "plugins/header-guard/handlers.go")
    accepted = run(["git", "commit", "-m", "reply 400 when the header is missing"], repo, env)
    output = accepted.stdout + accepted.stderr
    assert accepted.returncode == 0, output
    assert re.search(r"wasm-go-lint\.*Passed", output), output
    assert git(repo, env, "rev-list", "--count", "HEAD").stdout.strip() == "2"


def test_fix_hook_rewrites_then_passes(tmp_path: Path, precommit_env: dict[str, str]) -> None:
    env = precommit_env
    repo = plugin_repository(tmp_path / "repo", env, config_for_this_checkout("wasm-go-lint-fix"))
    handlers = repo / "plugins" / "header-guard" / "handlers.go"
    handlers.write_text(HANDLERS_GO_STALE_SUPPRESSION, encoding="utf-8")
    git(repo, env, "add", "plugins/header-guard/handlers.go")

    first = pre_commit(repo, env, "run")
    output = first.stdout + first.stderr
    assert first.returncode == 1, output
    assert "files were modified by this hook" in output, output
    assert "Fixed 1 problem" in output, output
    assert handlers.read_text(encoding="utf-8") == HANDLERS_GO

    git(repo, env, "add", "plugins/header-guard/handlers.go")
    second = pre_commit(repo, env, "run")
    assert second.returncode == 0, second.stdout + second.stderr
