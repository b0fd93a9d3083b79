from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from tree_sitter import Node

from linter.diagnostics import Severity
from linter.lifecycle.ops import (
    HTTP_CALLBACK_INDEX,
    PACKAGE_OPS,
    RAW_OPS,
    REDIS_METHODS,
    Classifier,
    EventKind,
)
from linter.model.callgraph import Reached, reachable, runs_in_place
from linter.model.calls import call_parts, ends_program
from linter.model.functions import FUNCTION_NODE_TYPES, enclosing_function, parameters
from linter.model.plugin import Phase, resolve_function_value
from linter.model.query import captures
from linter.model.sdk import NEW_WRAPPER, OLD_WRAPPER, Generation
from linter.rule import FileContext, PackageContext, Rule

_ASYNC_NAMES_BYTES = frozenset(
    name.encode() for name in (*HTTP_CALLBACK_INDEX, *REDIS_METHODS, *PACKAGE_OPS, *RAW_OPS, "RouteCall")
)
_PLUGIN_METHODS = {
    "OnPluginStart": "plugin start",
    "OnTick": "tick",
    "OnQueueReady": "queue",
    "OnVMStart": "plugin start",
    "OnPluginDone": "plugin",
}
_SPLITTERS = frozenset({"Split", "SplitN", "SplitAfter", "SplitAfterN"})
_FIELDERS = frozenset({"Fields", "FieldsFunc"})
_DEFINITIONS_QUERY = """
(short_var_declaration left: (expression_list) @left right: (expression_list) @right)
(assignment_statement left: (expression_list) @left right: (expression_list) @right)
(var_spec) @spec
(call_expression function: (selector_expression field: (field_identifier) @unmarshal) (#eq? @unmarshal "Unmarshal")) @decode
"""
_TERMINATORS = frozenset({"return_statement", "continue_statement", "break_statement", "goto_statement"})
_REQUEST = "request"
_PARSE = "parse"
_TICK = "tick"


@dataclass(frozen=True)
class _Candidate:
    node: Node
    file: FileContext
    what: str
    """The first half of the message: what panics and when."""
    remedy: str
    key: str
    """Repeats of one hazard in one function (the same assertion, the same index)
    are reported once."""


@dataclass(frozen=True)
class _Root:
    node: Node
    file: FileContext
    description: str
    kind: str
    """``request`` (a callback or an unrecovered handler), ``parse`` or ``tick``."""
    callback: bool = False


@dataclass(frozen=True)
class _Source:
    """Decoded data a slice comes from, and the length it is known to have."""

    description: str
    at_least: int


@dataclass
class _PackageState:
    package: PackageContext
    classifier: Classifier
    candidates: list[_Candidate] = field(default_factory=list)
    callbacks: list[tuple[Node, FileContext, str]] = field(default_factory=list)
    """Resolved callback functions of async ops, with the op's text."""
    callback_parameters: dict[int, set[int]] = field(default_factory=dict)
    """Function node id -> indexes of its parameters it hands to an async op as the callback."""
    literal_calls: list[tuple[Node, FileContext]] = field(default_factory=list)
    """Calls that pass a func literal: candidates for same-package async wrappers
    (a call passing two literals is listed twice)."""
    definitions: dict[int, list[tuple[int, str, Node | None, str]]] = field(default_factory=dict)
    pending: list[tuple[Node, FileContext]] = field(default_factory=list)
    """Assertions and indexes met in the walk, judged once the unrecovered code is known."""


