"""Static types of names and simple expressions, as far as declarations state them.

A rule that must know "is ``ch`` a channel?" or "is ``wg`` a ``sync.WaitGroup``?"
asks the package's ``LocalTypes.of(pkg).type_of(...)`` (one table per package, shared
by the rules). The first lookup inside a top-level
declaration reads that declaration's local declarations with one query over it (most
files look nothing up, and a lookup only ever needs the declarations of its own
function); ``type_of`` then picks the innermost declaration whose scope contains the
use and that comes before it (lexical shadowing). Package variables come from
``PackageFacts`` (any file of the package), struct fields from its type declarations.

Only what declarations and initialisers say is known (``x T``, ``x := make(chan T)``,
``x := &T{}``, ``x := sync.NewCond(..)``, ``x := f()`` for a same-package ``f`` with one
result, ``x := y``, ``y.field``); anything else is ``None`` and rules stay silent.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from tree_sitter import Node, QueryCursor

from linter.model.query import of_types

if TYPE_CHECKING:
    from linter.rule import FileContext, PackageContext

DECLARATION_NODE_TYPES = (
    "parameter_declaration",
    "variadic_parameter_declaration",
    "var_spec",
    "const_spec",
    "short_var_declaration",
    "range_clause",
    "receive_statement",
    "type_switch_statement",
)

_FUNCTIONS = ("function_declaration", "method_declaration", "func_literal")
_MAX_DEPTH = 8


@dataclass(frozen=True)
class TypeRef:
    """A named type (``path`` is its import path, ``""`` for the analysed package), or
    any channel type (``CHANNEL``). Pointers are dropped: method calls and field
    selections see through them."""

    path: str
    name: str
    constructed: bool = field(default=False, compare=False)
    """The type was inferred from a value built on the spot (composite literal,
    ``new``, ``make``, a constructor or a same-package function's result), not read
    from a declared type."""

    @property
    def is_channel(self) -> bool:
        return self == CHANNEL


CHANNEL = TypeRef("", "chan")  # `chan` is a keyword: no named type can clash

_CONSTRUCTORS = {("sync", "NewCond"): TypeRef("sync", "Cond")}


@dataclass(frozen=True)
class _Decl:
    visible_from: int
    scope_start: int
    scope_end: int
    type_node: Node | None
    value: Node | None


class LocalTypes:
    """The local types of one package, read on demand and shared by the rules that ask
    (``LocalTypes.of(pkg)``)."""

    def __init__(self) -> None:
        self._decls: dict[tuple[int, str], list[_Decl]] = {}
        """(file id, name) -> declarations read so far, in document order."""
        self._read_in: set[int] = set()
        """Ids of the top-level declarations whose locals were read."""

    @classmethod
    def of(cls, pkg: PackageContext) -> LocalTypes:
        found = pkg.memo.get(__name__)
        if not isinstance(found, LocalTypes):
            found = pkg.memo[__name__] = cls()
        return found

    def _read_around(self, use: Node, ctx: FileContext) -> None:
        """Read the local declarations of the top-level declaration holding ``use``."""
        top = use
        while top.parent is not None and top.parent.type != "source_file":
            top = top.parent
        if top.id in self._read_in:
            return
        self._read_in.add(top.id)
        for _, captured in QueryCursor(of_types(DECLARATION_NODE_TYPES)).matches(top):
            self._read(captured["node"][0], ctx)  # in document order

    def _read(self, node: Node, ctx: FileContext) -> None:
        """Add the names the declaration ``node`` declares to the table."""
        kind = node.type
        if kind in ("parameter_declaration", "variadic_parameter_declaration"):
            self._parameters(node, ctx)
        elif kind in ("var_spec", "const_spec"):
            self._spec(node, ctx)
        elif kind == "short_var_declaration":
            scope = _scope_of(node)
            left = node.child_by_field_name("left")
            right = node.child_by_field_name("right")
            if scope is not None and left is not None:
                self._names(ctx, left.named_children, node.end_byte, scope, None, right)
        elif kind in ("range_clause", "receive_statement"):
            left = node.child_by_field_name("left")
            parent = node.parent
            if left is not None and parent is not None and any(c.type == ":=" for c in node.children):
                self._names(ctx, left.named_children, node.end_byte, parent, None, None)
        elif kind == "type_switch_statement":
            alias = node.child_by_field_name("alias")
            value = node.child_by_field_name("value")
            if alias is not None and value is not None:
                self._names(ctx, alias.named_children, value.end_byte, node, None, None)

    def _parameters(self, node: Node, ctx: FileContext) -> None:
        plist = node.parent
        function = plist.parent if plist is not None else None
        if function is None or function.type not in _FUNCTIONS:
            return  # a parameter of a function *type* declares nothing
        type_node = node.child_by_field_name("type") if node.type == "parameter_declaration" else None
        for name in node.children_by_field_name("name"):
            self._add(ctx, name, name.end_byte, function, type_node, None)

    def _spec(self, spec: Node, ctx: FileContext) -> None:
        statement = spec.parent
        if statement is not None and statement.type == "var_spec_list":
            statement = statement.parent
        if statement is None or statement.parent is None or statement.parent.type == "source_file":
            return  # package level: read from PackageFacts at the use
        scope = _scope_of(statement)
        if scope is None:
            return
        names = spec.children_by_field_name("name")
        if spec.type == "const_spec":
            self._names(ctx, names, spec.end_byte, scope, None, None)
            return
        self._names(ctx, names, spec.end_byte, scope, spec.child_by_field_name("type"), spec.child_by_field_name("value"))

    def _names(
        self,
        ctx: FileContext,
        names: list[Node],
        visible_from: int,
        scope: Node,
        type_node: Node | None,
        values: Node | None,
    ) -> None:
        value_nodes = values.named_children if values is not None else []
        positional = len(value_nodes) == len(names)
        for index, name in enumerate(names):
            if name.type != "identifier":
                continue
            value = value_nodes[index] if positional and type_node is None else None
            self._add(ctx, name, visible_from, scope, type_node, value)

    def _add(
        self, ctx: FileContext, name: Node, visible_from: int, scope: Node, type_node: Node | None, value: Node | None
    ) -> None:
        text = ctx.text(name)
        if text == "_":
            return
        decl = _Decl(visible_from, scope.start_byte, scope.end_byte, type_node, value)
        self._decls.setdefault((id(ctx), text), []).append(decl)

    # -- queries -----------------------------------------------------------------

    def type_of(self, expr: Node | None, ctx: FileContext, depth: int = 0) -> TypeRef | None:
        """The static type of ``expr`` if declarations make it known, else None."""
        if expr is None or depth > _MAX_DEPTH:
            return None
        kind = expr.type
        if kind == "parenthesized_expression":
            inner = expr.named_children
            return self.type_of(inner[0], ctx, depth + 1) if inner else None
        if kind == "identifier":
            return self._identifier(expr, ctx, depth)
        if kind == "selector_expression":
            if ctx.qualified(expr) is not None:
                return None  # a member of another package: its declaration is not read
            base = self.type_of(expr.child_by_field_name("operand"), ctx, depth + 1)
            member = expr.child_by_field_name("field")
            if base is None or member is None:
                return None
            return self.field_type(base, ctx.text(member), ctx.package)
        if kind == "unary_expression":
            operator = expr.child_by_field_name("operator")
            if operator is not None and operator.type in ("&", "*"):
                return self.type_of(expr.child_by_field_name("operand"), ctx, depth + 1)
            return None
        if kind == "composite_literal":
            found = type_from_node(expr.child_by_field_name("type"), ctx)
            return replace(found, constructed=True) if found is not None else None
        if kind == "type_assertion_expression":
            return type_from_node(expr.child_by_field_name("type"), ctx)
        if kind == "call_expression":
            found = self._call_result(expr, ctx)
            return replace(found, constructed=True) if found is not None else None
        return None

    def _identifier(self, expr: Node, ctx: FileContext, depth: int) -> TypeRef | None:
        name = ctx.text(expr)
        self._read_around(expr, ctx)
        at = expr.start_byte
        for decl in reversed(self._decls.get((id(ctx), name), ())):
            if decl.visible_from <= at and decl.scope_start <= at < decl.scope_end:
                if decl.type_node is not None:
                    return type_from_node(decl.type_node, ctx)
                return self.type_of(decl.value, ctx, depth + 1)
        spec = ctx.package.facts.variables.get(name)
        if spec is None:
            return None
        owner = _file_of(spec, ctx.package)
        if owner is None:
            return None
        type_node = spec.child_by_field_name("type")
        if type_node is not None:
            return type_from_node(type_node, owner)
        values = spec.child_by_field_name("value")
        names = spec.children_by_field_name("name")
        if values is None or len(values.named_children) != len(names):
            return None
        index = next((i for i, n in enumerate(names) if owner.text(n) == name), None)
        return None if index is None else self.type_of(values.named_children[index], owner, depth + 1)

    def _call_result(self, call: Node, ctx: FileContext) -> TypeRef | None:
        function = call.child_by_field_name("function")
        arguments = call.child_by_field_name("arguments")
        if function is None:
            return None
        if function.type == "identifier":
            name = ctx.text(function)
            facts = ctx.package.facts
            if name in ("make", "new") and not ctx.package.declares(name):
                first = arguments.named_children[0] if arguments is not None and arguments.named_children else None
                return type_from_node(first, ctx)
            symbol = facts.functions.get(name)
            if symbol is None:
                return None
            return type_from_node(_single_result(symbol.node), symbol.file)
        resolved = ctx.qualified(function)
        return _CONSTRUCTORS.get(resolved) if resolved is not None else None

    def field_type(self, base: TypeRef, name: str, pkg: PackageContext, depth: int = 0) -> TypeRef | None:
        """The type of field ``name`` of the package's struct ``base``, promoted
        fields of embedded structs included."""
        found = _struct_field(base, name, pkg)
        if found is not None:
            return found
        if depth >= 3:
            return None
        for embedded in _embedded(base, pkg):
            if embedded.path == "":
                promoted = self.field_type(embedded, name, pkg, depth + 1)
                if promoted is not None:
                    return promoted
        return None

    def method_receiver(
        self, base: TypeRef | None, method: str, known: Collection[TypeRef], pkg: PackageContext, depth: int = 0
    ) -> TypeRef | None:
        """Which of ``known`` provides ``method`` for a value of type ``base``: base
        itself, or a type embedded (transitively) in a struct of this package that does
        not declare ``method`` itself."""
        if base is None:
            return None
        if base in known:
            return base
        if base.path != "" or depth >= 3 or method in pkg.facts.methods.get(base.name, {}):
            return None
        for embedded in _embedded(base, pkg):
            found = self.method_receiver(embedded, method, known, pkg, depth + 1)
            if found is not None:
                return found
        return None


def type_from_node(node: Node | None, ctx: FileContext, depth: int = 0) -> TypeRef | None:
    """A type expression (``*sync.WaitGroup``, ``chan int``, ``Config``) of ``ctx``'s file."""
    if node is None or depth > _MAX_DEPTH:
        return None
    kind = node.type
    if kind in ("pointer_type", "parenthesized_type"):
        inner = node.named_children
        return type_from_node(inner[0], ctx, depth + 1) if inner else None
    if kind == "channel_type":
        return CHANNEL
    if kind == "generic_type":
        return type_from_node(node.child_by_field_name("type"), ctx, depth + 1)
    if kind == "qualified_type":
        package = node.child_by_field_name("package")
        member = node.child_by_field_name("name")
        if package is None or member is None:
            return None
        path = ctx.imports.path_of(ctx.text(package))
        return TypeRef(path, ctx.text(member)) if path is not None else None
    if kind in ("type_identifier", "identifier"):
        name = ctx.text(node)
        symbol = ctx.package.facts.types.get(name)
        if symbol is not None:
            underlying = symbol.node.child_by_field_name("type")
            if underlying is not None and (underlying.type == "channel_type" or symbol.node.type == "type_alias"):
                return type_from_node(underlying, symbol.file, depth + 1)
            return TypeRef("", name)
        dots = ctx.imports.dot_imports
        if name[:1].isupper() and len(dots) == 1:
            return TypeRef(dots[0], name)
    return None


def _scope_of(statement: Node) -> Node | None:
    """The node whose range a declaration made by ``statement`` is visible in."""
    scope = statement.parent
    if scope is not None and scope.type == "for_clause":
        scope = scope.parent
    return scope


def _single_result(function: Node) -> Node | None:
    result = function.child_by_field_name("result")
    if result is None or result.type != "parameter_list":
        return result
    params = [p for p in result.named_children if p.type == "parameter_declaration"]
    if len(params) != 1 or len(params[0].children_by_field_name("name")) > 1:
        return None
    return params[0].child_by_field_name("type")


def _file_of(node: Node, pkg: PackageContext) -> FileContext | None:
    root = node
    while root.parent is not None:
        root = root.parent
    return next((f for f in pkg.files if f.root == root), None)


def _struct_body(base: TypeRef, pkg: PackageContext) -> tuple[Node, FileContext] | None:
    if base.path != "":
        return None
    symbol = pkg.facts.types.get(base.name)
    if symbol is None or symbol.kind != "struct":
        return None
    body = symbol.node.child_by_field_name("type")
    return (body, symbol.file) if body is not None else None


def _field_declarations(body: Node) -> list[Node]:
    return [
        decl
        for child in body.children
        if child.type == "field_declaration_list"
        for decl in child.named_children
        if decl.type == "field_declaration"
    ]


def _struct_field(base: TypeRef, name: str, pkg: PackageContext) -> TypeRef | None:
    found = _struct_body(base, pkg)
    if found is None:
        return None
    body, owner = found
    for decl in _field_declarations(body):
        type_node = decl.child_by_field_name("type")
        names = decl.children_by_field_name("name")
        if any(owner.text(n) == name for n in names):
            return type_from_node(type_node, owner)
        if not names and type_node is not None and _embedded_name(type_node, owner) == name:
            return type_from_node(type_node, owner)
    return None


def _embedded(base: TypeRef, pkg: PackageContext) -> list[TypeRef]:
    found = _struct_body(base, pkg)
    if found is None:
        return []
    body, owner = found
    embedded: list[TypeRef] = []
    for decl in _field_declarations(body):
        if decl.children_by_field_name("name"):
            continue
        resolved = type_from_node(decl.child_by_field_name("type"), owner)
        if resolved is not None:
            embedded.append(resolved)
    return embedded


def _embedded_name(type_node: Node, owner: FileContext) -> str:
    return owner.text(type_node).lstrip("*").split(".")[-1].split("[")[0]
