"""tree-sitter-go set-up and syntax-error handling.

One ``Parser`` per process. tree-sitter's error recovery can swallow every
declaration after a syntax error into one ERROR node, so a file with errors is
re-examined one top-level declaration at a time: declarations that parse alone are
analysed as usual; the broken ones are reported (WG000, at the innermost error) and
blanked out of the analysed tree, byte offsets unchanged.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from functools import cache

import tree_sitter_go
from tree_sitter import Language, Node, Parser, Point, Range, Tree

from linter.source import SourceFile

_TOP_LEVEL = re.compile(rb"^(?:func|type|var|const|import)\b", re.M)


@cache
def go_language() -> Language:
    return Language(tree_sitter_go.language())


@cache
def _parser() -> Parser:
    return Parser(go_language())


def parse(data: bytes) -> Tree:
    return _parser().parse(data)


@dataclass(frozen=True)
class SyntaxErrorSpan:
    start_byte: int
    end_byte: int
    missing: str | None
    """For a MISSING node, the token tree-sitter expected (e.g. ``}``)."""


@dataclass(frozen=True)
class ParsedFile:
    tree: Tree
    errors: list[SyntaxErrorSpan]


def parse_source(source: SourceFile) -> ParsedFile:
    tree = parse(source.data)
    if not tree.root_node.has_error:
        return ParsedFile(tree, [])
    chunks = _top_level_chunks(source.data)
    broken: list[tuple[int, int, list[SyntaxErrorSpan]]] = []
    for start, end in chunks:
        errors = _chunk_errors(source, start, end)
        if errors:
            broken.append((start, end, errors))
    if not broken or len(broken) == len(chunks):
        return ParsedFile(tree, syntax_errors(tree))
    patched = bytearray(source.data)
    for start, end, _ in broken:
        patched[start:end] = re.sub(rb"[^\n]", b" ", bytes(patched[start:end]))
    errors = [span for _, _, spans in broken for span in spans]
    return ParsedFile(parse(bytes(patched)), errors)


def _top_level_chunks(data: bytes) -> list[tuple[int, int]]:
    starts = [m.start() for m in _TOP_LEVEL.finditer(data)]
    bounds = [*starts, len(data)]
    return list(itertools.pairwise(bounds))


def _chunk_errors(source: SourceFile, start: int, end: int) -> list[SyntaxErrorSpan]:
    parser = _parser()
    parser.included_ranges = [Range(_point(source, start), _point(source, end), start, end)]
    try:
        tree = parser.parse(source.data)
    finally:
        parser.included_ranges = []
    return syntax_errors(tree)


def _point(source: SourceFile, offset: int) -> Point:
    line = source.line_of(offset)
    point: Point = Point(line - 1, offset - source.line_start(line))
    return point


def syntax_errors(tree: Tree) -> list[SyntaxErrorSpan]:
    """The innermost ERROR nodes and every MISSING node, in source order.

    An ERROR that contains other ERRORs is where recovery gave up, not where the
    mistake is; the innermost one is. Only subtrees flagged ``has_error`` are visited.
    """
    root = tree.root_node
    if not root.has_error:
        return []
    found: list[SyntaxErrorSpan] = []
    stack: list[Node] = [root]
    while stack:
        node = stack.pop()
        if node.is_missing:
            found.append(SyntaxErrorSpan(node.start_byte, node.end_byte, node.type))
            continue
        inner = [c for c in node.children if c.has_error or c.is_missing]
        if node.is_error and not any(c.is_error or c.has_error for c in inner):
            found.append(SyntaxErrorSpan(node.start_byte, node.end_byte, None))
            continue
        stack.extend(reversed(inner))
    found.sort(key=lambda s: (s.start_byte, s.end_byte))
    merged: list[SyntaxErrorSpan] = []
    for span in found:
        last = merged[-1] if merged else None
        if last and span.missing is None and last.missing is None and span.start_byte <= last.end_byte:
            merged[-1] = SyntaxErrorSpan(last.start_byte, max(last.end_byte, span.end_byte), None)
        else:
            merged.append(span)
    return merged
