"""Compiled tree-sitter queries for model facts.

Queries run in C over a node's range: the model uses them to gather facts
(registration calls, writes inside a function) without a Python tree walk.
"""

from __future__ import annotations

from functools import cache

from tree_sitter import Node, Query, QueryCursor

from linter.parse import go_language


@cache
def compiled(source: str) -> Query:
    query: Query = Query(go_language(), source)
    return query


def captures(source: str, node: Node) -> dict[str, list[Node]]:
    """Captures of ``source`` within ``node``, each list in document order."""
    found = QueryCursor(compiled(source)).captures(node)
    return {name: sorted(nodes, key=lambda n: n.start_byte) for name, nodes in found.items()}


@cache
def of_types(node_types: tuple[str, ...]) -> Query:
    """One pattern matching every node of ``node_types``, captured as ``node``: its
    matches come out in pre-order (outer before inner), one traversal in C."""
    return compiled("[" + " ".join(f"({t})" for t in node_types) + "] @node")
