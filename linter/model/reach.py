"""What runs when: the functions a handler reaches, and which names a local shadows.

``reach`` follows, from some root functions (handlers, parse functions), every
same-package function they call or hand on as a function value (named callbacks,
method values), and the func literals written inside them (callbacks, closures):
the literals are part of the body, so a function's facts are read over its whole
body. Each function is reached once, by the first root (in the order given) that
gets there; so callers list the roots they care most about first.

Calls are resolved like the lifecycle does: ``f(...)`` and ``f`` as a value to a
package function unless a local shadows ``f``; ``x.m(...)``/``x.m`` through the
declared type of ``x`` (all implementations for a package interface). Anything
else (another package's code, a value whose type is not declared) is not followed.
(``linter.model.callgraph`` resolves methods by name instead, an over-approximation
for rules that reaching more makes quieter.)

``shadowed`` answers "does ``name`` at this use denote a local?" by looking at the
declarations in the enclosing scopes, in source order, up to the top-level
declaration: a parameter, receiver or named result, a ``:=``/``var``/``const``
before the use in an enclosing statement list, an ``if``/``switch``/``for``
initialiser, a ``range`` clause, a type-switch binding or a ``case v := <-ch``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tree_sitter import Node

from linter.lifecycle.ops import Classifier
from linter.model.calls import call_parts, function_values
from linter.model.functions import FUNCTION_NODE_TYPES, body_of
from linter.model.package import FunctionSymbol
from linter.model.plugin import TICK_FUNCTIONS

if TYPE_CHECKING:
    from linter.rule import FileContext, PackageContext

@dataclass(frozen=True)
class Root:
    function: Node
    file: FileContext
    role: str
    """How the root is described in messages: ``the request headers handler `f```."""


@dataclass(frozen=True)
class Reached:
    function: Node
    file: FileContext
    root: Root
    via: str | None
    """The name of the function that first called or handed on this one; None for a root."""


EdgeFilter = Callable[[Reached, Node], bool]
"""Decides whether the call or function value ``node`` inside a reached function
is followed."""


def reach(
    pkg: PackageContext,
    roots: Iterable[Root],
    skip: Collection[int] = (),
    classifier: Classifier | None = None,
    follow: EdgeFilter | None = None,
) -> list[Reached]:
    """Every function reached from ``roots``, each once, roots first.

    ``skip`` holds ids of function-valued nodes (func literals, identifiers) that
    must not be followed, e.g. tick functions registered inside a parse function;
    a skipped literal's body is left out of the function that contains it.
    ``follow``, when given, filters the other edges.
    """
    classifier = classifier or pkg.classifier
    reached: list[Reached] = []
    seen: set[int] = set()
    queue: deque[Reached] = deque()
    for root in roots:
        if root.function.id not in seen:
            seen.add(root.function.id)
            queue.append(Reached(root.function, root.file, root, None))
    while queue:
        item = queue.popleft()
        reached.append(item)
        for symbol in _callees(item, pkg, classifier, skip, follow):
            if symbol.node.id in seen:
                continue
            seen.add(symbol.node.id)
            queue.append(Reached(symbol.node, symbol.file, item.root, _name(item.function, item.file)))
    return reached


def tick_functions(pkg: PackageContext) -> set[int]:
    """Ids of the function values passed to ``RegisterTickFunc``: they run on the
    VM's timer, outside any request and after the parse function returned."""
    found: set[int] = set()
    for entry in pkg.plugin.entry_calls:
        parts = call_parts(entry.node) if entry.function in TICK_FUNCTIONS else None
        if parts is not None and len(parts[1]) > 1:
            found.add(parts[1][1].id)
    return found


def _callees(
    item: Reached, pkg: PackageContext, classifier: Classifier, skip: Collection[int], follow: EdgeFilter | None
) -> list[FunctionSymbol]:
    fctx = item.file
    body = body_of(item.function)
    if body is None:
        return []
    calls = fctx.within(body, "call_expression")
    excluded = [(n.start_byte, n.end_byte) for n in fctx.within(body, "func_literal") if n.id in skip]

    def live(node: Node) -> bool:
        if node.id in skip or any(start <= node.start_byte < end for start, end in excluded):
            return False
        return follow is None or follow(item, node)

    callees: list[FunctionSymbol] = []
    for call in calls:
        if not live(call):
            continue
        parts = call_parts(call)
        if parts is None:
            continue
        callee, _ = parts
        if callee.qualifier is None:
            callees.extend(_function_value(callee.node, callee.name, fctx, pkg))
        elif callee.node.type == "selector_expression":
            callees.extend(_method_value(callee.node, callee.qualifier, callee.name, fctx, classifier))
    for value in function_values(calls):
        if not live(value):
            continue
        if value.type == "identifier":
            callees.extend(_function_value(value, fctx.text(value), fctx, pkg))
        else:
            operand = value.child_by_field_name("operand")
            member = value.child_by_field_name("field")
            if operand is not None and member is not None:
                callees.extend(_method_value(value, operand, fctx.text(member), fctx, classifier))
    return callees


