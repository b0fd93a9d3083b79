"""Bad input never produces a traceback: one line on stderr per bad input, exit 2,
and the rest of the run is still analysed. Also: discovery, and rule crashes.
"""

from __future__ import annotations

import builtins
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, ClassVar

import pytest
from click.testing import CliRunner, Result
from linter.rules.wg000_syntax_error import GoSyntaxError

from linter.diagnostics import Severity
from linter.engine import Linter
from linter.rule import FileContext, PackageContext, Rule
from linter.runner import DEFAULT_MAX_FILE_SIZE
from linter.source import SourceFile
from tests.cli_support import invoke, write

SDK_IMPORT = 'import "github.com/higress-group/wasm-go/pkg/wrapper"'
# Not a plugin package: only WG000 (an any-package rule) can report here.
BROKEN = "package util\n\nfunc f() {\n\tg(1, 2 3)\n}\n"  # WG000 at 4:9
CLEAN = "package util\n\nfunc f() int {\n\treturn 1\n}\n"


def json_paths(result: Result) -> list[str]:
    return [item["path"] for item in json.loads(result.stdout)]


def stderr_lines(result: Result) -> list[str]:
    return result.stderr.splitlines()


def assert_one_line_error(result: Result, path: str, *words: str) -> str:
    """Exit 2, exactly one ``error: <path>: ...`` line on stderr, no traceback."""
    assert result.exit_code == 2, result.output
    lines = stderr_lines(result)
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert line.startswith(f"error: {path}: "), line
    for word in words:
        assert word.lower() in line.lower(), (word, line)
    assert "Traceback" not in result.output
    return line


# --- each kind of bad input ----------------------------------------------------------


def test_file_over_size_limit(runner: CliRunner, workdir: Path) -> None:
    big = b"package util\n// " + b"a" * (10 * 1024 * 1024) + b"\nfunc f() {\n\tg(1, 2 3)\n}\n"
    assert len(big) > DEFAULT_MAX_FILE_SIZE
    write(workdir, "big.go", big)
    result = invoke(runner, "check", "big.go")
    assert_one_line_error(result, "big.go", "MiB", "--max-file-size")
    assert "All checks passed" not in result.stdout

    raised = invoke(runner, "check", "--max-file-size", str(len(big) + 1), "--output-format", "json", "big.go")
    assert raised.exit_code == 1, raised.output
    assert raised.stderr == ""
    [item] = json.loads(raised.stdout)
    assert (item["path"], item["line"], item["column"]) == ("big.go", 4, 9)


def test_max_file_size_lowered(runner: CliRunner, workdir: Path) -> None:
    write(workdir, "a.go", BROKEN)
    result = invoke(runner, "check", "--max-file-size", "10", "a.go")
    assert_one_line_error(result, "a.go", "limit")


def test_binary_file(runner: CliRunner, workdir: Path) -> None:
    write(workdir, "x.go", b"package util\x00\x01\x02\n\xff\xfe")
    result = invoke(runner, "check", "x.go")
    assert_one_line_error(result, "x.go", "binary")


def test_non_utf8_file(runner: CliRunner, workdir: Path) -> None:
    write(workdir, "latin.go", 'package util\n\nvar s = "café"\n'.encode("latin-1"))
    result = invoke(runner, "check", "latin.go")
    line = assert_one_line_error(result, "latin.go", "UTF-8")
    assert "line 3" in line


def test_missing_path(runner: CliRunner, workdir: Path) -> None:
    result = invoke(runner, "check", "nope.go")
    assert_one_line_error(result, "nope.go", "no such file")
    result = invoke(runner, "check", "no/such/dir")
    assert_one_line_error(result, "no/such/dir", "no such file")


def test_dangling_symlink_given_explicitly(runner: CliRunner, workdir: Path) -> None:
    os.symlink(workdir / "gone.go", workdir / "link.go")
    result = invoke(runner, "check", "link.go")
    assert_one_line_error(result, "link.go")


