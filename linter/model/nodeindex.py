"""Where a file's calls and func literals are, for lookups by byte range.

Many model facts start from "the calls inside this body" (call graphs, lifecycle
events, buffer-limit calls). Running a query over each body again re-traverses it
in C for every question; instead the engine's shared walk, which visits these two
node types anyway, records them in document order, and ``within`` answers with two
bisections. A file the engine does not walk (a package sibling read for facts, a
context built outside the engine) is indexed by one query pass on first use.
"""

from __future__ import annotations

from bisect import bisect_left

from tree_sitter import Node, QueryCursor

from linter.model.query import of_types

INDEXED_TYPES = ("call_expression", "func_literal")


class NodeIndex:
    __slots__ = ("_nodes", "_starts")

    def __init__(self) -> None:
        self._nodes: dict[str, list[Node]] = {t: [] for t in INDEXED_TYPES}
        self._starts: dict[str, list[int]] = {}

    @classmethod
    def of(cls, root: Node) -> NodeIndex:
        index = cls()
        for _, captured in QueryCursor(of_types(INDEXED_TYPES)).matches(root):
            index.add(captured["node"][0])
        return index

    def add(self, node: Node) -> None:
        """Record ``node``; nodes must come in pre-order (as the walk yields them)."""
        self._nodes[node.type].append(node)

    def within(self, node: Node, node_type: str) -> list[Node]:
        """The indexed nodes of ``node_type`` inside ``node`` (``node`` itself
        included when it is one), in document order, outer before inner."""
        nodes = self._nodes[node_type]
        starts = self._starts.get(node_type)
        if starts is None or len(starts) != len(nodes):
            starts = self._starts[node_type] = [n.start_byte for n in nodes]
        low = bisect_left(starts, node.start_byte)
        high = bisect_left(starts, node.end_byte, low)
        while low < high and nodes[low].end_byte > node.end_byte:
            low += 1  # an enclosing node that starts where ``node`` does: ``func() {...}()``
        return nodes[low:high]
