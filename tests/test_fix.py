"""--fix, --unsafe-fixes, --fix-only, --diff: merging, rounds, refusals, atomic writes.

Rule-specific fix output is checked by the golden files (tests/test_fix_goldens.py);
here the mechanics are tested with throwaway rules made in this file (``any-package``,
so a plain Go file without SDK imports is enough) and with a copy of a WG201 fixture.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path
from typing import Any, ClassVar

import pytest
from click.testing import CliRunner

from linter.diagnostics import Applicability, Diagnostic, Edit, Fix, Severity
from linter.fix import WriteError, apply_edits, select_fixes, unified_diff, write_atomically
from linter.rule import FileContext, Rule
from tests.cli_support import invoke
from tests.fixture_harness import FIXTURES


def _literal_rule(code: str, before: str, after: str, applicability: Applicability) -> type[Rule]:
    """A rule that flags the string literal ``before`` and offers to replace it by ``after``."""

    class Replace(Rule):
        """## What it does
        Test-only rule.
        """

        severity = Severity.WARNING
        tags = ("any-package",)
        fix_availability = "always"
        node_types: ClassVar[tuple[str, ...]] = ("interpreted_string_literal",)

        def check(self, node: Any, ctx: FileContext) -> None:
            if ctx.text(node) == before:
                fix = Fix(f"Replace {before} by {after}", applicability, (Edit(node.start_byte, node.end_byte, after),))
                self.report(ctx, node, f"{before} should be {after}", fix)

    Replace.code = code
    Replace.name = f"replace-{code.lower()}"
    return Replace


class BreakingFix(Rule):
    """## What it does
    Test-only rule whose (safe) fix produces invalid Go: it deletes a function's `{`.
    """

    code = "WG991"
    name = "breaking-fix"
    severity = Severity.WARNING
    tags = ("any-package",)
    fix_availability = "always"
    node_types: ClassVar[tuple[str, ...]] = ("function_declaration",)

    def check(self, node: Any, ctx: FileContext) -> None:
        name = node.child_by_field_name("name")
        body = node.child_by_field_name("body")
        if name is None or body is None or ctx.text(name) != "broken":
            return
        fix = Fix("Remove the brace", Applicability.SAFE, (Edit(body.start_byte, body.start_byte + 1, ""),))
        self.report(ctx, name, "this function should lose its brace", fix)


X_TO_Y = _literal_rule("WG992", '"x"', '"y"', Applicability.SAFE)
Y_TO_Z = _literal_rule("WG993", '"y"', '"z"', Applicability.SAFE)
Z_TO_X = _literal_rule("WG994", '"z"', '"x"', Applicability.SAFE)
UNSAFE_X = _literal_rule("WG995", '"x"', '"w"', Applicability.UNSAFE)

LIBRARY = 'package util\n\nvar a = "x"\n\nfunc broken() {\n\t_ = a\n}\n\nfunc fine() {}\n'


def use_rules(monkeypatch: pytest.MonkeyPatch, *rules: type[Rule]) -> None:
    monkeypatch.setattr("linter.cli.resolve", lambda *args, **kwargs: list(rules))


# --- merging ------------------------------------------------------------------------


def _diagnostic(start: int, end: int, content: str, applicability: Applicability = Applicability.SAFE) -> Diagnostic:
    fix = Fix("f", applicability, (Edit(start, end, content),))
    return Diagnostic("WG999", "t", Severity.WARNING, f"{start}-{end}", "a.go", 1, start + 1, 1, end + 1, start, end, fix)


def test_select_fixes_skips_overlaps_and_shares_duplicates() -> None:
    first = _diagnostic(0, 4, "A")
    overlapping = _diagnostic(2, 6, "B")
    adjacent = _diagnostic(4, 6, "C")
    same_start = _diagnostic(4, 4, "D")  # an insertion where C starts: the order would be a guess
    duplicate = _diagnostic(0, 4, "A")
    unsafe = _diagnostic(8, 9, "E", Applicability.UNSAFE)
    out_of_range = _diagnostic(9, 20, "F")
    diagnostics = [overlapping, adjacent, first, same_start, duplicate, unsafe, out_of_range]
    chosen = select_fixes(diagnostics, unsafe=False, size=10)
    contents = [(fix.edits[0].content, len(ds)) for fix, ds in chosen]
    assert contents[0] == ("A", 2)  # the duplicate shares the fix
    assert contents[1:] in ([("C", 1)], [("D", 1)])
    with_unsafe = select_fixes(diagnostics, unsafe=True, size=10)
    assert [fix.edits[0].content for fix, _ in with_unsafe][-1] == "E"


def test_apply_edits_in_any_order() -> None:
    data = "héllo wörld".encode()
    edits = [Edit(len("héllo ".encode()), len(data), "there"), Edit(0, len("héllo".encode()), "hi")]
    assert apply_edits(data, edits) == b"hi there"
    assert apply_edits(b"ab", [Edit(1, 1, "-")]) == b"a-b"


# --- --fix ----------------------------------------------------------------------------


def test_fix_rounds_until_stable(runner: CliRunner, workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    use_rules(monkeypatch, X_TO_Y, Y_TO_Z)
    (workdir / "a.go").write_text(LIBRARY)
    result = invoke(runner, "check", "--fix", "a.go")
    assert result.exit_code == 0, result.output
    assert '"z"' in (workdir / "a.go").read_text()
    assert "Fixed 2 problems (0 remaining)." in result.stderr


def test_fix_stops_after_a_bounded_number_of_rounds(
    runner: CliRunner, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_rules(monkeypatch, X_TO_Y, Y_TO_Z, Z_TO_X)  # a cycle: never stable
    (workdir / "a.go").write_text(LIBRARY)
    result = invoke(runner, "check", "--fix", "--output-format", "concise", "a.go")
    assert result.exit_code == 1
    assert "(1 remaining)" in result.stderr


def test_unsafe_fixes_need_the_flag(runner: CliRunner, workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    use_rules(monkeypatch, UNSAFE_X)
    path = workdir / "a.go"
    path.write_text(LIBRARY)
    result = invoke(runner, "check", "--fix", "a.go")
    assert result.exit_code == 1
    assert path.read_text() == LIBRARY
    assert "Fixed 0 problems (1 remaining). 1 more problem can be fixed with --unsafe-fixes." in result.stderr
    result = invoke(runner, "check", "--fix", "--unsafe-fixes", "a.go")
    assert result.exit_code == 0
    assert '"w"' in path.read_text()


def test_fix_that_breaks_the_file_is_refused(
    runner: CliRunner, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_rules(monkeypatch, BreakingFix)
    path = workdir / "a.go"
    path.write_text(LIBRARY)
    before = path.stat().st_mtime_ns
    result = invoke(runner, "check", "--fix", "--output-format", "concise", "a.go")
    assert result.exit_code == 1
    assert path.read_bytes() == LIBRARY.encode()
    assert path.stat().st_mtime_ns == before
    assert (
        "error: a.go:5:6: WG991 fix not applied: the result would not parse (1 new syntax error); "
        "the file is left as it is for this fix"
    ) in result.stderr
    assert "Fixed 0 problems (1 remaining)." in result.stderr
    assert "a.go:5:6: WG991" in result.stdout  # still reported
    assert not [p for p in os.listdir(workdir) if p != "a.go"]  # no temporary file left behind


def test_breaking_fix_does_not_block_the_others(
    runner: CliRunner, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_rules(monkeypatch, BreakingFix, X_TO_Y)
    path = workdir / "a.go"
    path.write_text(LIBRARY)
    result = invoke(runner, "check", "--fix", "a.go")
    assert path.read_text() == LIBRARY.replace('"x"', '"y"')
    assert "Fixed 1 problem (1 remaining)." in result.stderr
    assert result.stderr.count("fix not applied") == 1


def test_file_with_syntax_errors_can_still_be_fixed(
    runner: CliRunner, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only new syntax errors block a fix: an existing one elsewhere does not."""
    use_rules(monkeypatch, X_TO_Y)
    path = workdir / "a.go"
    text = LIBRARY + "\nfunc g() {\n\th(1, 2 3)\n}\n"
    path.write_text(text)
    invoke(runner, "check", "--fix", "a.go")
    assert path.read_text() == text.replace('"x"', '"y"')


