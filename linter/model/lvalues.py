"""What an assignment target writes to: the variable at its root and the path."""

from __future__ import annotations

from tree_sitter import Node


def access_chain(target: Node) -> tuple[Node, list[Node]] | None:
    """The root identifier of ``g``, ``g.f``, ``g[k]``, ``(*g).f``, ``g.a[i].b``, and
    the steps from it outwards (``field_identifier`` nodes, or the ``index_expression``
    for an index); None when the target is not rooted at a name."""
    steps: list[Node] = []
    node: Node | None = target
    while node is not None:
        kind = node.type
        if kind == "identifier":
            steps.reverse()
            return node, steps
        if kind == "selector_expression":
            field = node.child_by_field_name("field")
            if field is None:
                return None
            steps.append(field)
            node = node.child_by_field_name("operand")
        elif kind == "index_expression":
            steps.append(node)
            node = node.child_by_field_name("operand")
        elif kind == "parenthesized_expression":
            node = node.named_children[0] if node.named_children else None
        elif kind == "unary_expression":
            operator = node.child_by_field_name("operator")
            if operator is None or operator.type != "*":
                return None
            node = node.child_by_field_name("operand")
        else:
            return None
    return None
