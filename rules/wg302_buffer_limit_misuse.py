from __future__ import annotations

from tree_sitter import Node

from linter.diagnostics import Severity
from linter.model.bodies import (
    BODY_PHASE,
    DIRECTIONS,
    IN_TIME_PHASES,
    SETTERS,
    LimitCall,
    limit_call,
    limits_in,
    reach_of,
)
from linter.rule import FileContext, PackageContext, Rule

HUGE = 100 * 1024 * 1024
_NAMES = frozenset(name.encode() for name in (*SETTERS, "SetProperty"))
_INTEGER_TYPES = frozenset(
    {"int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "uintptr"}
)
_MAX_DEPTH = 16


class BufferLimitMisuse(Rule):
    """## What it does
    Flags buffer-limit calls (`ctx.SetRequestBodyBufferLimit`,
    `ctx.SetResponseBodyBufferLimit`, or the `set_decoder_buffer_limit`/
    `set_encoder_buffer_limit` property) that cannot work as intended: set only in
    a buffered body handler of that direction, set to a constant 0, or set to a
    constant of 100 MiB or more. Constant expressions (`100 << 20`,
    `100 * 1024 * 1024`) and named package constants are folded.

    ## Why is this bad?
    A buffered body handler runs after the whole body was buffered, so a limit set
    there (or in a helper only it calls) comes too late: bodies over the gateway's
    limit still get 413 (requests) or 500 (responses). A limit of 0 is a trap that
    breaks every body that needs buffering; it usually comes from an unset value.
    A huge constant lets every buffering request hold that much gateway memory (a
    200 MB body raised gateway memory by more than a gigabyte) and cannot be tuned
    when users need a different size.

    ## Example
    ```go
    func onHttpRequestBody(ctx wrapper.HttpContext, cfg Config, body []byte) types.Action {
        ctx.SetRequestBodyBufferLimit(100 * 1024 * 1024) // too late, and 100 MiB
        ...
    }
    ```

    ## Use instead
    ```go
    func onHttpRequestHeaders(ctx wrapper.HttpContext, cfg Config) types.Action {
        if ctx.HasRequestBody() {
            ctx.SetRequestBodyBufferLimit(cfg.MaxBodyBytes) // a config knob, e.g. 10 MiB by default
        }
        return types.ActionContinue
    }
    ```
    """

    code = "WG302"
    name = "buffer-limit-misuse"
    severity = Severity.WARNING
    tags = ("bodies", "reliability")
    precision = "high"
    node_types = ("call_expression",)
    call_names = _NAMES

    def __init__(self) -> None:
        self._package: PackageContext | None = None
        self._calls: list[LimitCall] = []

    def node_types_for(self, ctx: FileContext) -> tuple[str, ...]:
        data = ctx.file.data
        return self.node_types if b"BufferLimit" in data or b"buffer_limit" in data else ()

    def check(self, node: Node, ctx: FileContext) -> None:
        limit = limit_call(node, ctx)
        if limit is None:
            return
        if self._package is not ctx.package:
            self._package, self._calls = ctx.package, []
        self._calls.append(limit)

    def check_package(self, pkg: PackageContext) -> None:
        calls = self._calls if self._package is pkg else []
        self._package, self._calls = None, []
        if not calls:
            return
        too_late = self._too_late(pkg)
        for limit in calls:
            problems: list[str] = []
            if limit.call.id in too_late:
                problems.append(
                    f"the {limit.direction} buffer limit is set only from the {limit.direction} body handler "
                    f"{too_late[limit.call.id]}: too late, the body was already buffered under the previous "
                    f"limit, so larger bodies still get {_status(limit.direction)}; set it in the "
                    f"{limit.direction} header handler"
                )
            value = fold(limit.size, limit.file, pkg) if limit.size is not None else None
            if value == 0:
                problems.append(
                    "a constant 0 as the buffer limit makes every body that needs buffering fail with "
                    f"{_status(limit.direction)} (0 is not \"unlimited\"); it usually stands for an unset value: "
                    "use a positive size from config"
                )
            elif value is not None and value >= HUGE:
                problems.append(
                    f"a constant of {value} bytes ({value / (1024 * 1024):g} MiB) as the buffer limit lets every "
                    "buffering request hold that much gateway memory and cannot be tuned without a rebuild; read "
                    "the limit from the plugin config with a moderate default"
                )
            if problems:
                self.report(limit.file, limit.call, f"`{_short(limit)}`: " + "; and ".join(problems))

    @staticmethod
    def _too_late(pkg: PackageContext) -> dict[int, str]:
        """Setter calls of a direction whose only setters are reached from its body handler."""
        found: dict[int, str] = {}
        for direction in DIRECTIONS:
            in_time = reach_of(pkg, IN_TIME_PHASES[direction], opaque="context")
            if in_time.unresolved or any(lim.direction == direction for lim in limits_in(in_time)):
                continue
            body = reach_of(pkg, (BODY_PHASE[direction],), wrapper_only=True)
            names = ", ".join(sorted({h.name for h in body.handlers})) or "handler"
            for limit in limits_in(body):
                if limit.direction == direction:
                    found[limit.call.id] = names
        return found


def _short(limit: LimitCall) -> str:
    text = " ".join(limit.file.text(limit.call).split())
    return text if len(text) <= 80 else text[:77] + "..."


def _status(direction: str) -> str:
    return "413 Payload Too Large" if direction == "request" else "500"


def fold(node: Node, fctx: FileContext, pkg: PackageContext, depth: int = 0) -> int | None:
    """The value of an integer constant expression, where it can be known."""
    if depth > _MAX_DEPTH:
        return None
    kind = node.type
    if kind == "int_literal":
        return _int_literal(fctx.text(node))
    if kind in ("interpreted_string_literal", "raw_string_literal"):
        text = fctx.text(node)[1:-1]
        return int(text) if text.isdigit() else None
    if kind == "parenthesized_expression" and node.named_children:
        return fold(node.named_children[0], fctx, pkg, depth + 1)
    if kind == "unary_expression":
        operand = node.child_by_field_name("operand")
        operator = node.child_by_field_name("operator")
        value = fold(operand, fctx, pkg, depth + 1) if operand is not None else None
        if value is None or operator is None:
            return None
        return {"-": -value, "+": value, "^": ~value}.get(fctx.text(operator))
    if kind == "binary_expression":
        return _binary(node, fctx, pkg, depth)
    if kind == "call_expression":
        function = node.child_by_field_name("function")
        arguments = node.child_by_field_name("arguments")
        if function is None or arguments is None or function.type != "identifier":
            return None
        args = [a for a in arguments.named_children if a.type != "comment"]
        if fctx.text(function) in _INTEGER_TYPES and len(args) == 1 and not pkg.declares(fctx.text(function)):
            return fold(args[0], fctx, pkg, depth + 1)
        return None
    if kind == "identifier":
        return _named_constant(fctx.text(node), pkg, depth)
    return None


def _int_literal(text: str) -> int | None:
    text = text.replace("_", "")
    try:
        if len(text) > 1 and text[0] == "0" and text[1].isdigit():
            return int(text, 8)
        return int(text, 0)
    except ValueError:
        return None


def _binary(node: Node, fctx: FileContext, pkg: PackageContext, depth: int) -> int | None:
    left = node.child_by_field_name("left")
    right = node.child_by_field_name("right")
    operator = node.child_by_field_name("operator")
    if left is None or right is None or operator is None:
        return None
    a = fold(left, fctx, pkg, depth + 1)
    b = fold(right, fctx, pkg, depth + 1)
    if a is None or b is None:
        return None
    op = fctx.text(operator)
    if op in ("/", "%") and b == 0:
        return None
    if op in ("<<", ">>") and not 0 <= b <= 64:
        return None
    results = {
        "+": lambda: a + b,
        "-": lambda: a - b,
        "*": lambda: a * b,
        "/": lambda: int(a / b),
        "%": lambda: a - b * int(a / b),
        "<<": lambda: a << b,
        ">>": lambda: a >> b,
        "|": lambda: a | b,
        "&": lambda: a & b,
        "^": lambda: a ^ b,
        "&^": lambda: a & ~b,
    }
    compute = results.get(op)
    return compute() if compute is not None else None


def _named_constant(name: str, pkg: PackageContext, depth: int) -> int | None:
    spec = pkg.facts.constants.get(name)
    if spec is None:
        return None
    names = spec.children_by_field_name("name")
    values = spec.child_by_field_name("value")
    if values is None:
        return None  # an implicit repetition (iota): not folded
    expressions = [v for v in values.named_children if v.type != "comment"]
    index = next((i for i, n in enumerate(names) if n.text is not None and n.text.decode() == name), None)
    if index is None or index >= len(expressions):
        return None
    holder = next((f for f in pkg.files if _contains(f, spec)), None)
    if holder is None:
        return None
    return fold(expressions[index], holder, pkg, depth + 1)


def _contains(fctx: FileContext, node: Node) -> bool:
    root = node
    while root.parent is not None:
        root = root.parent
    return fctx.root == root