def test_dangling_symlink_inside_a_directory_hits_the_read_error_path(
    runner: CliRunner, workdir: Path
) -> None:
    # os.walk lists a dangling symlink as a file; reading it raises OSError (as root
    # too, unlike chmod 000), which must become a notice.
    write(workdir, "pkg/ok.go", BROKEN)
    os.symlink(workdir / "pkg" / "gone.go", workdir / "pkg" / "link.go")
    result = invoke(runner, "check", "--output-format", "json", "pkg")
    assert_one_line_error(result, "pkg/link.go", "cannot read")
    assert json_paths(result) == ["pkg/ok.go"]


def test_unreadable_file_permission_error(
    runner: CliRunner, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Tests run as root, so chmod 000 would not stop the read: make open() refuse.
    write(workdir, "pkg/secret.go", BROKEN)
    write(workdir, "pkg/other.go", BROKEN)
    real_open = builtins.open
    refused: list[str] = []

    def guarded_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        if str(file).endswith("secret.go"):
            refused.append(str(file))
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", guarded_open)
    result = invoke(runner, "check", "--output-format", "json", "pkg")
    assert refused, "the test did not reach the read"
    line = assert_one_line_error(result, "pkg/secret.go", "cannot read", "Permission denied")
    assert line == "error: pkg/secret.go: cannot read file: Permission denied"
    assert json_paths(result) == ["pkg/other.go"]

    explicit = invoke(runner, "check", "pkg/secret.go")
    assert_one_line_error(explicit, "pkg/secret.go", "Permission denied")


def test_unreadable_directory(runner: CliRunner, workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(workdir, "root/locked/a.go", BROKEN)
    write(workdir, "root/open/a.go", BROKEN)
    real_scandir = os.scandir

    def guarded_scandir(path: Any = ".") -> Any:
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", guarded_scandir)
    result = invoke(runner, "check", "--output-format", "json", "root")
    assert_one_line_error(result, "root/locked", "cannot read directory", "Permission denied")
    assert json_paths(result) == ["root/open/a.go"]


def test_bad_stdin(runner: CliRunner, workdir: Path) -> None:
    result = invoke(runner, "check", "-", "--stdin-filename", "p/x.go", stdin=b"package p\x00")
    assert_one_line_error(result, "p/x.go", "binary")
    result = invoke(runner, "check", "-", "--stdin-filename", "p/x.go", stdin=b"package p // \xe9\n")
    assert_one_line_error(result, "p/x.go", "UTF-8")
    result = invoke(
        runner, "check", "-", "--stdin-filename", "p/x.go", "--max-file-size", "5", stdin=CLEAN.encode()
    )
    assert_one_line_error(result, "p/x.go", "limit")


def test_text_summary_does_not_claim_success_when_input_was_skipped(
    runner: CliRunner, workdir: Path
) -> None:
    write(workdir, "x.go", b"\x00")
    result = invoke(runner, "check", "x.go")
    assert result.exit_code == 2
    assert "All checks passed" not in result.stdout
    assert "could not be analysed" in result.stdout


# --- the rest of the run goes on --------------------------------------------------------


def test_other_files_still_analysed(runner: CliRunner, workdir: Path) -> None:
    write(workdir, "pkg/a_good.go", BROKEN)
    write(workdir, "pkg/b_binary.go", b"\x00\x00")
    write(workdir, "pkg/c_latin.go", b"package util // \xe9\n")
    write(workdir, "pkg/d_big.go", b"package util\n//" + b"x" * 2000 + b"\n")
    write(workdir, "pkg/e_good.go", BROKEN.replace("func f", "func e"))
    write(workdir, "other/z.go", BROKEN)
    result = invoke(
        runner, "check", "--output-format", "json", "--max-file-size", "1000", "pkg", "other", "missing.go"
    )
    assert result.exit_code == 2
    assert json_paths(result) == ["other/z.go", "pkg/a_good.go", "pkg/e_good.go"]
    lines = stderr_lines(result)
    assert [line.split(": ")[1] for line in lines] == [
        "missing.go",
        "pkg/b_binary.go",
        "pkg/c_latin.go",
        "pkg/d_big.go",
    ]
    assert all(line.startswith("error: ") for line in lines)


def _console_script() -> Path:
    script = Path(sys.executable).parent / "wasm-go-lint"
    if not script.exists():
        pytest.skip("console script not installed next to the interpreter")
    return script


def test_console_script_never_prints_a_traceback(tmp_path: Path) -> None:
    script = _console_script()
    write(tmp_path, "pkg/good.go", BROKEN)
    write(tmp_path, "pkg/binary.go", b"package util\x00")
    write(tmp_path, "pkg/latin.go", b"package util // caf\xe9\n")
    write(tmp_path, "pkg/big.go", b"package util\n// " + b"a" * (10 * 1024 * 1024) + b"\n")
    os.symlink(tmp_path / "pkg" / "nowhere.go", tmp_path / "pkg" / "dangling.go")
    args = [str(script), "check", "--output-format", "json", "pkg", "missing.go"]
    proc = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    lines = proc.stderr.splitlines()
    assert len(lines) == 5, proc.stderr
    assert all(line.startswith("error: ") for line in lines)
    for name in ("missing.go", "binary.go", "latin.go", "big.go", "dangling.go"):
        assert sum(name in line for line in lines) == 1, (name, lines)
    assert [item["path"] for item in json.loads(proc.stdout)] == ["pkg/good.go"]


def test_console_script_exit_codes(tmp_path: Path) -> None:
    script = _console_script()
    write(tmp_path, "a.go", BROKEN)
    write(tmp_path, "clean/b.go", CLEAN)

    def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(script), *args], cwd=tmp_path, input=stdin, capture_output=True, text=True, timeout=120, check=False
        )

    assert run("check", "clean").returncode == 0
    assert run("check", "a.go").returncode == 1
    assert run("check", "--exit-zero", "a.go").returncode == 0
    for bad in (["check", "--select", "WG999"], ["check", "--nope"], ["rule", "WG999"]):
        proc = run(*bad)
        assert proc.returncode == 2, bad
        assert "Traceback" not in proc.stderr
    stdin = run("check", "-", "--stdin-filename", "plugin/main.go", "--output-format", "json", stdin=BROKEN)
    assert stdin.returncode == 1
    assert [item["path"] for item in json.loads(stdin.stdout)] == ["plugin/main.go"]
    version = run("--version")
    assert version.returncode == 0 and version.stdout.startswith("wasm-go-lint ")


