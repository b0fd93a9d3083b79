from __future__ import annotations

from dataclasses import dataclass

from tree_sitter import Node

from linter.diagnostics import Severity
from linter.model.bodies import HEADER_PHASE, REQUEST, RESPONSE, reach_of
from linter.model.callgraph import Reached
from linter.model.calls import call_parts, called_name
from linter.model.query import captures
from linter.model.sdk import PROXYWASM
from linter.rule import FileContext, PackageContext, Rule

_REWRITES = {
    f"{verb}Http{side}Body": direction
    for verb in ("Replace", "Append", "Prepend")
    for side, direction in (("Request", REQUEST), ("Response", RESPONSE))
}
_REWRITE_NAMES = frozenset(name.encode() for name in _REWRITES)
_REMOVE = {REQUEST: "RemoveHttpRequestHeader", RESPONSE: "RemoveHttpResponseHeader"}
_REPLACE_ALL = {REQUEST: "ReplaceHttpRequestHeaders", RESPONSE: "ReplaceHttpResponseHeaders"}
_HEADER_CALLS_QUERY = """
(call_expression function: [
  (selector_expression field: (field_identifier) @name)
  (identifier) @name
] (#match? @name "^(RemoveHttpRequestHeader|RemoveHttpResponseHeader|ReplaceHttpRequestHeaders|ReplaceHttpResponseHeaders)$")) @call
"""
_STRINGS_QUERY = "[(interpreted_string_literal) (raw_string_literal)] @string"


@dataclass(frozen=True)
class _Rewrite:
    call: Node
    file: FileContext
    name: str
    direction: str


class BodyRewriteKeepsContentLength(Rule):
    """## What it does
    Flags `proxywasm.ReplaceHttpRequestBody`/`AppendHttpRequestBody`/
    `PrependHttpRequestBody` (and the Response variants), called anywhere in the
    plugin, when no header handler of that direction (or a helper it calls)
    removes `content-length`: `proxywasm.RemoveHttpRequestHeader("content-length")`
    in any letter case, or a header list with the entry filtered out and written
    back with `ReplaceHttpRequestHeaders`.

    ## Why is this bad?
    The headers, with the original `Content-Length`, are forwarded before the
    body is rewritten. A body of another size then disagrees with the announced
    length: the upstream (or the client, for responses) waits for bytes that never
    come until a timeout, or cuts the body short. The SDK documents it: remove
    `content-length` during the header phase when the body will change. Bodies
    re-sent through `ctx.RouteCall` are not affected (the wrapper drops the header
    itself).

    ## Example
    ```go
    func onHttpRequestBody(ctx wrapper.HttpContext, cfg Config, body []byte) types.Action {
        patched, _ := sjson.SetBytes(body, "model", cfg.Model)
        _ = proxywasm.ReplaceHttpRequestBody(patched) // Content-Length still the old one
        return types.ActionContinue
    }
    ```

    ## Use instead
    ```go
    func onHttpRequestHeaders(ctx wrapper.HttpContext, cfg Config) types.Action {
        if ctx.HasRequestBody() {
            _ = proxywasm.RemoveHttpRequestHeader("content-length") // the body will be rewritten
        }
        return types.ActionContinue
    }
    ```
    """

    code = "WG303"
    name = "body-rewrite-keeps-content-length"
    severity = Severity.WARNING
    tags = ("bodies", "correctness")
    precision = "high"
    node_types = ("call_expression",)
    call_names = _REWRITE_NAMES

    def __init__(self) -> None:
        self._package: PackageContext | None = None
        self._rewrites: list[_Rewrite] = []

    def node_types_for(self, ctx: FileContext) -> tuple[str, ...]:
        data = ctx.file.data
        return self.node_types if b"RequestBody" in data or b"ResponseBody" in data else ()

    def check(self, node: Node, ctx: FileContext) -> None:
        function = node.child_by_field_name("function")
        name = (called_name(node) or b"").decode()
        direction = _REWRITES.get(name)
        if function is None or direction is None:
            return
        if not ctx.refers_to(function, PROXYWASM, name):
            return
        if name.startswith("Replace") and _size_preserving(node, ctx):
            return
        if self._package is not ctx.package:
            self._package, self._rewrites = ctx.package, []
        self._rewrites.append(_Rewrite(node, ctx, name, direction))

    def check_package(self, pkg: PackageContext) -> None:
        rewrites = self._rewrites if self._package is pkg else []
        self._package, self._rewrites = None, []
        if not rewrites or not pkg.plugin.request_handlers:
            return  # a library package (or ticks only): the header handlers are elsewhere
        for direction in (REQUEST, RESPONSE):
            first = next((r for r in rewrites if r.direction == direction), None)
            if first is None:
                continue
            headers = reach_of(pkg, (HEADER_PHASE[direction],), opaque="any")
            if headers.unresolved:
                continue
            if any(_removes_content_length(item, direction, pkg) for item in headers.functions.values()):
                continue
            self.report(first.file, first.call, _message(first))


