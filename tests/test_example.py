"""The bundled sample plugin: the README's first command must show its pitfalls."""

from __future__ import annotations

from pathlib import Path

from linter.registry import all_rules
from linter.runner import Options, run

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "redis-blacklist"


def line_of(path: Path, text: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if text in line:
            return number
    raise AssertionError(f"{text!r} not in {path}")


def test_sample_plugin_reports_each_planted_pitfall_at_its_line() -> None:
    main, config = EXAMPLE / "main.go", EXAMPLE / "config.go"
    found = {(Path(d.path).name, d.line, d.code) for d in run([str(EXAMPLE)], all_rules(), Options(jobs=1)).diagnostics}
    expected = {
        ("config.go", line_of(config, "return config.keyPrefix + user +"), "WG000"),
        # after the syntax error: the rest of the file is still analysed
        ("config.go", line_of(config, "config.lastUser = strings.ToLower(user)"), "WG201"),
        ("main.go", line_of(main, '_ = proxywasm.AddHttpRequestHeader("x-blacklist-checked", "1")'), "WG101"),
        ("main.go", line_of(main, "go func() {"), "WG401"),
        ("main.go", line_of(main, "time.Sleep(100 * time.Millisecond)"), "WG402"),
        ("main.go", line_of(main, "config.lookups++"), "WG202"),
    }
    assert found == expected