# --- discovery ----------------------------------------------------------------------------

GENERATED = "// Code generated by protoc-gen-go. DO NOT EDIT.\n// source: x.proto\n\n" + BROKEN


def _tree(root: Path) -> None:
    write(root, "pkg/main.go", BROKEN)
    write(root, "pkg/main_test.go", BROKEN)
    write(root, "pkg/zz_generated.go", GENERATED)
    write(root, "pkg/notes.txt", BROKEN)
    write(root, "pkg/vendor/dep/dep.go", BROKEN)
    write(root, "pkg/testdata/case.go", BROKEN)
    write(root, "pkg/.hidden/h.go", BROKEN)
    write(root, "pkg/_scratch/s.go", BROKEN)
    write(root, "pkg/sub/sub.go", BROKEN)


def test_discovery_skips_by_default(runner: CliRunner, workdir: Path) -> None:
    _tree(workdir)
    result = invoke(runner, "check", "--output-format", "json", "--select", "WG000")
    assert result.exit_code == 1, result.output
    assert json_paths(result) == ["pkg/main.go", "pkg/sub/sub.go"]


def test_include_tests(runner: CliRunner, workdir: Path) -> None:
    _tree(workdir)
    result = invoke(runner, "check", "--output-format", "json", "--include-tests", "pkg")
    assert json_paths(result) == ["pkg/main.go", "pkg/main_test.go", "pkg/sub/sub.go"]


