"""Helpers for the SARIF tests: the schema, the fingerprint vectors, a reference
implementation of GitHub's line hash, and structural checks of a SARIF log.

The schema and the vectors are vendored in ``tests/data/sarif/`` (copies of the
project's shared ``sarif/`` folder, so CI needs nothing outside the clone); when the
vendored copy is missing the shared folder next to the clone is used.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jsonschema

from linter.diagnostics import Diagnostic
from linter.engine import Linter
from linter.registry import all_rules
from linter.rule import Rule, doc_section
from linter.runner import RunResult
from linter.source import SourceFile

ROOT = Path(__file__).resolve().parent.parent
VENDORED = ROOT / "tests" / "data" / "sarif"
SHARED = ROOT.parent / "shared" / "sarif"
SCHEMA_NAME = "sarif-schema-2.1.0.json"
VECTORS_NAME = "github-fingerprint-vectors.json"


def sarif_data(name: str) -> Path:
    for folder in (VENDORED, SHARED):
        if (folder / name).is_file():
            return folder / name
    raise FileNotFoundError(f"{name} is neither in {VENDORED} nor in {SHARED}")


@cache
def validator() -> jsonschema.protocols.Validator:
    schema = json.loads(sarif_data(SCHEMA_NAME).read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def validate(doc: Any) -> None:
    errors = sorted(validator().iter_errors(doc), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])


def vectors() -> list[dict[str, Any]]:
    data = json.loads(sarif_data(VECTORS_NAME).read_text(encoding="utf-8"))
    found: list[dict[str, Any]] = data["vectors"]
    return found


# --- an independent reference for GitHub's primaryLocationLineHash ---------------------


def reference_line_hashes(text: str) -> list[str]:
    """Direct evaluation, no rolling window: normalise the whole text to a stream of
    UTF-16 code units (spaces and tabs dropped, CR and CRLF -> LF, then the end marker
    65535), and for each line start evaluate sum(u[i] * 37**(99 - i)) over the next 100
    units, zero-padded, modulo 2**64."""
    raw = text.encode("utf-16-le", errors="surrogatepass")
    units = [raw[i] | (raw[i + 1] << 8) for i in range(0, len(raw), 2)] + [0xFFFF]
    stream: list[int] = []
    starts: list[int] = []
    previous_cr = False
    line_start = True
    for unit in units:
        if unit in (0x20, 0x09) or (previous_cr and unit == 0x0A):
            previous_cr = False
            continue
        previous_cr = unit == 0x0D
        if previous_cr:
            unit = 0x0A
        if line_start:
            starts.append(len(stream))
            line_start = False
        if unit == 0x0A:
            line_start = True
        stream.append(unit)
    seen: dict[str, int] = {}
    out: list[str] = []
    for start in starts:
        window = (stream[start : start + 100] + [0] * 100)[:100]
        value = format(sum(u * 37 ** (99 - i) for i, u in enumerate(window)) % 2**64, "x")
        seen[value] = seen.get(value, 0) + 1
        out.append(f"{value}:{seen[value]}")
    return out


# --- building results --------------------------------------------------------------------


def lint_sources(
    sources: Sequence[SourceFile], directory: str, rules: Sequence[type[Rule]] | None = None
) -> RunResult:
    """A RunResult for one package, as the runner would build it."""
    outcome = Linter(list(rules) if rules is not None else all_rules()).check_package(directory, sources)
    result = RunResult(files_checked=len(sources), internal_errors=outcome.internal_errors)
    result.keep(sources, outcome.diagnostics)
    result.diagnostics.sort(key=Diagnostic.sort_key)
    return result


def utf16_column(line_text: str, code_point_column: int) -> int:
    """An independent conversion: code-point column -> UTF-16 column of one line."""
    return len(line_text[: code_point_column - 1].encode("utf-16-le")) // 2 + 1


# --- structural checks -------------------------------------------------------------------

_PASCAL = re.compile(r"^(?:[A-Z][a-z0-9]*)+$")
_LINE_HASH = re.compile(r"^[0-9a-f]{1,16}:[1-9][0-9]*$")


def walk(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from walk(item, f"{path}/{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from walk(item, f"{path}/{i}")


def check_log(doc: dict[str, Any], result: RunResult, rules: Sequence[type[Rule]] | None = None) -> None:
    """Schema-valid, and what GitHub needs: the checks every SARIF test shares."""
    validate(doc)
    assert doc["version"] == "2.1.0"
    [run] = doc["runs"]
    assert run["columnKind"] == "utf16CodeUnits"
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"].startswith("file:///")
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"].endswith("/")
    driver = run["tool"]["driver"]
    assert driver["name"] == "wasm-go-lint"
    assert re.match(r"^\d+\.\d+\.\d+", driver["semanticVersion"])
    assert driver["informationUri"].startswith("https://")
    enabled = {r.code: r for r in (rules if rules is not None else all_rules())}
    ids = [d["id"] for d in driver["rules"]]
    assert len(ids) == len(set(ids))
    assert set(enabled) <= set(ids)
    for descriptor in driver["rules"]:
        rule = enabled.get(descriptor["id"]) or next(r for r in all_rules() if r.code == descriptor["id"])
        assert descriptor["name"] == rule.pascal_name() != descriptor["id"]
        assert _PASCAL.match(descriptor["name"]), descriptor["name"]
        assert descriptor["shortDescription"]["text"] == rule.summary()
        what = " ".join(doc_section(rule.documentation(), "What it does").split())
        assert descriptor["fullDescription"]["text"] == (what or rule.summary())
        assert descriptor["help"]["markdown"] == rule.documentation()
        assert "```" not in descriptor["help"]["text"]
        assert descriptor["defaultConfiguration"]["level"] == {"error": "error", "warning": "warning", "info": "note"}[rule.severity.value]
        properties = descriptor["properties"]
        assert isinstance(properties["tags"], list) and len(properties["tags"]) <= 10
        assert "any-package" not in properties["tags"]
        assert properties["precision"] in ("very-high", "high", "medium", "low")
        if rule.security_severity is None:
            assert "security-severity" not in properties
        else:
            assert properties["security-severity"] == rule.security_severity
            assert "security" in properties["tags"]

    findings = [d for d in result.diagnostics if not d.extra.get("internal_error")]
    results = run["results"]
    assert len(results) == len(findings)
    for item, diagnostic in zip(results, findings, strict=True):
        assert item["ruleId"] == diagnostic.code
        assert driver["rules"][item["ruleIndex"]]["id"] == item["ruleId"]
        assert item["level"] in ("error", "warning", "note")
        assert item["message"]["text"] == diagnostic.message
        [location] = item["locations"]
        artifact = location["physicalLocation"]["artifactLocation"]
        if "uriBaseId" in artifact:
            assert artifact["uriBaseId"] == "%SRCROOT%"
            assert not artifact["uri"].startswith(("/", "file:"))
            assert artifact["uri"] == quote(artifact["uri"], safe="/%")  # already encoded
        region = location["physicalLocation"]["region"]
        assert set(region) == {"startLine", "startColumn", "endLine", "endColumn"}
        assert region["startLine"] == diagnostic.line and region["endLine"] == diagnostic.end_line
        assert (region["startLine"], region["startColumn"]) <= (region["endLine"], region["endColumn"])
        source = result.sources[diagnostic.path]
        assert region["startColumn"] == utf16_column(source.line_text(diagnostic.line), diagnostic.column)
        if diagnostic.end_line <= source.line_count:
            assert region["endColumn"] == utf16_column(source.line_text(diagnostic.end_line), diagnostic.end_column)
        line_hash = item["partialFingerprints"]["primaryLocationLineHash"]
        assert _LINE_HASH.match(line_hash)
        assert line_hash == reference_line_hashes(source.data.decode("utf-8"))[diagnostic.line - 1]
        assert re.fullmatch(r"[0-9a-f]{64}", item["fingerprints"]["wasmGoLint/v1"])
        assert "suppressions" not in item
        assert ("fixes" in item) == (diagnostic.fix is not None)
    prints = [item["fingerprints"]["wasmGoLint/v1"] for item in results]
    assert len(prints) == len(set(prints))
    [invocation] = run["invocations"]
    assert invocation["executionSuccessful"] is (result.internal_errors == 0)
    for where, value in walk(doc):
        assert value != -1, f"sentinel -1 at {where}"
        assert value is not None, f"null at {where}"