class PanicInCallback(Rule):
    """## What it does
    Flags code that can panic where nothing recovers panics: a single-value type
    assertion (`ctx.GetContext("user").(string)`), or a constant index into decoded
    data (`v.Array()[1]`, a slice from `strings.Split`/`strings.Fields`, a value
    filled by `json.Unmarshal`) without a dominating length check, inside an async
    callback, a parse function, a tick function, a helper reached only from those,
    or any handler of a plugin built on the TinyGo-era wrapper or the raw SDK.

    ## Why is this bad?
    The Go 1.24 wrapper recovers panics only in its five HTTP entry points; HTTP,
    Redis and `RouteCall` callbacks, parse functions and ticks run without a
    `recover`, and the TinyGo-era wrapper and the raw SDK recover nothing (TinyGo
    does not implement `recover`). A panic there traps the VM: the paused request
    is never resumed, and until the VM is rebuilt every request gets 503
    (`wasm_fail_stream`, fail-closed) or bypasses the plugin (fail-open). A context
    key that was never set (another branch, a reordered handler), an error reply
    from Redis or an empty JSON array is enough.

    ## Example
    ```go
    func onRateLimited(response resp.Value) {
        allowed := response.Array()[0].Integer() // an error reply has no elements
        ...
    }
    ```

    ## Use instead
    ```go
    func onRateLimited(response resp.Value) {
        values := response.Array()
        if len(values) < 1 {
            _ = proxywasm.ResumeHttpRequest()
            return
        }
        allowed := values[0].Integer()
        ...
    }
    ```
    """

    code = "WG404"
    name = "panic-in-callback"
    severity = Severity.WARNING
    tags = ("runtime", "reliability")
    precision = "high"
    node_types = ("type_assertion_expression", "index_expression", "call_expression", "func_literal")
    call_names = _ASYNC_NAMES_BYTES

    def __init__(self) -> None:
        self._state: _PackageState | None = None

    def _state_for(self, pkg: PackageContext) -> _PackageState:
        if self._state is None or self._state.package is not pkg:
            self._state = _PackageState(pkg, pkg.classifier)
        return self._state

    # -- the shared walk ----------------------------------------------------------
    def check(self, node: Node, ctx: FileContext) -> None:
        state = self._state_for(ctx.package)
        kind = node.type
        if kind == "call_expression":
            self._call(node, ctx, state)
        elif kind == "func_literal":
            parent = node.parent
            if parent is not None and parent.type == "argument_list" and parent.parent is not None:
                state.literal_calls.append((parent.parent, ctx))
        else:  # an assertion or an index: judged at the end, only where nothing recovers
            state.pending.append((node, ctx))

    def _call(self, call: Node, ctx: FileContext, state: _PackageState) -> None:
        arguments = call.child_by_field_name("arguments")
        if arguments is None or arguments.named_child_count < 2:
            return  # every async op takes a key or URL and a callback: `json.Get("k")` is not one
        event = state.classifier.classify(call, ctx)
        if event is None or event.kind is not EventKind.DISPATCH or event.callback is None:
            return
        callback = event.callback
        op = " ".join(ctx.text(event.call.child_by_field_name("function") or event.call).split())
        if callback.type == "identifier":
            local = state.classifier.local(ctx.text(callback), call, ctx)
            if local is not None:
                local_kind, value = local
                if local_kind == "value" and value.type == "func_literal":
                    state.callbacks.append((value, ctx, op))
                elif local_kind == "type":
                    self._callback_parameter(call, ctx.text(callback), state)
                return
        function_node, holder, _ = resolve_function_value(callback, ctx, ctx.package)
        if function_node is not None and holder is not None:
            state.callbacks.append((function_node, holder, op))

    @staticmethod
    def _callback_parameter(call: Node, name: str, state: _PackageState) -> None:
        """A dispatch whose callback is a parameter of the enclosing named function."""
        function = call.parent
        while function is not None and function.type not in FUNCTION_NODE_TYPES:
            function = function.parent
        if function is None or function.type == "func_literal":
            return
        for index, param in enumerate(parameters(function)):
            if param.name == name:
                state.callback_parameters.setdefault(function.id, set()).add(index)

    def _assertion(self, node: Node, ctx: FileContext, state: _PackageState) -> None:
        if _comma_ok(node):
            return
        operand = node.child_by_field_name("operand")
        if operand is None or _constructed(operand):
            return
        if operand.type in ("identifier", "selector_expression") and _nil_checked(
            node, " ".join(ctx.text(operand).split()), ctx
        ):
            return  # absent values are handled; the type is the plugin's own choice
        text = " ".join(ctx.text(node).split())
        state.candidates.append(
            _Candidate(
                node,
                ctx,
                f"the single-value type assertion `{_short(text)}` panics when the value is missing (nil) or of "
                "another type",
                "use the comma-ok form (`v, ok := ...`) or a typed getter such as ctx.GetStringContext(key, \"\")",
                text,
            )
        )

    def _index(self, node: Node, ctx: FileContext, state: _PackageState) -> None:
        operand = node.child_by_field_name("operand")
        index = node.child_by_field_name("index")
        if operand is None or index is None:
            return
        needed = _needed_length(index, operand, ctx)
        if needed is None:
            return
        source = self._source(operand, node, ctx, state)
        if source is None or source.at_least >= needed:
            return
        target = " ".join(ctx.text(operand).split())
        if _guaranteed_length(node, target, ctx) >= needed:
            return
        written = " ".join(ctx.text(index).split())
        origin = "" if operand.type == "call_expression" else f" ({source.description})"
        state.candidates.append(
            _Candidate(
                node,
                ctx,
                f"index {written} of `{_short(target)}`{origin} is not guarded by a length check "
                f"and panics when it has fewer than {needed} element{'s' if needed > 1 else ''}",
                f"check len({_short(target)}) first and handle the short case",
                f"{target}[{written}]",
            )
        )

    def _source(self, operand: Node, at: Node, ctx: FileContext, state: _PackageState) -> _Source | None:
        if operand.type == "call_expression":
            return _decoded(operand, ctx)
        if operand.type == "parenthesized_expression" and operand.named_children:
            return self._source(operand.named_children[0], at, ctx, state)
        if operand.type not in ("identifier", "selector_expression", "index_expression"):
            return None
        target = " ".join(ctx.text(operand).split())
        best: tuple[int, str, Node | None, str] | None = None
        function = at.parent
        while function is not None:
            if function.type in FUNCTION_NODE_TYPES:
                for definition in self._definitions(function, ctx, state):
                    start, name, value, kind = definition
                    if start >= at.start_byte:
                        continue
                    matches = name == target or (kind == "decode" and target.startswith((name + ".", name + "[")))
                    if matches and (best is None or start > best[0]):
                        best = definition
                if best is not None:
                    break
            function = function.parent
        if best is None:
            return None
        _, name, value, kind = best
        if kind == "decode":
            return _Source(f"decoded by json.Unmarshal into `{name}`", 0)
        return _decoded(value, ctx) if value is not None else None

    @staticmethod
    def _definitions(
        function: Node, ctx: FileContext, state: _PackageState
    ) -> list[tuple[int, str, Node | None, str]]:
        """``(position, assigned name, value, kind)`` of the assignments in a body."""
        cached = state.definitions.get(function.id)
        if cached is not None:
            return cached
        found: list[tuple[int, str, Node | None, str]] = []
        body = function.child_by_field_name("body")
        if body is not None:
            captured = captures(_DEFINITIONS_QUERY, body)
            for left, right in zip(captured.get("left", []), captured.get("right", []), strict=False):
                targets = [c for c in left.named_children if c.type != "comment"]
                values = [c for c in right.named_children if c.type != "comment"]
                for position, target in enumerate(targets):
                    value = values[position] if len(values) == len(targets) else None
                    found.append((target.start_byte, " ".join(ctx.text(target).split()), value, "assign"))
            for spec in captured.get("spec", []):
                values_node = spec.child_by_field_name("value")
                values = [c for c in values_node.named_children if c.type != "comment"] if values_node else []
                names = spec.children_by_field_name("name")
                for position, name in enumerate(names):
                    value = values[position] if len(values) == len(names) else None
                    found.append((name.start_byte, ctx.text(name), value, "assign"))
            for call in captured.get("decode", []):
                parts = call_parts(call)
                if parts is None or not ctx.refers_to(parts[0].node, {"encoding/json"}, "Unmarshal"):
                    continue
                args = parts[1]
                if len(args) == 2:
                    target = args[1]
                    if target.type == "unary_expression" and target.named_children:
                        target = target.named_children[-1]
                    found.append((call.start_byte, " ".join(ctx.text(target).split()), None, "decode"))
        state.definitions[function.id] = found
        return found

    # -- per package --------------------------------------------------------------
    def check_package(self, pkg: PackageContext) -> None:
        state = self._state if self._state is not None and self._state.package is pkg else None
        self._state = None
        if state is None or not state.pending:
            return
        roots = self._roots(pkg, state)
        recovered = self._recovered_roots(pkg)
        unrecovered: dict[int, tuple[Reached, _Root]] = {}
        root_nodes = [r.node for r in roots]
        for root in roots:
            for item in reachable(
                [(root.node, root.file)], pkg, ambiguous_methods=False, stored_literals=False
            ).values():
                unrecovered.setdefault(item.node.id, (item, root))
        root_ids = {r.node.id: r for r in roots}
        recovered_ids = {node.id for node, _ in recovered}
        shared = reachable(recovered, pkg, ambiguous_methods=True, stop=root_nodes)
        for node, ctx in state.pending:
            if _context(node, ctx, root_ids, recovered_ids, unrecovered, shared) is None:
                continue  # recovered code (or unreachable): no need to judge it
            try:
                if node.type == "type_assertion_expression":
                    self._assertion(node, ctx, state)
                else:
                    self._index(node, ctx, state)
            except RecursionError:
                continue  # guards nested too deep to read (thousands of `&&`): stay silent
        reported: set[tuple[int, str]] = set()
        for candidate in state.candidates:
            context = _context(candidate.node, candidate.file, root_ids, recovered_ids, unrecovered, shared)
            if context is None:
                continue
            function, root = context
            innermost = enclosing_function(candidate.node)
            key = (innermost.id if innermost is not None else 0, candidate.key)
            if key in reported:
                continue
            reported.add(key)
            self.report(candidate.file, candidate.node, _message(candidate, function, root))

    @staticmethod
    def _roots(pkg: PackageContext, state: _PackageState) -> list[_Root]:
        roots: list[_Root] = []
        old = _wrapper_generation(pkg) is Generation.OLD_WRAPPER
        for handler in pkg.plugin.handlers:
            if handler.function is None or handler.file is None:
                continue
            name = handler.name
            if handler.phase in (Phase.PARSE, Phase.PLUGIN_START):
                roots.append(_Root(handler.function, handler.file, f"the parse function `{name}`", _PARSE))
            elif handler.phase is Phase.TICK:
                roots.append(_Root(handler.function, handler.file, f"the tick function `{name}`", _TICK))
            elif handler.raw:
                roots.append(
                    _Root(handler.function, handler.file, f"`{name}` (the raw SDK recovers nothing)", _REQUEST)
                )
            elif old:
                roots.append(
                    _Root(
                        handler.function,
                        handler.file,
                        f"the {handler.phase.value} handler `{name}` (old wrapper: no recover, and TinyGo has none)",
                        _REQUEST,
                    )
                )
        if pkg.generation is Generation.RAW_SDK or any(h.raw for h in pkg.plugin.handlers):
            for type_name, methods in pkg.facts.methods.items():
                for method_name, role in _PLUGIN_METHODS.items():
                    symbol = methods.get(method_name)
                    if symbol is None:
                        continue
                    kind = _PARSE if role == "plugin start" else _TICK
                    roots.append(
                        _Root(symbol.node, symbol.file, f"`{type_name}.{method_name}` (the raw SDK recovers nothing)", kind)
                    )
        for function, holder, op in state.callbacks:
            declared = function.child_by_field_name("name") if function.type != "func_literal" else None
            label = (
                f"the callback `{holder.text(declared)}` of `{op}`" if declared is not None else f"the callback of `{op}`"
            )
            roots.append(_Root(function, holder, label, _REQUEST, callback=True))
        if state.callback_parameters:
            unique = {call.id: (call, fctx) for call, fctx in state.literal_calls}
            for call, fctx in unique.values():
                roots.extend(_wrapper_callbacks(call, fctx, pkg, state))
        return roots

    @staticmethod
    def _recovered_roots(pkg: PackageContext) -> list[tuple[Node, FileContext]]:
        if _wrapper_generation(pkg) is not Generation.NEW_WRAPPER:
            return []
        return [
            (h.function, h.file)
            for h in pkg.plugin.request_handlers
            if not h.raw and h.function is not None and h.file is not None
        ]