@pytest.mark.parametrize(
    "given",
    [
        "pkg/main_test.go",
        "pkg/zz_generated.go",
        "pkg/vendor/dep/dep.go",
        "pkg/testdata/case.go",
        "pkg/.hidden/h.go",
    ],
)
def test_explicit_file_is_always_analysed(runner: CliRunner, workdir: Path, given: str) -> None:
    _tree(workdir)
    result = invoke(runner, "check", "--output-format", "json", given)
    assert result.exit_code == 1, result.output
    assert json_paths(result) == [given]


def test_explicit_directory_that_would_be_skipped(runner: CliRunner, workdir: Path) -> None:
    _tree(workdir)
    result = invoke(runner, "check", "--output-format", "json", "pkg/vendor")
    assert json_paths(result) == ["pkg/vendor/dep/dep.go"]


def test_generated_marker_must_be_exact(runner: CliRunner, workdir: Path) -> None:
    # Not generated: the marker is in a function body, or lacks "DO NOT EDIT."
    write(workdir, "a.go", BROKEN.replace("func f() {", "func f() {\n\t// Code generated by x. DO NOT EDIT."))
    write(workdir, "b.go", "// Code generated by hand, edit freely.\n" + BROKEN)
    write(workdir, "c.go", "// Code generated by x. DO NOT EDIT.\r\n" + BROKEN)
    result = invoke(runner, "check", "--output-format", "json", ".")
    assert json_paths(result) == ["a.go", "b.go"]


class EveryPluginFile(Rule):
    """## What it does
    Test-only: reports once per file of a plugin package.
    """

    code = "WG991"
    name = "every-plugin-file"
    severity = Severity.INFO

    def check_file(self, ctx: FileContext) -> None:
        self.report(ctx, (0, 0), "plugin file")


