"""What a call does to the request lifecycle: reply, resume, dispatch, or a helper.

Async ops are recognised by receiver type and callback argument, never by method
name alone (``gjson.Get`` and ``http.Header.Get`` are not async ops). When the
receiver's type cannot be resolved (a field of a type from another module), the
method name must be one of the client methods *and* a function value must sit at
the callback position.
"""

from __future__ import annotations

import enum
import os
from dataclasses import dataclass
from functools import cached_property

from tree_sitter import Node

from linter.model.calls import call_parts
from linter.model.functions import FUNCTION_NODE_TYPES, enclosing_function, parameters
from linter.model.modules import is_lifecycle_free
from linter.model.package import FunctionSymbol
from linter.model.query import captures
from linter.model.sdk import PROXYWASM, SDK_ROOTS, TYPES, WRAPPERS
from linter.rule import FileContext, PackageContext

REPLY_FUNCTIONS = frozenset({"SendHttpResponse", "SendHttpResponseWithDetail", "SendHttpResponseV2"})
RESUME_FUNCTIONS = {"ResumeHttpRequest": "request", "ResumeHttpResponse": "response"}
MUTATION_FUNCTIONS = frozenset(
    f"{verb}Http{side}{what}"
    for verb in ("Add", "Replace", "Remove")
    for side in ("Request", "Response")
    for what in ("Header", "Headers", "Trailer", "Trailers")
) | frozenset(
    f"{verb}Http{side}Body" for verb in ("Replace", "Append", "Prepend") for side in ("Request", "Response")
)
"""Header, trailer and body changes: work a request or response must see in time."""