def _wrapper_generation(pkg: PackageContext) -> Generation:
    """The wrapper the plugin registers with (a package may import pieces of both)."""
    for entry in pkg.plugin.registrations:
        parts = call_parts(entry.node)
        if parts is None:
            continue
        callee, _ = parts
        if entry.file.refers_to(callee.node, {NEW_WRAPPER}, callee.name):
            return Generation.NEW_WRAPPER
        if entry.file.refers_to(callee.node, {OLD_WRAPPER}, callee.name):
            return Generation.OLD_WRAPPER
    return pkg.generation


def _wrapper_callbacks(call: Node, fctx: FileContext, pkg: PackageContext, state: _PackageState) -> list[_Root]:
    """Func literals handed to a same-package function that dispatches them as callbacks."""
    parts = call_parts(call)
    if parts is None:
        return []
    callee, args = parts
    targets: list[Node] = []
    if callee.qualifier is None:
        symbol = pkg.facts.functions.get(callee.name)
        if symbol is not None:
            targets.append(symbol.node)
    elif not (callee.qualifier.type == "identifier" and fctx.imports.path_of(fctx.text(callee.qualifier))):
        targets.extend(m[callee.name].node for m in pkg.facts.methods.values() if callee.name in m)
    found: list[_Root] = []
    for target in targets:
        for index in state.callback_parameters.get(target.id, set()):
            if index < len(args) and args[index].type == "func_literal":
                op = " ".join(fctx.text(callee.node).split())
                found.append(_Root(args[index], fctx, f"the callback of `{op}`", _REQUEST, callback=True))
    return found


