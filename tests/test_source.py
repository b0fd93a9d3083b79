"""SourceFile: byte offsets <-> (line, code-point column) <-> UTF-16 columns."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linter.source import Position, SourceFile


def boundaries(text: str) -> list[int]:
    """Byte offset of every code point of ``text``, plus the end."""
    offsets = [0]
    for char in text:
        offsets.append(offsets[-1] + len(char.encode("utf-8")))
    return offsets


def expected_position(text: str, char_index: int) -> Position:
    before = text[:char_index]
    line_start = before.rfind("\n") + 1
    return Position(before.count("\n") + 1, char_index - line_start + 1)


def test_ascii_positions() -> None:
    src = SourceFile("a.go", b"package main\n\nfunc f() {}\n")
    assert src.line_count == 4
    assert src.position(0) == Position(1, 1)
    assert src.position(8) == Position(1, 9)
    assert src.position(13) == Position(2, 1)
    assert src.position(14) == Position(3, 1)
    assert src.position(19) == Position(3, 6)
    assert src.byte_offset(3, 6) == 19
    assert src.line_text(3) == "func f() {}"


def test_multibyte_columns_count_code_points_and_utf16_units() -> None:
    text = 's := "héllo 世界 😀"; x'
    src = SourceFile("a.go", text.encode())
    x = text.index("x")
    offset = len(text[:x].encode())
    assert offset > x  # the test is about multi-byte characters
    assert src.position(offset) == Position(1, x + 1)
    # the emoji is two UTF-16 code units, everything else one
    assert src.utf16_column(offset) == x + 2
    assert src.byte_offset(1, x + 1) == offset


def test_crlf_lines() -> None:
    data = b"package main\r\n\r\nvar s = \"\xc3\xa9\"\r\n"
    src = SourceFile("a.go", data)
    assert src.line_count == 4
    assert src.line_text(1) == "package main"
    assert src.line_text(3) == 'var s = "é"'
    var = data.index(b"var")
    assert src.position(var) == Position(3, 1)
    closing = data.rindex(b'"')
    assert src.position(closing) == Position(3, 11)
    # positions on the terminator itself round-trip too ("\r" then "\n")
    cr = data.index(b"\r")
    assert src.position(cr) == Position(1, 13)
    assert src.position(cr + 1) == Position(1, 14)
    assert src.byte_offset(1, 13) == cr
    assert src.byte_offset(1, 14) == cr + 1


def test_no_trailing_newline() -> None:
    data = b"package main\nfunc f() {}"
    src = SourceFile("a.go", data)
    assert src.line_count == 2
    assert src.line_text(2) == "func f() {}"
    assert src.position(len(data)) == Position(2, 12)
    assert src.byte_offset(2, 12) == len(data)


def test_trailing_newline_end_is_an_empty_last_line() -> None:
    data = b"package main\n"
    src = SourceFile("a.go", data)
    assert src.position(len(data)) == Position(2, 1)
    assert src.byte_offset(2, 1) == len(data)
    assert src.line_text(2) == ""


def test_empty_file() -> None:
    src = SourceFile("a.go", b"")
    assert src.line_count == 1
    assert src.position(0) == Position(1, 1)
    assert src.byte_offset(1, 1) == 0
    assert src.utf16_column(0) == 1


def test_tabs_are_one_column() -> None:
    data = b"\t\tx := 1\n"
    src = SourceFile("a.go", data)
    assert src.position(data.index(b"x")) == Position(1, 3)
    assert src.utf16_column(data.index(b"x")) == 3


@pytest.mark.parametrize(
    ("text", "char"),
    [("世界x", "x"), ("a\U0001f600b", "b"), ("e\u0301z", "z"), ("\ufeffpackage", "p")],
)
def test_utf16_column(text: str, char: str) -> None:
    src = SourceFile("a.go", text.encode())
    index = text.index(char)
    offset = len(text[:index].encode())
    assert src.utf16_column(offset) == len(text[:index].encode("utf-16-le")) // 2 + 1


go_ish_text = st.lists(
    st.one_of(
        st.sampled_from(["\n", "\r\n", "\r", "\t", " ", "x", "{", '"']),
        st.text(st.characters(codec="utf-8"), max_size=6),
    ),
    max_size=30,
).map("".join)

crlf_lines = st.lists(
    st.text(st.characters(codec="utf-8", exclude_characters="\r\n"), max_size=20), max_size=8
)


@settings(max_examples=300, deadline=None)
@given(go_ish_text)
def test_positions_round_trip(text: str) -> None:
    data = text.encode("utf-8")
    src = SourceFile("a.go", data)
    assert src.line_count == text.count("\n") + 1
    for index, offset in enumerate(boundaries(text)):
        position = src.position(offset)
        assert position == expected_position(text, index)
        assert src.byte_offset(position.line, position.column) == offset
        line_start = text.rfind("\n", 0, index) + 1
        prefix = text[line_start:index]
        assert src.utf16_column(offset) == len(prefix.encode("utf-16-le")) // 2 + 1
        assert src.line_start(position.line) == len(text[:line_start].encode())


@settings(max_examples=200, deadline=None)
@given(crlf_lines, st.booleans())
def test_line_text_of_crlf_files(lines: list[str], trailing: bool) -> None:
    text = "\r\n".join(lines) + ("\r\n" if trailing else "")
    src = SourceFile("a.go", text.encode())
    expected = text.split("\r\n")
    assert src.line_count == len(expected)
    for number, line in enumerate(expected, start=1):
        assert src.line_text(number) == line
