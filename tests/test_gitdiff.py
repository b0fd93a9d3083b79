"""--new-from-rev and --staged in a temporary git repository."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from linter.gitdiff import parse_diff
from tests.cli_support import invoke as cli_invoke

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

HEAD = """package main

import "github.com/higress-group/wasm-go/pkg/wrapper"

func main() {}

func refresh(ctx wrapper.HttpContext) {}

func startOld(ctx wrapper.HttpContext) {
\tgo refresh(ctx)
}
"""

NEW_FUNCTION = """
func startNew(ctx wrapper.HttpContext) {
\tgo refresh(ctx) // new
}
"""


def git(repo: Path, *args: str) -> str:
    completed = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True)
    return completed.stdout


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    for key, value in {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
    }.items():
        monkeypatch.setenv(key, value)
    root = tmp_path / "repo"
    (root / "plugin").mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    (root / "plugin" / "main.go").write_text(HEAD)
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "plugin with one goroutine")
    monkeypatch.chdir(root)
    yield root


def invoke(runner: CliRunner, *args: str) -> Result:
    return cli_invoke(runner, "check", "--select", "WG401", "--output-format", "concise", *args)


def findings(result: Result) -> list[str]:
    return [line.split(": WG401")[0] for line in result.stdout.splitlines() if ": WG401" in line]


def test_new_from_rev_reports_only_new_findings(runner: CliRunner, repo: Path) -> None:
    assert findings(invoke(runner, "plugin")) == ["plugin/main.go:10:2"]
    assert invoke(runner, "--new-from-rev", "HEAD", "plugin").exit_code == 0

    plugin = repo / "plugin" / "main.go"
    plugin.write_text("// a header comment moves every line down\n" + HEAD + NEW_FUNCTION)
    result = invoke(runner, "--new-from-rev", "HEAD", "plugin")
    assert result.exit_code == 1
    assert findings(result) == ["plugin/main.go:15:2"]
    assert "1 finding on unchanged lines hidden (changes since HEAD)" in result.stderr

    git(repo, "commit", "-q", "-am", "second goroutine")
    assert invoke(runner, "--new-from-rev", "HEAD", "plugin").exit_code == 0
    assert findings(invoke(runner, "--new-from-rev", "HEAD~1", "plugin")) == ["plugin/main.go:15:2"]


def test_a_changed_line_counts_as_new(runner: CliRunner, repo: Path) -> None:
    plugin = repo / "plugin" / "main.go"
    plugin.write_text(HEAD.replace("\tgo refresh(ctx)", "\tgo refresh(ctx) // touched"))
    assert findings(invoke(runner, "--new-from-rev", "HEAD", "plugin")) == ["plugin/main.go:10:2"]


def test_untracked_and_added_files_are_all_new(runner: CliRunner, repo: Path) -> None:
    other = repo / "other" / "main.go"
    other.parent.mkdir()
    other.write_text(HEAD)
    assert findings(invoke(runner, "--new-from-rev", "HEAD", ".")) == ["other/main.go:10:2"]
    git(repo, "add", "other")
    assert findings(invoke(runner, "--new-from-rev", "HEAD", ".")) == ["other/main.go:10:2"]
    assert findings(invoke(runner, "--staged", ".")) == ["other/main.go:10:2"]


def test_staged_sees_the_index_only(runner: CliRunner, repo: Path) -> None:
    plugin = repo / "plugin" / "main.go"
    plugin.write_text(HEAD + NEW_FUNCTION)
    assert invoke(runner, "--staged", "plugin").exit_code == 0  # not staged yet
    git(repo, "add", "plugin/main.go")
    result = invoke(runner, "--staged", "plugin")
    assert result.exit_code == 1
    assert findings(result) == ["plugin/main.go:14:2"]
    assert "(staged changes)" in result.stderr


def test_git_problems_are_clear_errors(runner: CliRunner, repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = invoke(runner, "--new-from-rev", "no-such-branch", "plugin")
    assert result.exit_code == 2
    assert "unknown git revision 'no-such-branch'" in result.stderr
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "main.go").write_text(HEAD)
    monkeypatch.chdir(outside)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    result = invoke(runner, "--new-from-rev", "HEAD", "main.go")
    assert result.exit_code == 2
    assert "not a git repository" in result.stderr


def test_parse_diff_skips_hunk_content_and_unquotes_paths(tmp_path: Path) -> None:
    diff = (
        "diff --git a/x.go b/x.go\n"
        "--- a/x.go\n"
        "+++ b/x.go\n"
        "@@ -3 +3,2 @@ func f() {\n"
        "-old\n"
        "+++ looks like a header\n"
        "+second\n"
        "@@ -10,2 +11,0 @@\n"
        "-gone\n"
        "-gone too\n"
        'diff --git "a/sp ace\\tt\\303\\251.go" "b/sp ace\\tt\\303\\251.go"\n'
        "new file mode 100644\n"
        "--- /dev/null\n"
        '+++ "b/sp ace\\tt\\303\\251.go"\n'
        "@@ -0,0 +1 @@\n"
        "+package a\n"
    )
    changed = parse_diff(diff, str(tmp_path))
    root = os.path.realpath(tmp_path)
    assert changed.lines[os.path.join(root, "x.go")] == {3, 4}
    quoted = os.path.join(root, "sp ace\tté.go")
    assert quoted in changed.new_files
    assert changed.contains(quoted, 99)
    assert not changed.contains(os.path.join(root, "x.go"), 11)