def _constructed(operand: Node) -> bool:
    """``x.NewHttpContext(id).(*T)``: a constructor's result has the dynamic type it builds."""
    if operand.type != "call_expression":
        return False
    parts = call_parts(operand)
    return parts is not None and parts[0].name[:3].lower() == "new"


def _context(
    node: Node,
    fctx: FileContext,
    roots: dict[int, _Root],
    recovered: set[int],
    unrecovered: dict[int, tuple[Reached, _Root]],
    shared: dict[int, Reached],
) -> tuple[Node, _Root] | None:
    """The function ``node`` runs in and the unrecovered root behind it, if any."""
    current = node.parent
    while current is not None:
        if current.type in FUNCTION_NODE_TYPES:
            root = roots.get(current.id)
            if root is not None:
                return current, root
            if current.id in recovered:
                return None
            if current.type == "func_literal" and not runs_in_place(current, fctx):
                return None  # stored or handed on: it runs later, in a context not known here
            if current.type != "func_literal":
                reached = unrecovered.get(current.id)
                if reached is None or current.id in shared:
                    return None
                return current, reached[1]
        current = current.parent
    return None


def _message(candidate: _Candidate, function: Node, root: _Root) -> str:
    if function.id == root.node.id:
        where = f"in {root.description}"
    else:
        name = function.child_by_field_name("name")
        helper = name.text.decode() if name is not None and name.text is not None else "this function"
        where = f"in `{helper}`, which runs only from {root.description}"
    if root.kind == _PARSE:
        consequence = (
            "the VM traps while the configuration loads, so the plugin fails to start instead of rejecting the "
            "config with an error"
        )
    elif root.kind == _TICK:
        consequence = (
            "the VM traps outside any request, and until it is rebuilt every request gets 503 (fail-closed) or "
            "bypasses the plugin (fail-open)"
        )
    else:
        paused = "the paused request is never resumed" if root.callback else "the request gets no response"
        consequence = (
            f"the VM traps: {paused}, and until the VM is rebuilt every request gets 503 (fail-closed) or bypasses "
            "the plugin (fail-open)"
        )
    return f"{candidate.what}, and nothing recovers panics {where}: {consequence}; {candidate.remedy}"


