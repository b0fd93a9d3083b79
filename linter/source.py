"""One Go source file: its bytes, a line index, and position conversions.

tree-sitter reports UTF-8 byte offsets; users and tools want 1-based lines with
columns counted in characters (JSON, text) or UTF-16 code units (SARIF, LSP).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Position:
    """A 1-based line and a 1-based column counted in Unicode code points."""

    line: int
    column: int


@dataclass
class SourceFile:
    path: str
    """The path as shown to users (as given, or relative to the working directory)."""
    data: bytes
    _starts: list[int] | None = field(default=None, repr=False, compare=False)

    @property
    def _line_starts(self) -> list[int]:
        """Byte offsets of line starts, computed on first use: most files of a run
        have no finding and never need a position."""
        if self._starts is None:
            starts = [0]
            find = self.data.find
            pos = find(b"\n")
            while pos != -1:
                starts.append(pos + 1)
                pos = find(b"\n", pos + 1)
            self._starts = starts
        return self._starts

    @property
    def line_count(self) -> int:
        return len(self._line_starts)

    def line_start(self, line: int) -> int:
        """Byte offset of the first byte of 1-based ``line``."""
        return self._line_starts[line - 1]

    def line_bytes(self, line: int) -> bytes:
        """The raw bytes of 1-based ``line`` without its line terminator."""
        start = self._line_starts[line - 1]
        end = self._line_starts[line] if line < len(self._line_starts) else len(self.data)
        return self.data[start:end].rstrip(b"\r\n")

    def line_text(self, line: int) -> str:
        return self.line_bytes(line).decode("utf-8", errors="replace")

    def line_of(self, byte_offset: int) -> int:
        return bisect.bisect_right(self._line_starts, byte_offset)

    def position(self, byte_offset: int) -> Position:
        line = self.line_of(byte_offset)
        start = self._line_starts[line - 1]
        prefix = self.data[start:byte_offset]
        return Position(line, len(prefix.decode("utf-8", errors="replace")) + 1)

    def utf16_column(self, byte_offset: int) -> int:
        """1-based column of ``byte_offset`` in UTF-16 code units."""
        line = self.line_of(byte_offset)
        prefix = self.data[self._line_starts[line - 1] : byte_offset]
        return len(prefix.decode("utf-8", errors="replace").encode("utf-16-le")) // 2 + 1

    def byte_offset(self, line: int, column: int) -> int:
        """Byte offset of a 1-based line and 1-based code-point column."""
        start = self._line_starts[line - 1]
        end = self._line_starts[line] if line < len(self._line_starts) else len(self.data)
        # The raw line, terminator included: a column may point at its "\r" or "\n".
        text = self.data[start:end].decode("utf-8", errors="surrogateescape")
        return start + len(text[: column - 1].encode("utf-8", errors="surrogateescape"))
