"""What rules report: diagnostics, fixes and edits."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"info": 0, "warning": 1, "error": 2}[self.value]


class Applicability(enum.Enum):
    SAFE = "safe"
    UNSAFE = "unsafe"


@dataclass(frozen=True)
class Edit:
    """Replace the bytes ``[start_byte, end_byte)`` of a file with ``content``."""

    start_byte: int
    end_byte: int
    content: str
    start: tuple[int, int] | None = None
    """1-based (line, column in characters), filled in when the fix is reported."""
    end: tuple[int, int] | None = None


@dataclass(frozen=True)
class Fix:
    message: str
    applicability: Applicability
    edits: tuple[Edit, ...]


@dataclass
class Diagnostic:
    code: str
    name: str
    severity: Severity
    message: str
    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    start_byte: int
    end_byte: int
    fix: Fix | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.path, self.line, self.column, self.code, self.message)


@dataclass(frozen=True)
class Notice:
    """A problem with the input rather than the code: the file was not analysed."""

    path: str
    message: str

    def one_line(self) -> str:
        return f"{self.path}: {self.message}"