def _comma_ok(node: Node) -> bool:
    current = node
    parent = current.parent
    while parent is not None and parent.type == "parenthesized_expression":
        current, parent = parent, parent.parent
    if parent is None or parent.type != "expression_list" or len(parent.named_children) != 1:
        return False
    holder = parent.parent
    if holder is None:
        return False
    if holder.type in ("short_var_declaration", "assignment_statement"):
        left = holder.child_by_field_name("left")
        right = holder.child_by_field_name("right")
        return right is not None and right.id == parent.id and left is not None and len(left.named_children) == 2
    if holder.type == "var_spec":
        return len(holder.children_by_field_name("name")) == 2
    return False


def _decoded(value: Node, ctx: FileContext) -> _Source | None:
    """Is ``value`` a call that yields decoded data of unknown length?"""
    if value.type != "call_expression":
        return None
    parts = call_parts(value)
    if parts is None:
        return None
    callee, args = parts
    if callee.name == "Array" and callee.qualifier is not None and not args:
        return _Source(f"from `{_short(ctx.text(callee.node))}()`", 0)
    if ctx.refers_to(callee.node, {"strings", "bytes"}, *_SPLITTERS):
        separator = args[1] if len(args) > 1 else None
        non_empty = separator is not None and separator.type in ("interpreted_string_literal", "raw_string_literal") and len(
            ctx.text(separator)
        ) > 2
        return _Source(f"from `{_short(ctx.text(callee.node))}`", 1 if non_empty else 0)
    if ctx.refers_to(callee.node, {"strings", "bytes"}, *_FIELDERS):
        return _Source(f"from `{_short(ctx.text(callee.node))}`", 0)
    return None


