"""Function-shaped nodes: declarations, methods, literals, and their parameters."""

from __future__ import annotations

from dataclasses import dataclass

from tree_sitter import Node

FUNCTION_NODE_TYPES = ("function_declaration", "method_declaration", "func_literal")


@dataclass(frozen=True)
class Parameter:
    name: str | None
    type: Node | None
    variadic: bool = False

    @property
    def type_text(self) -> str:
        return _text(self.type) if self.type is not None else ""


def _text(node: Node) -> str:
    """Text of a small node (a name or a type)."""
    text = node.text
    return text.decode("utf-8", errors="replace") if text is not None else ""


_PARAMETERS: dict[int, list[Parameter]] = {}


def forget_parameters() -> None:
    """Drop the memo of ``parameters`` (node ids are unique only while trees live)."""
    _PARAMETERS.clear()


def parameters(function: Node) -> list[Parameter]:
    """Parameters in order, ``a, b int`` flattened to two entries (memoised)."""
    found = _PARAMETERS.get(function.id)
    if found is None:
        found = _PARAMETERS[function.id] = _parameters(function)
    return found


def _parameters(function: Node) -> list[Parameter]:
    plist = function.child_by_field_name("parameters")
    if plist is None:
        return []
    found: list[Parameter] = []
    for decl in plist.named_children:
        if decl.type not in ("parameter_declaration", "variadic_parameter_declaration"):
            continue
        type_node = decl.child_by_field_name("type")
        names = decl.children_by_field_name("name")
        variadic = decl.type == "variadic_parameter_declaration"
        if not names:
            found.append(Parameter(None, type_node, variadic))
        found.extend(Parameter(_text(n), type_node, variadic) for n in names)
    return found


def body_of(function: Node) -> Node | None:
    return function.child_by_field_name("body")


def enclosing_function(node: Node) -> Node | None:
    current = node.parent
    while current is not None and current.type not in FUNCTION_NODE_TYPES:
        current = current.parent
    return current


def display_name(function: Node) -> str:
    if function.type == "func_literal":
        return f"func literal at line {function.start_point.row + 1}"
    name = function.child_by_field_name("name")
    return _text(name) if name is not None else "function"