def _size_preserving(call: Node, fctx: FileContext) -> bool:
    """``Replace*Body(bytes.Repeat([]byte("\\x00"), size))``: a mask of the same size
    as the body keeps the announced length right."""
    parts = call_parts(call)
    if parts is None or len(parts[1]) != 1:
        return False
    argument = parts[1][0]
    inner = call_parts(argument) if argument.type == "call_expression" else None
    return inner is not None and fctx.refers_to(inner[0].node, {"bytes"}, "Repeat")


def _removes_content_length(item: Reached, direction: str, pkg: PackageContext) -> bool:
    body = item.node.child_by_field_name("body")
    if body is None:
        return False
    fctx = item.file
    for call in captures(_HEADER_CALLS_QUERY, body).get("call", []):
        parts = call_parts(call)
        if parts is None:
            continue
        callee, args = parts
        if not fctx.refers_to(callee.node, PROXYWASM, callee.name):
            continue
        if callee.name == _REMOVE[direction] and args and _is_content_length(args[0], fctx, pkg):
            return True
        if callee.name == _REPLACE_ALL[direction] and any(
            _is_content_length(s, fctx, pkg) for s in captures(_STRINGS_QUERY, body).get("string", [])
        ):
            return True  # the header list is written back with the entry filtered out
    return False


def _is_content_length(node: Node, fctx: FileContext, pkg: PackageContext) -> bool:
    if node.type in ("interpreted_string_literal", "raw_string_literal"):
        return fctx.text(node)[1:-1].lower() == "content-length"
    if node.type == "identifier":
        spec = pkg.facts.constants.get(fctx.text(node))
        values = spec.child_by_field_name("value") if spec is not None else None
        if values is None or spec is None:
            return False
        names = [n.text.decode() for n in spec.children_by_field_name("name") if n.text is not None]
        expressions = [v for v in values.named_children if v.type != "comment"]
        if fctx.text(node) not in names:
            return False
        index = names.index(fctx.text(node))
        if index >= len(expressions):
            return False
        value = expressions[index]
        return (
            value.type in ("interpreted_string_literal", "raw_string_literal")
            and value.text is not None
            and value.text.decode()[1:-1].lower() == "content-length"
        )
    return False


def _message(rewrite: _Rewrite) -> str:
    side = "Request" if rewrite.direction == REQUEST else "Response"
    peer = "upstream" if rewrite.direction == REQUEST else "client"
    return (
        f"`proxywasm.{rewrite.name}` changes the {rewrite.direction} body, but no {rewrite.direction} header "
        f"handler removes `content-length`: the {peer} gets the original Content-Length with a body of another "
        "size and waits for bytes that never come (a hang until timeout) or reads a truncated body; call "
        f'proxywasm.RemoveHttp{side}Header("content-length") in the {rewrite.direction} header handler '
        f"(behind ctx.Has{side}Body())"
    )