def _needed_length(index: Node, operand: Node, ctx: FileContext) -> int | None:
    """The length an index needs: ``x[2]`` -> 3, ``x[len(x)-1]`` -> 1; None when not constant."""
    value = _constant(index, ctx)
    if value is not None:
        return value + 1 if value >= 0 else None
    if index.type == "binary_expression":
        left = index.child_by_field_name("left")
        right = index.child_by_field_name("right")
        operator = index.child_by_field_name("operator")
        if left is None or right is None or operator is None or ctx.text(operator) != "-":
            return None
        counted = _len_of(left, ctx)
        offset = _constant(right, ctx)
        if counted is not None and offset is not None and offset > 0 and counted == " ".join(ctx.text(operand).split()):
            return offset
    return None


def _constant(node: Node, ctx: FileContext) -> int | None:
    if node.type == "int_literal":
        text = ctx.text(node).replace("_", "")
        try:
            return int(text, 8) if len(text) > 1 and text[0] == "0" and text[1].isdigit() else int(text, 0)
        except ValueError:
            return None
    if node.type == "parenthesized_expression" and node.named_children:
        return _constant(node.named_children[0], ctx)
    if node.type == "identifier":
        spec = ctx.package.facts.constants.get(ctx.text(node))
        values = spec.child_by_field_name("value") if spec is not None else None
        if spec is None or values is None:
            return None
        names = [n.text.decode() for n in spec.children_by_field_name("name") if n.text is not None]
        expressions = [v for v in values.named_children if v.type != "comment"]
        position = names.index(ctx.text(node)) if ctx.text(node) in names else -1
        if 0 <= position < len(expressions) and expressions[position].type == "int_literal":
            literal = expressions[position].text
            return int(literal.decode().replace("_", ""), 0) if literal is not None else None
    return None


