"""Call shapes, normalised.

tree-sitter-go parses ``wrapper.SetCtx[Config](...)`` as a call of an
``index_expression`` and ``wrapper.ProcessRequestHeaders[Config](f)`` as a
``type_conversion_expression`` of a generic type. ``call_parts`` gives one view of
all of them: who is called (qualifier and name) and the argument nodes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from tree_sitter import Node

if TYPE_CHECKING:
    from linter.rule import FileContext

CALL_NODE_TYPES = ("call_expression", "type_conversion_expression")


@dataclass(frozen=True)
class Callee:
    qualifier: Node | None
    """The operand before the dot (an identifier for ``pkg.F``, any expression for
    a method call), or None for a bare ``F``."""
    name: str
    node: Node
    """The callee expression without type arguments."""


def _text(node: Node) -> str:
    return node.text.decode("utf-8", errors="replace") if node.text is not None else ""


def callee_of(expr: Node) -> Callee | None:
    while expr.type in ("index_expression", "generic_type", "parenthesized_expression"):
        inner = expr.child_by_field_name("operand") or expr.child_by_field_name("type")
        if inner is None and expr.type == "parenthesized_expression" and expr.named_children:
            inner = expr.named_children[0]
        if inner is None:
            return None
        expr = inner
    if expr.type == "selector_expression":
        field = expr.child_by_field_name("field")
        operand = expr.child_by_field_name("operand")
        if field is None:
            return None
        return Callee(operand, _text(field), expr)
    if expr.type == "qualified_type":
        package = expr.child_by_field_name("package")
        name = expr.child_by_field_name("name")
        if name is None:
            return None
        return Callee(package, _text(name), expr)
    if expr.type in ("identifier", "type_identifier"):
        return Callee(None, _text(expr), expr)
    return None


def called_name(call: Node) -> bytes | None:
    """The name a ``call_expression`` calls, as source bytes: ``F`` of ``F(x)``,
    ``pkg.F(x)``, ``v.F(x)`` and ``F[T](x)``; None for other callees (a func literal,
    a call result). A cheap filter before ``call_parts``."""
    function = call.child_by_field_name("function")
    if function is not None and function.type == "index_expression":
        function = function.child_by_field_name("operand")
    if function is not None and function.type == "selector_expression":
        function = function.child_by_field_name("field")
    elif function is not None and function.type != "identifier":
        return None
    return function.text if function is not None else None


def function_values(calls: list[Node]) -> list[Node]:
    """The arguments of ``calls`` that may be function values (``onReply``,
    ``c.onReply``), in document order."""
    values: list[Node] = []
    for call in calls:
        arguments = call.child_by_field_name("arguments")
        if arguments is not None and arguments.type == "argument_list":
            values.extend(a for a in arguments.named_children if a.type in ("identifier", "selector_expression"))
    values.sort(key=lambda n: n.start_byte)
    return values


PROGRAM_ENDERS = {
    "os": ("Exit",),
    "log": ("Fatal", "Fatalf", "Fatalln", "Panic", "Panicf", "Panicln"),
}
"""Standard-library calls that never return."""


def ends_program(statement: Node, fctx: FileContext) -> str | None:
    """``"panic"`` when the statement is a call of the builtin ``panic``, ``"exit"`` for
    ``os.Exit`` and ``log.Fatal*``/``log.Panic*`` (through the file's imports); else None.
    Control never comes back from either."""
    call = next((c for c in statement.named_children if c.type != "comment"), None)
    if statement.type != "expression_statement" or call is None or call.type != "call_expression":
        return None
    function = call.child_by_field_name("function")
    if function is None:
        return None
    if function.type == "identifier":
        if function.text == b"panic" and not fctx.package.declares("panic"):
            return "panic"
        if not fctx.imports.dot_imports:
            return None  # a dot import is the only way a bare name is os.Exit
    for path, members in PROGRAM_ENDERS.items():
        if fctx.refers_to(function, {path}, *members):
            return "exit"
    return None


_PARTS: dict[int, tuple[Callee, list[Node]] | None] = {}


def forget_calls() -> None:
    """Drop the memos of ``call_parts`` and ``parameters``: node ids are only unique
    while their trees live, so the engine calls this before each package."""
    from linter.model.functions import forget_parameters

    _PARTS.clear()
    forget_parameters()


def call_parts(node: Node) -> tuple[Callee, list[Node]] | None:
    """The callee and argument nodes of a call (or generic instantiation call);
    memoised, since several rules look at every call."""
    key = node.id
    if key in _PARTS:
        return _PARTS[key]
    parts = _call_parts(node)
    _PARTS[key] = parts
    return parts


def _call_parts(node: Node) -> tuple[Callee, list[Node]] | None:
    if node.type == "call_expression":
        function = node.child_by_field_name("function")
        arguments = node.child_by_field_name("arguments")
        if function is None:
            return None
        callee = callee_of(function)
        args = [c for c in arguments.named_children if c.type != "comment"] if arguments else []
        return (callee, args) if callee else None
    if node.type == "type_conversion_expression":
        type_node = node.child_by_field_name("type")
        operand = node.child_by_field_name("operand")
        if type_node is None or type_node.type != "generic_type" or operand is None:
            return None
        callee = callee_of(type_node)
        return (callee, [operand]) if callee else None
    return None