def _function_value(node: Node, name: str, fctx: FileContext, pkg: PackageContext) -> list[FunctionSymbol]:
    symbol = pkg.facts.functions.get(name)
    if symbol is None or shadowed(name, node, fctx):
        return []
    return [symbol]


def _method_value(
    node: Node, operand: Node, name: str, fctx: FileContext, classifier: Classifier
) -> list[FunctionSymbol]:
    if name not in classifier.method_names:
        return []  # no type of this package has such a method (strings.ToLower, ctx.Path)
    if (
        operand.type == "identifier"
        and fctx.imports.path_of(fctx.text(operand)) is not None
        and not shadowed(fctx.text(operand), node, fctx)
    ):
        return []  # pkg.F of another package
    type_text = classifier.type_of(operand, node, fctx)
    if type_text is None:
        return []
    base = type_text.lstrip("*").split("[")[0]
    facts = classifier.facts
    symbol = facts.methods.get(base, {}).get(name)
    if symbol is not None:
        return [symbol]
    if base in classifier.interface_types:
        return [methods[name] for methods in facts.methods.values() if name in methods]
    return []


def _name(function: Node, fctx: FileContext) -> str:
    if function.type == "func_literal":
        return f"the func literal at line {function.start_point.row + 1}"
    name = function.child_by_field_name("name")
    return fctx.text(name) if name is not None else "a function"


# -- scopes ------------------------------------------------------------------------

_DECLARING = frozenset(
    {
        "short_var_declaration",
        "var_declaration",
        "const_declaration",
        "for_clause",
        "range_clause",
        "receive_statement",
    }
)


def shadowed(name: str, use: Node, fctx: FileContext) -> bool:
    """Is ``name``, as written at ``use``, declared by an enclosing local scope?"""
    node = use
    parent = node.parent
    while parent is not None and parent.type != "source_file":
        if parent.type in FUNCTION_NODE_TYPES and _declares_parameter(parent, name, fctx):
            return True
        if parent.type == "type_switch_statement" and _alias_names(parent, fctx) & {name}:
            alias = parent.child_by_field_name("alias")
            if alias is not None and alias.end_byte <= use.start_byte:
                return True
        for sibling in parent.children:
            if sibling.start_byte >= node.start_byte:
                break
            if sibling.type in _DECLARING and name in _declared_names(sibling, fctx):
                return True
        node = parent
        parent = node.parent
    return False


def _declares_parameter(function: Node, name: str, fctx: FileContext) -> bool:
    for field_name in ("receiver", "parameters", "result"):
        plist = function.child_by_field_name(field_name)
        if plist is None or plist.type != "parameter_list":
            continue
        for decl in plist.named_children:
            if any(fctx.text(n) == name for n in decl.children_by_field_name("name")):
                return True
    return False


def _alias_names(statement: Node, fctx: FileContext) -> set[str]:
    alias = statement.child_by_field_name("alias")
    return {fctx.text(n) for n in alias.named_children} if alias is not None else set()


def _declared_names(statement: Node, fctx: FileContext) -> set[str]:
    kind = statement.type
    if kind == "short_var_declaration":
        left = statement.child_by_field_name("left")
        return {fctx.text(n) for n in left.named_children if n.type == "identifier"} if left else set()
    if kind in ("range_clause", "receive_statement"):
        if not any(c.type == ":=" for c in statement.children):
            return set()
        left = statement.child_by_field_name("left")
        return {fctx.text(n) for n in left.named_children if n.type == "identifier"} if left else set()
    if kind == "for_clause":
        initializer = statement.child_by_field_name("initializer")
        return _declared_names(initializer, fctx) if initializer is not None else set()
    if kind in ("var_declaration", "const_declaration"):
        names: set[str] = set()
        for spec in statement.named_children:
            specs = spec.named_children if spec.type == "var_spec_list" else [spec]
            for item in specs:
                names.update(fctx.text(n) for n in item.children_by_field_name("name"))
        return names
    return set()