def _len_of(node: Node, ctx: FileContext) -> str | None:
    """``X`` for ``len(X)``."""
    if node.type != "call_expression":
        return None
    function = node.child_by_field_name("function")
    arguments = node.child_by_field_name("arguments")
    if function is None or arguments is None or function.type != "identifier" or ctx.text(function) != "len":
        return None
    args = [a for a in arguments.named_children if a.type != "comment"]
    return " ".join(ctx.text(args[0]).split()) if len(args) == 1 else None


def _dominating(node: Node, ctx: FileContext) -> list[tuple[Node, bool]]:
    """Conditions known to hold (``True``) or to have failed (``False``) wherever
    ``node`` runs: enclosing ``if`` branches, ``&&``/``||`` operands, loop
    conditions, ``switch`` cases (``(case, None)`` pairs are returned as is), and
    earlier ``if ... { return }`` statements of the enclosing blocks."""
    found: list[tuple[Node, bool]] = []
    child = node
    parent = node.parent
    while parent is not None:
        kind = parent.type
        if kind == "binary_expression":
            operator = parent.child_by_field_name("operator")
            left = parent.child_by_field_name("left")
            right = parent.child_by_field_name("right")
            if operator is not None and left is not None and right is not None and right.id == child.id:
                if ctx.text(operator) == "&&":
                    found.append((left, True))
                elif ctx.text(operator) == "||":
                    found.append((left, False))
        elif kind == "if_statement":
            condition = parent.child_by_field_name("condition")
            consequence = parent.child_by_field_name("consequence")
            alternative = parent.child_by_field_name("alternative")
            if condition is not None and consequence is not None and child.id == consequence.id:
                found.append((condition, True))
            elif condition is not None and alternative is not None and child.id == alternative.id:
                found.append((condition, False))
        elif kind == "for_statement":
            body = parent.child_by_field_name("body")
            condition = next(
                (c for c in parent.named_children if c.type not in ("block", "for_clause", "range_clause", "comment")),
                None,
            )
            if body is not None and child.id == body.id and condition is not None:
                found.append((condition, True))
        elif kind == "expression_case":
            values = parent.child_by_field_name("value")
            if values is not None and child.id != values.id:
                found.append((parent, True))
        elif kind in ("statement_list", "block"):
            for sibling in parent.named_children:
                if sibling.start_byte >= child.start_byte:
                    break
                if sibling.type == "if_statement" and _exits(sibling, ctx):
                    condition = sibling.child_by_field_name("condition")
                    if condition is not None:
                        found.append((condition, False))
        child, parent = parent, parent.parent
    return found


def _guaranteed_length(node: Node, target: str, ctx: FileContext) -> int:
    """The largest lower bound on ``len(target)`` that conditions dominating ``node`` prove."""
    best = 0
    for condition, truth in _dominating(node, ctx):
        if condition.type == "expression_case":
            best = max(best, _case_bound(condition, target, ctx))
        else:
            best = max(best, _bound(condition, truth, target, ctx))
    return best


def _nil_checked(node: Node, target: str, ctx: FileContext) -> bool:
    """Is ``target`` known to be non-nil where ``node`` runs?"""
    return any(
        condition.type != "expression_case" and _non_nil(condition, truth, target, ctx)
        for condition, truth in _dominating(node, ctx)
    )