def test_fix_keeps_permissions_and_writes_atomically(
    runner: CliRunner, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_rules(monkeypatch, X_TO_Y)
    path = workdir / "a.go"
    path.write_text(LIBRARY)
    path.chmod(0o640)
    inode = path.stat().st_ino
    invoke(runner, "check", "--fix", "a.go")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert path.stat().st_ino != inode  # replaced, not rewritten in place
    assert sorted(os.listdir(workdir)) == ["a.go"]


def test_write_refuses_a_file_changed_meanwhile(tmp_path: Path) -> None:
    path = tmp_path / "a.go"
    path.write_text("new content")
    with pytest.raises(WriteError, match="changed on disk"):
        write_atomically(str(path), b"fixed", expected=b"old content")
    assert path.read_text() == "new content"


def test_fix_only_reports_nothing(runner: CliRunner, workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    use_rules(monkeypatch, X_TO_Y, UNSAFE_X)
    path = workdir / "a.go"
    path.write_text(LIBRARY)
    result = invoke(runner, "check", "--fix-only", "a.go")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert '"y"' in path.read_text()
    assert "Fixed 1 problem (0 remaining)." in result.stderr


def test_diff_prints_and_writes_nothing(runner: CliRunner, workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    use_rules(monkeypatch, X_TO_Y)
    path = workdir / "a.go"
    path.write_text(LIBRARY)
    result = invoke(runner, "check", "--diff", "a.go")
    assert result.exit_code == 1  # there is something to fix
    assert path.read_text() == LIBRARY
    assert result.stdout == (
        "--- a/a.go\n+++ b/a.go\n@@ -1,6 +1,6 @@\n package util\n \n"
        '-var a = "x"\n+var a = "y"\n \n func broken() {\n \t_ = a\n'
    )
    assert "Would fix 1 problem (0 remaining)." in result.stderr
    if shutil.which("git") is not None:  # the diff applies with git
        subprocess.run(["git", "apply", "-"], input=result.stdout.encode(), cwd=workdir, check=True)
        assert path.read_text() == LIBRARY.replace('"x"', '"y"')
    else:
        path.write_text(LIBRARY.replace('"x"', '"y"'))
    assert invoke(runner, "check", "--diff", "a.go").exit_code == 0  # nothing left


def test_unified_diff_without_final_newline() -> None:
    text = unified_diff("a.go", b"x\ny", b"x\nz")
    assert text.endswith("-y\n\\ No newline at end of file\n+z\n\\ No newline at end of file\n")


def test_fix_from_stdin_prints_the_fixed_source(runner: CliRunner, workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    use_rules(monkeypatch, X_TO_Y, BreakingFix)
    result = invoke(runner, "check", "--fix", "-", "--stdin-filename", "a.go", stdin=LIBRARY.encode())
    assert result.stdout == LIBRARY.replace('"x"', '"y"')
    assert "a.go:5:6: WG991" in result.stderr
    assert result.exit_code == 1
    clean = 'package util\n\nvar a = "q"\n'
    result = invoke(runner, "check", "--fix", "-", "--stdin-filename", "a.go", stdin=clean.encode())
    assert (result.exit_code, result.stdout) == (0, clean)


# --- a real rule: WG201's unsafe pointer-receiver fix, twice --------------------------


def test_wg201_fix_matches_golden_and_is_idempotent(runner: CliRunner, workdir: Path) -> None:
    fixture = FIXTURES / "WG201" / "counters.go"
    shutil.copy(fixture, workdir / "main.go")
    first = invoke(runner, "check", "--fix", "--unsafe-fixes", "--select", "WG201", ".")
    assert first.exit_code == 0, first.output
    assert "Fixed 4 problems (0 remaining)." in first.stderr
    assert (workdir / "main.go").read_bytes() == fixture.with_name("counters.go.golden").read_bytes()
    second = invoke(runner, "check", "--fix", "--unsafe-fixes", "--select", "WG201", ".")
    assert second.exit_code == 0
    assert "Fixed 0 problems (0 remaining)." in second.stderr
    assert (workdir / "main.go").read_bytes() == fixture.with_name("counters.go.golden").read_bytes()
