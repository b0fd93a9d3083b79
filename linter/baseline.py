"""Baselines: record today's findings, then report only the ones that are new.

A finding is identified by a line-independent fingerprint: its code, its file, the
normalized text of the flagged line(s) and of the flagged span, and how many identical
line windows come before it in the file. Inserting or deleting lines elsewhere, or
re-indenting, keeps the fingerprint; editing the flagged line makes the finding new.

``line_independent_fingerprint`` is the one place this is computed (SARIF's partial
fingerprints can reuse it).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from linter.diagnostics import Diagnostic
from linter.runner import RunResult
from linter.source import SourceFile

FORMAT_VERSION = 1
_MAX_LINES = 20
"""Flagged lines beyond this many (a whole function) do not add to the fingerprint."""

_cache: tuple[SourceFile | None, bytes, list[str]] = (None, b"", [])


def _normalize(text: str) -> str:
    return " ".join(text.split())


def _normalized_lines(source: SourceFile) -> list[str]:
    global _cache
    cached, data, lines = _cache
    if cached is not source or data is not source.data:
        lines = [_normalize(source.line_text(n)) for n in range(1, source.line_count + 1)]
        _cache = (source, source.data, lines)
    return lines


def line_independent_fingerprint(diagnostic: Diagnostic, source: SourceFile, path: str | None = None) -> str:
    """A stable id of ``diagnostic`` in ``source`` that does not depend on its line number.

    ``path`` replaces ``diagnostic.path`` in the key (baselines use a path relative to
    the baseline file, so the fingerprint does not depend on the working directory).
    """
    lines = _normalized_lines(source)
    first = max(1, min(diagnostic.line, len(lines)))
    last = max(first, min(diagnostic.end_line, len(lines), first + _MAX_LINES - 1))
    size = last - first + 1
    window = lines[first - 1 : last]
    occurrence = sum(1 for start in range(first - 1) if lines[start : start + size] == window)
    span = source.data[diagnostic.start_byte : diagnostic.end_byte].decode("utf-8", errors="replace")
    key = "\0".join(
        [
            diagnostic.code,
            (path if path is not None else diagnostic.path).replace(os.sep, "/"),
            "\n".join(window),
            _normalize(span)[:500],
            str(occurrence),
        ]
    )
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


class BaselineError(Exception):
    """A baseline file that cannot be read or is not a baseline."""


def _relative(path: str, directory: str) -> str:
    return os.path.relpath(os.path.abspath(path), directory).replace(os.sep, "/")


def _fingerprint(d: Diagnostic, sources: dict[str, SourceFile], directory: str) -> str:
    relative = _relative(d.path, directory)
    source = sources.get(d.path)
    if source is None:  # no text to anchor on: fall back to the message
        key = "\0".join([d.code, relative, d.message])
        return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    return line_independent_fingerprint(d, source, relative)


def _reportable(d: Diagnostic) -> bool:
    return not d.extra.get("internal_error")


def write_baseline(file: str, result: RunResult) -> int:
    """Write every finding of ``result`` to the baseline ``file``; returns how many."""
    directory = os.path.dirname(os.path.abspath(file))
    findings: list[dict[str, Any]] = [
        {
            "fingerprint": _fingerprint(d, result.sources, directory),
            "code": d.code,
            "name": d.name,
            "path": _relative(d.path, directory),
            "message": d.message,
        }
        for d in result.diagnostics
        if _reportable(d)
    ]
    findings.sort(key=lambda f: (f["path"], f["code"], f["message"], f["fingerprint"]))
    document = {"wasm-go-lint-baseline": FORMAT_VERSION, "findings": findings}
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    try:
        with open(file, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        raise BaselineError(f"cannot write baseline {file}: {exc.strerror or exc}") from exc
    return len(findings)


@dataclass
class Baseline:
    file: str
    fingerprints: Counter[str]

    @property
    def directory(self) -> str:
        return os.path.dirname(os.path.abspath(self.file))


def load_baseline(file: str) -> Baseline:
    try:
        with open(file, encoding="utf-8") as handle:
            document = json.load(handle)
    except FileNotFoundError as exc:
        raise BaselineError(
            f"baseline {file} does not exist; create it with --write-baseline {file}"
        ) from exc
    except OSError as exc:
        raise BaselineError(f"cannot read baseline {file}: {exc.strerror or exc}") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BaselineError(f"baseline {file} is not valid JSON: {exc}") from exc
    if not isinstance(document, dict) or "wasm-go-lint-baseline" not in document:
        raise BaselineError(f"{file} is not a wasm-go-lint baseline (written by --write-baseline)")
    version = document["wasm-go-lint-baseline"]
    if version != FORMAT_VERSION:
        raise BaselineError(
            f"baseline {file} has format version {version!r}; this version reads {FORMAT_VERSION}"
        )
    findings = document.get("findings")
    if not isinstance(findings, list) or not all(
        isinstance(f, dict) and isinstance(f.get("fingerprint"), str) for f in findings
    ):
        raise BaselineError(f"baseline {file}: 'findings' must be a list of objects with a 'fingerprint'")
    return Baseline(file, Counter(f["fingerprint"] for f in findings))


@dataclass
class Filtered:
    result: RunResult
    hidden: int


def apply_baseline(result: RunResult, baseline: Baseline) -> Filtered:
    """Hide the findings of ``result`` that ``baseline`` records (each entry hides one)."""
    budget = Counter(baseline.fingerprints)
    kept: list[Diagnostic] = []
    hidden = 0
    for d in result.diagnostics:
        if _reportable(d):
            fingerprint = _fingerprint(d, result.sources, baseline.directory)
            if budget[fingerprint] > 0:
                budget[fingerprint] -= 1
                hidden += 1
                continue
        kept.append(d)
    return Filtered(_with_diagnostics(result, kept), hidden)


def _with_diagnostics(result: RunResult, diagnostics: Sequence[Diagnostic]) -> RunResult:
    paths = {d.path for d in diagnostics}
    sources = {p: s for p, s in result.sources.items() if p in paths}
    return dataclasses.replace(result, diagnostics=list(diagnostics), sources=sources)