def test_a_package_is_one_directory(runner: CliRunner, workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("linter.cli.resolve", lambda *args, **kwargs: [EveryPluginFile])
    # main.go imports the SDK, so helper.go (same directory) is plugin code too;
    # sub/lib.go is another package that imports nothing.
    write(workdir, "p/main.go", f"package main\n\n{SDK_IMPORT}\n\nvar _ = wrapper.ParseConfigBy[int]\n")
    write(workdir, "p/helper.go", "package main\n\nfunc helper() {}\n")
    write(workdir, "p/sub/lib.go", "package sub\n\nfunc Lib() {}\n")
    write(workdir, "q/only.go", "package q\n\nfunc Q() {}\n")
    result = invoke(runner, "check", "--output-format", "json")
    assert json_paths(result) == ["p/helper.go", "p/main.go"]
    # Given alone, helper.go is still in a plugin package: its siblings are read for facts
    # (and not reported on).
    alone = invoke(runner, "check", "--output-format", "json", "p/helper.go")
    assert json_paths(alone) == ["p/helper.go"]
    assert json_paths(invoke(runner, "check", "--output-format", "json", "p/sub")) == []


# --- a crashing rule -------------------------------------------------------------------------


class BoomRule(Rule):
    """## What it does
    Test-only: crashes on the first identifier.
    """

    code = "WG992"
    name = "boom"
    severity = Severity.WARNING
    tags = ("any-package",)
    node_types: ClassVar[tuple[str, ...]] = ("identifier",)

    def check(self, node: Any, ctx: FileContext) -> None:
        raise ZeroDivisionError("boom")


class CountIdentifiers(Rule):
    """## What it does
    Test-only: reports every identifier named `target`.
    """

    code = "WG993"
    name = "count-identifiers"
    severity = Severity.INFO
    tags = ("any-package",)
    node_types: ClassVar[tuple[str, ...]] = ("identifier",)

    def check(self, node: Any, ctx: FileContext) -> None:
        if ctx.text(node) == "target":
            self.report(ctx, node, "target")


class BoomInPackage(Rule):
    """## What it does
    Test-only: crashes in the package hook.
    """

    code = "WG994"
    name = "boom-in-package"
    severity = Severity.WARNING
    tags = ("any-package",)

    def check_package(self, pkg: PackageContext) -> None:
        raise KeyError("missing")


# Boom crashes on `f`, before the first `target`; the broken h is blanked from the tree.
CRASH_SOURCE = "package util\n\nfunc f(target int) {}\n\nfunc h() {\n\tg(1, 2 3)\n}\n\nvar target = 1\n"


def test_rule_crash_becomes_a_diagnostic() -> None:
    linter = Linter([BoomRule, GoSyntaxError, CountIdentifiers, BoomInPackage])
    source = SourceFile("util/a.go", CRASH_SOURCE.encode())
    outcome = linter.check_package("util", [source])
    assert outcome.internal_errors == 2
    by_code: dict[str, list[Any]] = {}
    for d in outcome.diagnostics:
        by_code.setdefault(d.code, []).append(d)
    assert [(d.line, d.column) for d in by_code["WG000"]] == [(6, 9)]
    # the other rule on the same node type still saw every node after the crash
    assert sorted(d.line for d in by_code["WG993"]) == [3, 9]
    [boom] = by_code["WG992"]
    assert boom.severity is Severity.ERROR
    assert "internal error" in boom.message and "ZeroDivisionError: boom" in boom.message
    assert boom.extra.get("internal_error") is True
    [boom_pkg] = by_code["WG994"]
    assert "KeyError" in boom_pkg.message


def test_rule_crash_through_cli_exits_2(runner: CliRunner, workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        "linter.cli.resolve", lambda *args, **kwargs: [GoSyntaxError, BoomRule, CountIdentifiers]
    )
    write(workdir, "util/a.go", CRASH_SOURCE)
    write(workdir, "util/b.go", "package util\n\nvar target2, target = 1, 2\n")
    result = invoke(runner, "check", "--output-format", "json")
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    items = json.loads(result.stdout)
    codes = sorted((item["path"], item["code"]) for item in items)
    assert codes.count(("util/a.go", "WG992")) == 1
    assert codes.count(("util/b.go", "WG992")) == 1  # skipped per file, not for the run
    assert ("util/a.go", "WG000") in codes
    assert sum(code == "WG993" for _, code in codes) == 3
    # --exit-zero does not hide an internal error
    assert invoke(runner, "check", "--exit-zero").exit_code == 2


def test_syntax_error_span_in_crlf_file_stops_before_carriage_return(tmp_path: Path) -> None:
    from linter.rules.wg000_syntax_error import GoSyntaxError

    from linter.engine import Linter
    from linter.source import SourceFile

    data = b'package main\r\n\r\nimport "github.com/higress-group/wasm-go/pkg/wrapper"\r\n\r\nvar x int = = 2\r\nvar y = wrapper.X\r\n'
    found = Linter([GoSyntaxError]).check_package(str(tmp_path), [SourceFile("crlf.go", data)]).diagnostics
    assert [d.line for d in found] == [5]
    line = SourceFile("crlf.go", data).line_text(5)
    assert found[0].end_column <= len(line) + 1


def test_parallel_run_reports_exactly_what_a_sequential_run_reports(tmp_path: Path) -> None:
    from linter.registry import all_rules
    from linter.runner import Options, run

    body = (
        'package main\n\nimport (\n\t"time"\n\n\t"github.com/higress-group/wasm-go/pkg/wrapper"\n)\n\n'
        "var _ = wrapper.SetCtx\n\nfunc tick() {\n\ttime.Sleep(time.Second)\n\tgo tick()\n}\n"
    )
    for index in range(6):
        package = tmp_path / f"plugin{index}"
        package.mkdir()
        (package / "main.go").write_text(body.replace("tick", f"tick{index}"), encoding="utf-8")
    (tmp_path / "plugin0" / "broken.go").write_bytes(b"package main\x00")
    sequential = run([str(tmp_path)], all_rules(), Options(jobs=1))
    parallel = run([str(tmp_path)], all_rules(), Options(jobs=3))
    assert [(d.path, d.line, d.code) for d in parallel.diagnostics] == [
        (d.path, d.line, d.code) for d in sequential.diagnostics
    ]
    assert len(sequential.diagnostics) == 12
    assert parallel.notices == sequential.notices and len(parallel.notices) == 1
    assert parallel.files_checked == sequential.files_checked == 6


def test_host_side_test_support_package_is_not_plugin_code(tmp_path: Path) -> None:
    """A package whose SDK import sits in test-support code (``testing``, proxytest)
    runs on the host, not in a VM: the wasm rules do not apply to it."""
    from linter.registry import all_rules
    from linter.runner import Options, run

    support = tmp_path / "harness"
    support.mkdir()
    (support / "harness.go").write_text(
        "package harness\n\nimport (\n\t\"os\"\n\t\"testing\"\n\n"
        '\t"github.com/higress-group/proxy-wasm-go-sdk/proxywasm/proxytest"\n)\n\n'
        "func Load(t *testing.T, name string) []byte {\n\tdata, _ := os.ReadFile(name)\n"
        "\t_ = proxytest.NewEmulator\n\treturn data\n}\n",
        encoding="utf-8",
    )
    plugin = tmp_path / "plugin"
    plugin.mkdir()
    (plugin / "main.go").write_text(
        'package main\n\nimport (\n\t"os"\n\n\t"github.com/higress-group/wasm-go/pkg/wrapper"\n)\n\n'
        "var _ = wrapper.SetCtx\n\nfunc load() ([]byte, error) {\n\treturn os.ReadFile(\"x\")\n}\n",
        encoding="utf-8",
    )
    found = run([str(tmp_path)], all_rules(), Options(jobs=1)).diagnostics
    assert [(d.path.rsplit("/", 2)[-2], d.code) for d in found] == [("plugin", "WG403")]


def test_one_file_of_a_package_still_gets_findings_reached_from_a_sibling_handler(tmp_path: Path) -> None:
    """Checking one file (editor, pre-commit): a handler in a sibling file that calls
    a helper of the checked file is still explored, and the helper's finding shown."""
    from linter.registry import all_rules
    from linter.runner import Options, run

    (tmp_path / "main.go").write_text(
        "package main\n\nimport (\n"
        '\t"github.com/higress-group/proxy-wasm-go-sdk/proxywasm/types"\n'
        '\t"github.com/higress-group/wasm-go/pkg/wrapper"\n'
        '\t"github.com/tidwall/gjson"\n)\n\n'
        "type Config struct {\n\tclient wrapper.HttpClient\n}\n\n"
        'func init() {\n\twrapper.SetCtx("x", wrapper.ParseConfig(parse), wrapper.ProcessRequestHeaders(onHeaders))\n}\n\n'
        "func main() {}\n\n"
        "func parse(json gjson.Result, config *Config) error { return nil }\n\n"
        "func onHeaders(ctx wrapper.HttpContext, config Config) types.Action {\n"
        "\treturn check(ctx, config)\n}\n",
        encoding="utf-8",
    )
    (tmp_path / "check.go").write_text(
        "package main\n\nimport (\n\t\"net/http\"\n\n"
        '\t"github.com/higress-group/proxy-wasm-go-sdk/proxywasm"\n'
        '\t"github.com/higress-group/proxy-wasm-go-sdk/proxywasm/types"\n'
        '\t"github.com/higress-group/wasm-go/pkg/wrapper"\n)\n\n'
        "func check(ctx wrapper.HttpContext, config Config) types.Action {\n"
        '\t_ = config.client.Get("/check", nil, func(status int, _ http.Header, _ []byte) {\n'
        "\t\t_ = proxywasm.ResumeHttpRequest()\n\t}, 500)\n"
        "\treturn types.HeaderStopAllIterationAndWatermark\n}\n",
        encoding="utf-8",
    )
    found = run([str(tmp_path / "check.go")], all_rules(), Options(jobs=1)).diagnostics
    assert [(Path(d.path).name, d.code) for d in found] == [("check.go", "WG105")]


def _deeply_nested_plugin(depth: int) -> str:
    chain = "".join(f"\t}} else if x == {i} {{\n\t\tproxywasm.LogInfo(parts[{i % 3}])\n" for i in range(depth))
    guard = " && ".join(f"x != {i}" for i in range(depth * 2))
    return f"""package main

import (
\t"net/http"
\t"strings"

\t"github.com/higress-group/proxy-wasm-go-sdk/proxywasm"
\t"github.com/higress-group/proxy-wasm-go-sdk/proxywasm/types"
\t"github.com/higress-group/wasm-go/pkg/wrapper"
)

type Config struct{{ client wrapper.HttpClient }}

func onHttpRequestHeaders(ctx wrapper.HttpContext, cfg Config) types.Action {{
\tx, parts := 1, strings.Split(ctx.Path(), "/")
\tif x == -1 {{
\t\treturn types.ActionContinue
{chain}\t}}
\t_ = cfg.client.Get("/check", nil, func(status int, headers http.Header, body []byte) {{
\t\tif {guard} {{
\t\t\tproxywasm.LogInfo(parts[1])
\t\t}}
\t\t_ = proxywasm.ResumeHttpRequest()
\t}}, 100)
\treturn types.HeaderStopAllIterationAndWatermark
}}
"""


def test_code_nested_beyond_the_recursion_limit_is_skipped_quietly(runner: CliRunner, workdir: Path) -> None:
    """Generated code with a thousand-branch else-if chain or a guard of thousands of
    `&&`s: the analysis cannot follow it, and says nothing rather than an internal error."""
    write(workdir, "deep/main.go", _deeply_nested_plugin(1500))
    result = invoke(runner, "check", "--output-format", "json", "deep")
    assert result.exit_code in (0, 1), result.output
    messages = [item["message"] for item in json.loads(result.stdout)]
    assert not any("internal error" in m or "could not analyse" in m for m in messages), messages


class TooDeep(Rule):
    """## What it does
    Test-only: runs out of stack on every file.
    """

    code = "WG988"
    name = "too-deep"
    severity = Severity.WARNING
    tags = ("any-package",)

    def check_file(self, ctx: FileContext) -> None:
        raise RecursionError("maximum recursion depth exceeded")


def test_a_rule_out_of_stack_says_so_instead_of_asking_for_a_bug_report() -> None:
    outcome = Linter([TooDeep]).check_package("util", [SourceFile("util/a.go", CLEAN.encode())])
    [diagnostic] = outcome.diagnostics
    assert outcome.internal_errors == 1
    assert "nests deeper than it can follow" in diagnostic.message
    assert "please report" not in diagnostic.message


def test_a_run_leaves_the_garbage_collector_as_it_found_it(workdir: Path) -> None:
    """The run freezes what start-up allocated and collects young objects less often;
    a library caller (or this test process) gets its own settings back."""
    import gc

    from linter.registry import all_rules
    from linter.runner import Options, run

    write(workdir, "util/a.go", CLEAN)
    before = gc.get_threshold()
    seen: list[tuple[tuple[int, int, int], int]] = []

    class Probe(Rule):
        """## What it does
        Test-only: records the collector's settings while the run analyses.
        """

        code = "WG987"
        name = "gc-probe"
        severity = Severity.INFO
        tags = ("any-package",)

        def check_file(self, ctx: FileContext) -> None:
            seen.append((gc.get_threshold(), gc.get_freeze_count()))

    run(["util"], [*all_rules(), Probe], Options(jobs=1))
    [(during, frozen)] = seen
    assert during != before and frozen > 0
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
