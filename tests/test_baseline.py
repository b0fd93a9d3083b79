"""--write-baseline / --baseline: old findings stay hidden after unrelated edits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from linter.baseline import line_independent_fingerprint
from linter.diagnostics import Diagnostic, Severity
from linter.source import SourceFile
from tests.cli_support import invoke as cli_invoke

HEAD = """package main

import "github.com/higress-group/wasm-go/pkg/wrapper"

func main() {}

func refresh(ctx wrapper.HttpContext) {}
"""

OLD = """
func startOld(ctx wrapper.HttpContext) {
\tgo refresh(ctx)
}
"""

NEW = """
func startNew(ctx wrapper.HttpContext) {
\tgo refresh(ctx) // a second goroutine, same text
}
"""

UNRELATED = """
// Unrelated code added above the old finding: its line number moves.
func helper(ctx wrapper.HttpContext) string {
\treturn ctx.Path()
}
"""


def invoke(runner: CliRunner, *args: str) -> Result:
    return cli_invoke(runner, "check", "--select", "WG401", "--output-format", "concise", *args)


def test_round_trip_after_unrelated_edits(runner: CliRunner, workdir: Path) -> None:
    plugin = workdir / "plugin" / "main.go"
    plugin.parent.mkdir()
    plugin.write_text(HEAD + OLD)
    assert invoke(runner, "plugin").exit_code == 1

    written = invoke(runner, "--write-baseline", "baseline.json", "plugin")
    assert written.exit_code == 0, written.output
    assert "Wrote 1 finding to baseline baseline.json" in written.stderr
    document = json.loads((workdir / "baseline.json").read_text())
    [entry] = document["findings"]
    assert entry["code"] == "WG401"
    assert entry["path"] == "plugin/main.go"
    assert "go" in entry["message"]
    assert len(entry["fingerprint"]) == 32

    hidden = invoke(runner, "--baseline", "baseline.json", "plugin")
    assert hidden.exit_code == 0, hidden.output
    assert "1 finding hidden by baseline baseline.json" in hidden.stderr

    # lines inserted above, the old function re-indented: still the same finding
    plugin.write_text(HEAD + UNRELATED + OLD.replace("\tgo", "\t\tgo"))
    moved = invoke(runner, "--baseline", "baseline.json", "plugin")
    assert moved.exit_code == 0, moved.output

    # a new finding with the same text elsewhere is new
    plugin.write_text(HEAD + UNRELATED + OLD + NEW)
    new = invoke(runner, "--baseline", "baseline.json", "plugin")
    assert new.exit_code == 1
    lines = [line for line in new.stdout.splitlines() if ": WG401" in line]
    assert len(lines) == 1 and lines[0].startswith(f"plugin/main.go:{(HEAD + UNRELATED + OLD).count(chr(10)) + 3}:")
    assert "1 finding hidden by baseline" in new.stderr


def test_baseline_paths_are_relative_to_the_baseline_file(
    runner: CliRunner, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plugin = workdir / "plugins" / "auth" / "main.go"
    plugin.parent.mkdir(parents=True)
    plugin.write_text(HEAD + OLD)
    assert invoke(runner, "--write-baseline", "baseline.json", ".").exit_code == 0
    monkeypatch.chdir(plugin.parent)
    result = invoke(runner, "--baseline", "../../baseline.json", ".")
    assert result.exit_code == 0, result.output


def test_identical_findings_are_counted(runner: CliRunner, workdir: Path) -> None:
    same = OLD.replace("startOld", "startA") + OLD.replace("startOld", "startB")
    (workdir / "main.go").write_text(HEAD + same)
    assert invoke(runner, "--write-baseline", "b.json", "main.go").exit_code == 0
    assert len(json.loads((workdir / "b.json").read_text())["findings"]) == 2
    (workdir / "main.go").write_text(HEAD + same + OLD.replace("startOld", "startC"))
    result = invoke(runner, "--baseline", "b.json", "main.go")
    assert result.exit_code == 1
    assert sum(": WG401" in line for line in result.stdout.splitlines()) == 1
    assert "2 findings hidden" in result.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "baseline b.json does not exist; create it with --write-baseline b.json"),
        ("{not json", "baseline b.json is not valid JSON"),
        ('{"findings": []}', "b.json is not a wasm-go-lint baseline"),
        ('{"wasm-go-lint-baseline": 99, "findings": []}', "has format version 99"),
        ('{"wasm-go-lint-baseline": 1, "findings": [{"code": "WG401"}]}', "must be a list of objects"),
    ],
)
def test_bad_baseline_is_a_clear_error(runner: CliRunner, workdir: Path, content: str | None, message: str) -> None:
    (workdir / "main.go").write_text(HEAD + OLD)
    if content is not None:
        (workdir / "b.json").write_text(content)
    result = invoke(runner, "--baseline", "b.json", "main.go")
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stdout == ""


def test_baseline_and_fix_together(runner: CliRunner, workdir: Path) -> None:
    """Fixes apply to what is reported; the baseline keeps hiding the rest."""
    text = HEAD + OLD
    (workdir / "main.go").write_text(text)
    assert invoke(runner, "--write-baseline", "b.json", "main.go").exit_code == 0
    result = invoke(runner, "--baseline", "b.json", "--fix", "main.go")
    assert result.exit_code == 0
    assert "Fixed 0 problems (0 remaining)." in result.stderr
    assert (workdir / "main.go").read_text() == text


def _diagnostic(source: SourceFile, line: int, code: str = "WG401") -> Diagnostic:
    start = source.line_start(line)
    end = start + len(source.line_bytes(line))
    return Diagnostic(code, "n", Severity.ERROR, "m", source.path, line, 1, line, end - start + 1, start, end)


def test_fingerprint_is_line_independent() -> None:
    before = SourceFile("a.go", b"package a\n\nfunc f() {\n\tgo g()\n}\n")
    after = SourceFile("a.go", b"package a\n\n// new\n// lines\nfunc f() {\n    go   g()\n}\n")
    changed = SourceFile("a.go", b"package a\n\nfunc f() {\n\tgo h()\n}\n")
    original = line_independent_fingerprint(_diagnostic(before, 4), before)
    assert line_independent_fingerprint(_diagnostic(after, 6), after) == original
    assert line_independent_fingerprint(_diagnostic(changed, 4), changed) != original
    assert line_independent_fingerprint(_diagnostic(before, 4, "WG402"), before) != original
    renamed = SourceFile("b.go", before.data)
    assert line_independent_fingerprint(_diagnostic(renamed, 4), renamed) != original
    assert line_independent_fingerprint(_diagnostic(renamed, 4), renamed, path="a.go") == original


def test_fingerprint_counts_identical_lines_before() -> None:
    source = SourceFile("a.go", b"package a\n\nfunc f() {\n\tgo g()\n\tgo g()\n}\n")
    first = line_independent_fingerprint(_diagnostic(source, 4), source)
    second = line_independent_fingerprint(_diagnostic(source, 5), source)
    assert first != second
