"""Which same-package functions a set of functions reaches, transitively.

Edges are read from the calls of each function body (the file's node index, no tree walk):
calls of package functions (``helper(ctx)``), method calls (``c.check(ctx)``), and
package functions passed as values (``client.Get(url, nil, onReply)``, a callback
or a function handed to another helper). Func literals inside a body are part of
that body: what they call is reached too.

A method call resolves by name: with ``ambiguous_methods`` to every package type
that declares a method of that name (an over-approximation, right for "could this
be reached?"), without it only when exactly one type declares it.

Which graph to use: this one when reaching *more* makes a rule *quieter* (a buffer
limit set somewhere reachable, code that a recovering handler may also run);
``linter.model.reach`` (methods resolved through declared types, shadowing checked,
who reached what first) when every reached function can produce findings (writes to
package state). Both read calls from the node index; their edges differ on purpose.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from tree_sitter import Node

from linter.lifecycle.ops import has_effects
from linter.model.calls import function_values
from linter.model.package import FunctionSymbol
from linter.model.sdk import is_sdk_path
from linter.rule import FileContext, PackageContext

_IN_PLACE_METHODS = frozenset({"ForEach", "Range"})
"""Methods that call a func argument before returning (``gjson.Result.ForEach``, ``sync.Map.Range``)."""

@dataclass(frozen=True)
class Reached:
    node: Node
    """A ``function_declaration``, ``method_declaration`` or ``func_literal``."""
    file: FileContext


def reachable(
    roots: Iterable[tuple[Node, FileContext]],
    pkg: PackageContext,
    ambiguous_methods: bool = True,
    stop: Collection[Node] = (),
    stored_literals: bool = True,
) -> dict[int, Reached]:
    """The roots and every package function they reach, by node id.

    Functions in ``stop`` are not entered (unless they are roots), and what a func
    literal in ``stop`` calls is not followed from the body that contains it.
    Without ``stored_literals``, what a nested literal calls is followed only when
    the literal runs in place (see ``runs_in_place``), not when it is stored or
    handed to other code to run later.
    """
    memo = _memo(pkg)
    stopped = {node.id for node in stop}
    literals = [node for node in stop if node.type == "func_literal"]
    found: dict[int, Reached] = {}
    work = [Reached(node, fctx) for node, fctx in roots]
    while work:
        item = work.pop()
        if item.node.id in found:
            continue
        found[item.node.id] = item
        inner = [
            (lit.start_byte, lit.end_byte)
            for lit in literals
            if lit.id != item.node.id and _inside(lit, item.node)
        ]
        if not stored_literals:
            inner += [
                (lit.start_byte, lit.end_byte)
                for lit in item.file.within(item.node.child_by_field_name("body") or item.node, "func_literal")
                if not runs_in_place(lit, item.file)
            ]
        key = (item.node.id, ambiguous_methods, tuple(inner))
        edges = memo.edges.get(key)
        if edges is None:
            edges = memo.edges[key] = callees(item.node, item.file, pkg, memo.methods_by_name, ambiguous_methods, inner)
        for callee in edges:
            if callee.node.id not in stopped:
                work.append(callee)
    return found


@dataclass
class _Memo:
    """Per package (several rules ask for what overlapping roots reach)."""

    methods_by_name: dict[str, list[FunctionSymbol]]
    edges: dict[tuple[int, bool, tuple[tuple[int, int], ...]], list[Reached]] = field(default_factory=dict)
    """(function id, ambiguous methods, skipped ranges) -> what ``callees`` found."""


def _memo(pkg: PackageContext) -> _Memo:
    memo = pkg.memo.get(__name__)
    if not isinstance(memo, _Memo):
        by_name: dict[str, list[FunctionSymbol]] = {}
        for methods in pkg.facts.methods.values():
            for name, symbol in methods.items():
                by_name.setdefault(name, []).append(symbol)
        memo = pkg.memo[__name__] = _Memo(by_name)
    return memo


def _inside(node: Node, container: Node) -> bool:
    if not (container.start_byte <= node.start_byte and node.end_byte <= container.end_byte):
        return False
    current = node.parent
    while current is not None:
        if current.id == container.id:
            return True
        current = current.parent
    return False


def callees(
    function: Node,
    fctx: FileContext,
    pkg: PackageContext,
    methods_by_name: dict[str, list[FunctionSymbol]],
    ambiguous_methods: bool = True,
    skip: list[tuple[int, int]] | None = None,
) -> list[Reached]:
    """Package functions ``function`` calls or passes on; names inside a ``skip``
    byte range (nested literals that are followed separately) are left out."""
    body = function.child_by_field_name("body")
    if body is None:
        return []
    names: list[Node] = []
    selectors: list[Node] = []
    calls = fctx.within(body, "call_expression")
    for call in calls:
        callee = call.child_by_field_name("function")
        if callee is not None and callee.type == "identifier":
            names.append(callee)
        elif callee is not None and callee.type == "selector_expression":
            selectors.append(callee)
    names.extend(value for value in function_values(calls) if value.type == "identifier")
    if skip:
        names = [n for n in names if not any(start <= n.start_byte < end for start, end in skip)]
        selectors = [n for n in selectors if not any(start <= n.start_byte < end for start, end in skip)]
    functions = pkg.facts.functions
    out: list[Reached] = []
    for name_node in names:
        symbol = functions.get(fctx.text(name_node))
        if symbol is not None:
            out.append(Reached(symbol.node, symbol.file))
    for selector in selectors:
        operand = selector.child_by_field_name("operand")
        method = selector.child_by_field_name("field")
        if operand is None or method is None:
            continue
        if operand.type == "identifier" and fctx.imports.path_of(fctx.text(operand)) is not None:
            continue  # pkg.Function of another package
        owners = methods_by_name.get(fctx.text(method), [])
        if ambiguous_methods or len(owners) == 1:
            out.extend(Reached(symbol.node, symbol.file) for symbol in owners)
    return out


def runs_in_place(literal: Node, fctx: FileContext) -> bool:
    """Does a func literal run before the statement holding it completes? Yes when it
    is called on the spot (``func() {...}()``, also deferred) or handed to a standard
    library or data-library function (``sort.Slice``, ``strings.Map``) or to a
    ``ForEach``/``Range`` method; not when it is stored, returned, or handed to the SDK
    or other code that may keep it."""
    parent = literal.parent
    if parent is None:
        return False
    if parent.type == "call_expression":
        return True  # the literal is the callee: an immediate call
    if parent.type != "argument_list" or parent.parent is None:
        return False
    function = parent.parent.child_by_field_name("function")
    if function is None or function.type != "selector_expression":
        return False
    operand = function.child_by_field_name("operand")
    member = function.child_by_field_name("field")
    if operand is None or member is None:
        return False
    if operand.type == "identifier":
        path = fctx.imports.path_of(fctx.text(operand))
        if path is not None:
            return not is_sdk_path(path) and not has_effects(path)
    return fctx.text(member) in _IN_PLACE_METHODS


def file_of(node: Node, pkg: PackageContext) -> FileContext | None:
    """The file of the package whose tree holds ``node``."""
    root = node
    while root.parent is not None:
        root = root.parent
    return next((f for f in pkg.files if f.root == root), None)
