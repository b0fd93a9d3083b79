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
import itertools
import sys
from array import array

WINDOW = 100
BASE = 37
EOF_MARKER = 0xFFFF
_MASK = (1 << 64) - 1
_LF = 0x0A
# BASE ** WINDOW (mod 2**64): the weight of the code unit that leaves the window.
_LEAVING_WEIGHT = pow(BASE, WINDOW, 1 << 64)


def _normalized_units(text: str) -> array[int]:
    """The UTF-16 code units GitHub's hash reads: CRLF and lone CR as LF (a space or tab
    between CR and LF breaks the pair, as in a character-by-character reading), spaces
    and tabs dropped, then the end-of-file marker."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace(" ", "").replace("\t", "")
    units = array("H")
    units.frombytes(text.encode("utf-16-le", errors="surrogatepass"))
    if sys.byteorder == "big":
        units.byteswap()
    units.append(EOF_MARKER)
    return units


def line_hashes(text: str) -> list[str]:
    """``primaryLocationLineHash`` of every line of ``text``, line 1 first.

    The list has one entry per line start the algorithm sees: text ending in a line
    break gets an extra entry for the empty last line, as GitHub's does.
    """
    window = [0] * WINDOW  # the last WINDOW units, a ring indexed by `slot`
    starts = [False] * WINDOW  # does a line start at this slot? (lines end in order)
    seen: dict[str, int] = {}
    out: list[str] = []
    value = 0
    slot = 0
    at_line_start = True
    # Feed the text, then WINDOW zeros so the last lines fill their window too. A line's
    # hash is taken when the ring comes back to its first unit, i.e. when the window
    # holds exactly the WINDOW units from the line's start.
    units = _normalized_units(text)
    real = len(units)
    for index, unit in enumerate(itertools.chain(units, itertools.repeat(0, WINDOW))):
        if starts[slot]:
            key = format(value, "x")
            seen[key] = seen.get(key, 0) + 1
            out.append(f"{key}:{seen[key]}")
            starts[slot] = False
        if at_line_start and index < real:  # the padding zeros start no line
            starts[slot] = True
            at_line_start = False
        if unit == _LF:
            at_line_start = True
        value = (value * BASE + unit - window[slot] * _LEAVING_WEIGHT) & _MASK
        window[slot] = unit
        slot = slot + 1 if slot + 1 < WINDOW else 0
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