def _non_nil(condition: Node, truth: bool, target: str, ctx: FileContext) -> bool:
    """Does ``condition`` being ``truth`` prove ``target != nil``?"""
    for holds, operator, left, right in _comparisons(condition, truth, ctx):
        sides = {" ".join(ctx.text(left).split()), " ".join(ctx.text(right).split())}
        if sides == {target, "nil"} and (operator == "!=") == holds and operator in ("!=", "=="):
            return True
    return False


def _case_bound(case: Node, target: str, ctx: FileContext) -> int:
    values = case.child_by_field_name("value")
    if values is None:
        return 0
    expressions = [v for v in values.named_children if v.type != "comment"]
    switch = case.parent
    subject = switch.child_by_field_name("value") if switch is not None else None
    if subject is None:
        return _bound(expressions[0], True, target, ctx) if len(expressions) == 1 else 0
    if _len_of(subject, ctx) == target:
        constants = [_constant(v, ctx) for v in expressions]
        if constants and all(c is not None for c in constants):
            return min(c for c in constants if c is not None)
    return 0


def _exits(statement: Node, ctx: FileContext) -> bool:
    """An ``if`` without ``else`` whose block always leaves the enclosing code."""
    if statement.child_by_field_name("alternative") is not None:
        return False
    block = statement.child_by_field_name("consequence")
    if block is None:
        return False
    statements = next((c for c in block.named_children if c.type == "statement_list"), None)
    if statements is None or not statements.named_children:
        return False
    last = [c for c in statements.named_children if c.type != "comment"][-1]
    return last.type in _TERMINATORS or ends_program(last, ctx) is not None


def _bound(condition: Node, truth: bool, target: str, ctx: FileContext) -> int:
    """The lower bound on ``len(target)`` that ``condition`` being ``truth`` proves."""
    best = 0
    flipped = {"<": ">", ">": "<", "<=": ">=", ">=": "<=", "==": "==", "!=": "!="}
    for holds, operator, left, right in _comparisons(condition, truth, ctx):
        if operator not in flipped:
            continue
        if _len_of(left, ctx) == target:
            limit = _constant(right, ctx)
        elif _len_of(right, ctx) == target:
            limit, operator = _constant(left, ctx), flipped[operator]
        else:
            continue
        if limit is None:
            continue
        if not holds:
            operator = {"<": ">=", ">": "<=", "<=": ">", ">=": "<", "==": "!=", "!=": "=="}[operator]
        if operator == ">":
            best = max(best, limit + 1)
        elif operator in (">=", "=="):
            best = max(best, limit)
        elif operator == "!=" and limit == 0:
            best = max(best, 1)
    return best


def _comparisons(condition: Node, truth: bool, ctx: FileContext) -> Iterator[tuple[bool, str, Node, Node]]:
    """The comparisons that ``condition`` being ``truth`` proves to be true (or false):
    ``(holds, operator, left, right)``, seen through parentheses, ``!``,
    ``&&`` when true and ``||`` when false (a loop, so chains of thousands of operands
    do not exhaust the stack)."""
    work = [(condition, truth)]
    while work:
        node, holds = work.pop()
        kind = node.type
        if kind == "parenthesized_expression" and node.named_children:
            work.append((node.named_children[0], holds))
            continue
        if kind == "unary_expression":
            negation = node.child_by_field_name("operator")
            operand = node.child_by_field_name("operand")
            if negation is not None and operand is not None and ctx.text(negation) == "!":
                work.append((operand, not holds))
            continue
        if kind != "binary_expression":
            continue
        operator_node = node.child_by_field_name("operator")
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        if operator_node is None or left is None or right is None:
            continue
        operator = ctx.text(operator_node)
        if operator in ("&&", "||"):
            if (operator == "&&") == holds:
                work.extend(((right, holds), (left, holds)))
            continue
        yield holds, operator, left, right


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 60 else text[:57] + "..."