HTTP_CALLBACK_INDEX = {
    **dict.fromkeys(("Get", "Head", "Options"), 2),
    **dict.fromkeys(("Post", "Put", "Patch", "Delete", "Connect", "Trace"), 3),
    "Call": 4,
}
REDIS_METHODS = frozenset(
    ["Command", "Eval", "Del", "Exists", "Persist", "Get", "Incr", "Decr", "LLen", "RPop", "LPop", "HLen", "HKeys", "HVals", "HGetAll", "SCard", "SMembers", "ZCard", "Expire", "Set", "SetEx", "SetNX", "MGet", "MSet", "IncrBy", "DecrBy", "RPush", "LPush", "LIndex", "LRange", "LRem", "LInsertBefore", "LInsertAfter", "HExists", "HGet", "HDel", "HMGet", "HSet", "HMSet", "HIncrBy", "HIncrByFloat", "SAdd", "SRem", "SIsMember", "SDiff", "SInter", "SUnion", "SDiffStore", "SInterStore", "SUnionStore", "ZAdd", "ZCount", "ZIncrBy", "ZScore", "ZRank", "ZRevRank", "ZRem", "ZRange", "ZRevRange"]
)
_BUILTINS = frozenset(
    ["append", "cap", "clear", "close", "complex", "copy", "delete", "imag", "len", "make", "max", "min", "new", "panic", "print", "println", "real", "recover", "string", "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "uintptr", "float32", "float64", "byte", "rune", "bool", "error", "any"]
)
"""Builtin functions and conversions: never lifecycle calls (unless a package redefines
them, which it then declares as functions, checked first)."""

PURE_EXTERNAL_PREFIXES = (
    "github.com/tidwall/",
    "github.com/google/uuid",
    "github.com/pkg/errors",
    "golang.org/x/",
    "google.golang.org/protobuf",
    "github.com/wasilibs/",
)
"""Libraries that never touch the request lifecycle (JSON, RESP, ids, errors)."""

STDLIB_ROOTS = frozenset(
    ["archive", "bufio", "bytes", "cmp", "compress", "container", "context", "crypto", "database", "debug", "embed", "encoding", "errors", "expvar", "flag", "fmt", "go", "hash", "html", "image", "index", "io", "iter", "log", "maps", "math", "mime", "net", "os", "path", "plugin", "reflect", "regexp", "runtime", "slices", "sort", "strconv", "strings", "structs", "sync", "syscall", "testing", "text", "time", "unicode", "unique", "unsafe"]
)
PURE_SDK_PACKAGES = frozenset({"log", "matcher", "iface", "wrapper", "types", "proxywasm"})
"""SDK packages that are modelled or have no lifecycle effect of their own."""

PACKAGE_OPS = {"HttpCall": 5, "RedisCall": 2}
RAW_OPS = {"DispatchHttpCall": 5, "DispatchRedisCall": 2}


class EventKind(enum.Enum):
    REPLY = "reply"
    RESUME = "resume"
    DISPATCH = "dispatch"
    HELPER = "helper"
    SET_EFFECTIVE_CONTEXT = "set-effective-context"
    MUTATION = "mutation"
    """A header, trailer or body change of the current stream."""
    OPAQUE = "opaque"
    """A call into another module's code: it may reply or resume, nobody knows."""


@dataclass(frozen=True)
class Event:
    kind: EventKind
    call: Node
    direction: str | None = None
    callback: Node | None = None
    """The callback argument expression of a dispatch (None for ``nil``)."""
    op: str = ""
    helpers: tuple[FunctionSymbol, ...] = ()
    """For HELPER: the function called; several for a call through an interface
    implemented in the package."""
    route_call: bool = False
    raw_dispatch: bool = False
    """``proxywasm.Dispatch*``: two results, the error second."""

    @property
    def line(self) -> int:
        return self.call.start_point.row + 1


_LOCALS_QUERY = """
(short_var_declaration) @declaration
(var_spec) @spec
(assignment_statement) @assignment
"""


class Classifier:
    """Classifies calls of one package; caches per-function local declarations."""

    def __init__(self, pkg: PackageContext) -> None:
        self.pkg = pkg
        self.facts = pkg.facts
        self._locals: dict[int, dict[str, tuple[str, Node]]] = {}
        self._signatures: dict[int, dict[str, tuple[str, Node]]] = {}

    @cached_property
    def method_names(self) -> frozenset[str]:
        """Every method name declared on a type of this package."""
        return frozenset(name for methods in self.facts.methods.values() for name in methods)

    @cached_property
    def interface_types(self) -> frozenset[str]:
        return frozenset(n for n, t in self.facts.types.items() if t.kind == "interface")

    def classify(self, call: Node, fctx: FileContext) -> Event | None:
        if call.type != "call_expression":
            return None
        function = call.child_by_field_name("function")
        if function is not None and function.type == "func_literal":
            literal = FunctionSymbol("func literal", function, fctx)
            return Event(EventKind.HELPER, call, helpers=(literal,), op="func literal")
        parts = call_parts(call)
        if parts is None:
            return None
        callee, args = parts
        qualifier = callee.qualifier
        if qualifier is not None and qualifier.type == "identifier":
            path = fctx.imports.path_of(fctx.text(qualifier))
            if path is not None:
                event = self._package_call(call, callee.name, path, args, fctx)
                if event is None and has_effects(path) and not is_lifecycle_free(path, self.pkg.directory):
                    return Event(EventKind.OPAQUE, call, op=f"{fctx.text(qualifier)}.{callee.name}")
                return event
        elif qualifier is None:
            name = callee.name
            symbol = self.facts.functions.get(name)
            if symbol is not None:
                return Event(EventKind.HELPER, call, helpers=(symbol,), op=name)
            if name in _BUILTINS or name in self.facts.types:
                return None  # a builtin or a conversion
            local = self.local(name, call, fctx)
            if local is not None:
                kind, value = local
                if kind == "value" and value.type == "func_literal":
                    literal = FunctionSymbol(name, value, fctx)
                    return Event(EventKind.HELPER, call, helpers=(literal,), op=name)
                return Event(EventKind.OPAQUE, call, op=name)  # a function value: unknown code
            if not self.pkg.declares(name):
                for path in fctx.imports.dot_imports:
                    event = self._package_call(call, name, path, args, fctx)
                    if event is not None:
                        return event
                return None
            symbol = self.facts.functions.get(name)
            if symbol is not None:
                return Event(EventKind.HELPER, call, helpers=(symbol,), op=name)
            return None
        if qualifier is None:
            return None
        return self._method_call(call, callee.name, qualifier, args, fctx)

    def _package_call(self, call: Node, name: str, path: str, args: list[Node], fctx: FileContext) -> Event | None:
        if path in PROXYWASM:
            if name in REPLY_FUNCTIONS:
                return Event(EventKind.REPLY, call, op=name)
            if name in RESUME_FUNCTIONS:
                return Event(EventKind.RESUME, call, direction=RESUME_FUNCTIONS[name], op=name)
            if name in MUTATION_FUNCTIONS:
                return Event(EventKind.MUTATION, call, op=name)
            if name == "SetEffectiveContext":
                return Event(EventKind.SET_EFFECTIVE_CONTEXT, call, op=name)
            if name in RAW_OPS:
                return self._dispatch(call, name, args, RAW_OPS[name], fctx, raw=True)
        if path in WRAPPERS and name in PACKAGE_OPS:
            return self._dispatch(call, f"wrapper.{name}", args, PACKAGE_OPS[name], fctx)
        return None

    def _dispatch(
        self, call: Node, op: str, args: list[Node], index: int, fctx: FileContext, raw: bool = False, route: bool = False
    ) -> Event | None:
        if index >= len(args):
            return None
        callback = args[index]
        if callback.type == "nil":
            return Event(EventKind.DISPATCH, call, op=op, raw_dispatch=raw, route_call=route)
        return Event(EventKind.DISPATCH, call, callback=callback, op=op, raw_dispatch=raw, route_call=route)

    def _method_call(self, call: Node, name: str, receiver: Node, args: list[Node], fctx: FileContext) -> Event | None:
        receiver_type = self.type_of(receiver, call, fctx)
        op = f"{fctx.text(receiver)}.{name}"
        if name == "RouteCall" and len(args) == 5 and (receiver_type is None or "HttpContext" in receiver_type):
            return self._dispatch(call, op, args, 4, fctx, route=True)
        kind = _client_kind(receiver_type)
        unknown = kind is None and receiver_type is None
        index = HTTP_CALLBACK_INDEX.get(name)
        if (kind == "http" or unknown) and index is not None and index < len(args):
            callback_at = index
        elif (kind == "redis" or unknown) and name in REDIS_METHODS and args:
            callback_at = len(args) - 1
        else:
            callback_at = None
        if callback_at is not None and (kind in ("http", "redis") or self.is_function_value(args[callback_at], call, fctx)):
            return self._dispatch(call, op, args, callback_at, fctx)
        if receiver_type is not None and _foreign(receiver_type, fctx):
            return Event(EventKind.OPAQUE, call, op=op)
        if receiver_type is not None:
            base = receiver_type.lstrip("*").split("[")[0]
            symbol = self.facts.methods.get(base, {}).get(name)
            if symbol is not None:
                return Event(EventKind.HELPER, call, helpers=(symbol,), op=op)
            owner = self.facts.types.get(base)
            if owner is not None and name in owner.fields:
                return Event(EventKind.OPAQUE, call, op=op)  # a function stored in a field
            if base in self.interface_types:
                implementations = tuple(
                    methods[name] for methods in self.facts.methods.values() if name in methods
                )
                if implementations:
                    return Event(EventKind.HELPER, call, helpers=implementations, op=op)
                return Event(EventKind.OPAQUE, call, op=op)
        return None

    def is_function_value(self, node: Node, at: Node, fctx: FileContext) -> bool:
        if node.type == "func_literal":
            return True
        if node.type == "identifier":
            name = fctx.text(node)
            local = self.local(name, at, fctx)
            if local is not None:
                kind, value = local
                return (kind == "value" and value.type == "func_literal") or (kind == "type" and (
                    value.type == "function_type" or "Callback" in fctx.text(value)
                ))
            return name in self.facts.functions
        if node.type == "selector_expression":
            member = node.child_by_field_name("field")
            name = fctx.text(member) if member is not None else ""
            return any(name in methods for methods in self.facts.methods.values())
        return False

    def type_of(self, expr: Node, at: Node, fctx: FileContext) -> str | None:
        """The declared type text of an identifier or ``x.field`` chain, where known."""
        if expr.type == "identifier":
            local = self.local(fctx.text(expr), at, fctx)
            if local is not None:
                kind, value = local
                if kind == "type":
                    return fctx.text(value)
                return _constructor_type(value, fctx)
            spec = self.facts.variables.get(fctx.text(expr))
            if spec is not None:
                type_node = spec.child_by_field_name("type")
                return type_node.text.decode() if type_node is not None and type_node.text else None
            return None
        if expr.type == "selector_expression":
            operand = expr.child_by_field_name("operand")
            member = expr.child_by_field_name("field")
            if operand is None or member is None:
                return None
            owner = self.type_of(operand, at, fctx)
            if owner is None:
                return None
            symbol = self.facts.types.get(owner.lstrip("*").split("[")[0])
            if symbol is None:
                return None
            return symbol.fields.get(fctx.text(member))
        if expr.type == "parenthesized_expression" and expr.named_children:
            return self.type_of(expr.named_children[0], at, fctx)
        return None

    def local(self, name: str, at: Node, fctx: FileContext) -> tuple[str, Node] | None:
        """``("type", type node)`` or ``("value", init expr)`` of a parameter or local."""
        function = at.parent
        while function is not None:
            if function.type in FUNCTION_NODE_TYPES:
                found = self._signature_locals(function, fctx).get(name) or self._body_locals(function, fctx).get(
                    name
                )
                if found is not None:
                    return found
            function = function.parent
        return None

    def _signature_locals(self, function: Node, fctx: FileContext) -> dict[str, tuple[str, Node]]:
        """Receiver and parameters: what most lookups (``ctx``, ``cfg``) want."""
        cached = self._signatures.get(function.id)
        if cached is not None:
            return cached
        table: dict[str, tuple[str, Node]] = {}
        if function.type == "method_declaration":
            receiver = function.child_by_field_name("receiver")
            for decl in receiver.named_children if receiver is not None else []:
                name_node = decl.child_by_field_name("name")
                type_node = decl.child_by_field_name("type")
                if name_node is not None and type_node is not None:
                    table[fctx.text(name_node)] = ("type", type_node)
        for param in parameters(function):
            if param.name and param.type is not None:
                table[param.name] = ("type", param.type)
        self._signatures[function.id] = table
        return table

    def _body_locals(self, function: Node, fctx: FileContext) -> dict[str, tuple[str, Node]]:
        """Variables declared in the body (not in nested literals), built on demand."""
        cached = self._locals.get(function.id)
        if cached is not None:
            return cached
        table: dict[str, tuple[str, Node]] = {}
        body = function.child_by_field_name("body")
        if body is not None:
            found = captures(_LOCALS_QUERY, body)
            for stmt in [*found.get("declaration", []), *found.get("assignment", [])]:
                if not _owned_by(stmt, function):
                    continue
                is_declaration = stmt.type == "short_var_declaration"
                for name_node, value in _pairs(stmt):
                    if is_declaration or value.type == "func_literal":
                        table.setdefault(fctx.text(name_node), ("value", value))
            for spec in found.get("spec", []):
                type_node = spec.child_by_field_name("type")
                if not _owned_by(spec, function):
                    continue
                for name_node in spec.children_by_field_name("name"):
                    if type_node is not None:
                        table.setdefault(fctx.text(name_node), ("type", type_node))
        self._locals[function.id] = table
        return table

    def _shadowed(self, name: str, at: Node, fctx: FileContext) -> bool:
        return self.local(name, at, fctx) is not None


def _owned_by(node: Node, function: Node) -> bool:
    owner = enclosing_function(node)
    return owner is not None and owner.id == function.id


def _pairs(stmt: Node) -> list[tuple[Node, Node]]:
    """(name, value) of ``a, b := x, y``; a single multi-value call pairs nothing
    but the first name."""
    left = stmt.child_by_field_name("left")
    right = stmt.child_by_field_name("right")
    if left is None or right is None:
        return []
    names = [n for n in left.named_children if n.type == "identifier"]
    values = list(right.named_children)
    if len(values) == 1 and len(names) > 1:
        return []
    return list(zip(names, values, strict=False))


def _constructor_type(value: Node, fctx: FileContext) -> str | None:
    if value.type == "unary_expression" and value.named_children:
        value = value.named_children[-1]
    if value.type == "composite_literal":
        type_node = value.child_by_field_name("type")
        return fctx.text(type_node) if type_node is not None else None
    parts = call_parts(value) if value.type == "call_expression" else None
    if parts is None:
        return None
    callee, _ = parts
    if callee.name == "NewClusterClient":
        return "*wrapper.ClusterClient"
    if callee.name == "NewRedisClusterClient":
        return "*wrapper.RedisClusterClient"
    return None


def has_effects(path: str) -> bool:
    """Can code of the package at ``path`` reply or resume? Only the standard
    library, the modelled SDK packages and pure data libraries are known not to."""
    if path.split("/", 1)[0] in STDLIB_ROOTS:
        return False
    if path in PROXYWASM or path in TYPES or path in WRAPPERS:
        return False
    if path.startswith(SDK_ROOTS) and path.rsplit("/", 1)[-1] in PURE_SDK_PACKAGES:
        return False
    return not path.startswith(PURE_EXTERNAL_PREFIXES)


def _foreign(type_text: str, fctx: FileContext) -> bool:
    """A type declared in a package whose methods may reply or resume."""
    qualifier = type_text.lstrip("*[]").split(".", 1)[0] if "." in type_text else None
    path = fctx.imports.path_of(qualifier) if qualifier else None
    return (
        path is not None
        and has_effects(path)
        and not is_lifecycle_free(path, os.path.dirname(os.path.abspath(fctx.path)))
    )


def _client_kind(type_text: str | None) -> str | None:
    if type_text is None:
        return None
    if "RedisClient" in type_text or "RedisClusterClient" in type_text:
        return "redis"
    if "HttpClient" in type_text or "ClusterClient" in type_text:
        return "http"
    return "other"
