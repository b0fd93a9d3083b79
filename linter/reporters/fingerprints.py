"""Fingerprints that let CI systems recognise the same finding across runs.

``line_hashes`` reproduces GitHub code scanning's ``primaryLocationLineHash`` (the
value the ``upload-sarif`` action would compute itself when a result has none): for
each line, a rolling hash over the next 100 UTF-16 code units of the file from the
line's first character, with spaces and tabs skipped and CR / CRLF read as LF. The
window is fed an end-of-file marker (65535) and then zeros, so the last lines hash the
end of the file too. A value is the unsigned 64-bit hash in lower-case hex, ``:`` and a
1-based count of earlier lines of the same file with the same hash.

``stable_fingerprint`` is our own line-independent identity: rule, repository-relative
path, the flagged line's text with whitespace normalised, and the index of the finding
among findings with the same three values. Adding lines above a finding changes
neither value's meaning: GitHub's hash only looks forward from the line start, ours
not at line numbers at all.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

WINDOW = 100
BASE = 37
EOF_MARKER = 0xFFFF
_MASK = (1 << 64) - 1
_SPACE, _TAB, _LF, _CR = 0x20, 0x09, 0x0A, 0x0D
# BASE ** WINDOW (mod 2**64): the weight of the code unit that leaves the window.
_LEAVING_WEIGHT = pow(BASE, WINDOW, 1 << 64)


def _utf16_units(text: str) -> Iterable[int]:
    data = text.encode("utf-16-le", errors="surrogatepass")
    for i in range(0, len(data), 2):
        yield data[i] | (data[i + 1] << 8)


def line_hashes(text: str) -> list[str]:
    """``primaryLocationLineHash`` of every line of ``text``, line 1 first.

    The list has one entry per line start the algorithm sees: text ending in a line
    break gets an extra entry for the empty last line, as GitHub's does.
    """
    window = [0] * WINDOW
    starts = [False] * WINDOW  # does a line start at this window slot? (lines end in order)
    state = {"hash": 0, "slot": 0}
    seen: dict[str, int] = {}
    out: list[str] = []

    def emit() -> None:
        slot = state["slot"]
        value = format(state["hash"], "x")
        seen[value] = seen.get(value, 0) + 1
        out.append(f"{value}:{seen[value]}")
        starts[slot] = False

    def push(unit: int) -> None:
        slot = state["slot"]
        leaving = window[slot]
        window[slot] = unit
        state["hash"] = (state["hash"] * BASE + unit - leaving * _LEAVING_WEIGHT) & _MASK
        state["slot"] = (slot + 1) % WINDOW

    at_line_start = True
    after_cr = False

    def feed(unit: int) -> None:
        nonlocal at_line_start, after_cr
        if unit in (_SPACE, _TAB) or (after_cr and unit == _LF):
            after_cr = False
            return
        after_cr = unit == _CR
        if after_cr:
            unit = _LF
        if starts[state["slot"]]:
            emit()  # the window now holds WINDOW units from that line's start
        if at_line_start:
            at_line_start = False
            starts[state["slot"]] = True
        if unit == _LF:
            at_line_start = True
        push(unit)

    for unit in _utf16_units(text):
        feed(unit)
    feed(EOF_MARKER)
    for _ in range(WINDOW):
        if starts[state["slot"]]:
            emit()
        push(0)
    return out


def line_hash(text: str, line: int) -> str | None:
    """GitHub's hash for 1-based ``line`` of ``text``, or None past the end."""
    hashes = line_hashes(text)
    return hashes[line - 1] if 0 < line <= len(hashes) else None


def normalized_line(text: str) -> str:
    """A line's text with runs of whitespace collapsed and the ends stripped."""
    return " ".join(text.split())


def stable_fingerprint(code: str, path: str, line_text: str, occurrence: int) -> str:
    """sha256 of rule code, repository-relative path, normalised line text and index."""
    key = "\0".join((code, path, normalized_line(line_text), str(occurrence)))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()
