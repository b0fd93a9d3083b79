from __future__ import annotations

import re

from tree_sitter import Node

from linter.diagnostics import Severity
from linter.model.bodies import BODY_PHASE, DIRECTIONS, IN_TIME_PHASES, REQUEST, limits_in, reach_of
from linter.model.callgraph import file_of
from linter.model.calls import call_parts
from linter.model.plugin import Handler, Phase
from linter.rule import FileContext, PackageContext, Rule

_ACKNOWLEDGEMENT = re.compile(r"(//|/\*).*buffer-limit:")
_DONT_READ = {REQUEST: "DontReadRequestBody", "response": "DontReadResponseBody"}
_SKIP_PHASES = {REQUEST: (Phase.REQUEST_HEADERS,), "response": (Phase.REQUEST_HEADERS, Phase.RESPONSE_HEADERS)}
"""Header handlers whose unconditional ``DontRead*Body()`` keeps the body handler from running."""


class BodyWithoutBufferLimit(Rule):
    """## What it does
    Flags a buffered body handler (`ProcessRequestBody[By]`, `ProcessResponseBody[By]`)
    when no header handler (or a helper it calls) sets a buffer limit for that
    direction with `ctx.SetRequestBodyBufferLimit`/`ctx.SetResponseBodyBufferLimit`
    (or the `set_decoder_buffer_limit`/`set_encoder_buffer_limit` property), and no
    `// buffer-limit: <why>` comment on the registration or on the handler
    acknowledges the default.

    ## Why is this bad?
    A buffered body handler only runs once the whole body has been buffered, and
    the gateway buffers at most its per-connection limit: Higress sets
    `DownstreamConnectionBufferLimits` to 32768 bytes. Any larger body is rejected
    before the handler runs: **413 Payload Too Large** for requests, **500** for
    responses. Tests with small payloads pass; production traffic with a long
    prompt or a big JSON document fails. Raising the limit is a trade-off: each
    buffered request may hold that much gateway memory, so size it from config,
    set it in the header handler (buffering starts right after it), and only when
    a body follows. Streaming handlers are not subject to the limit.

    ## Example
    ```go
    func init() {
        wrapper.SetCtx("prompt-guard",
            wrapper.ParseConfig(parseConfig),
            wrapper.ProcessRequestBody(onHttpRequestBody), // 413 above 32 KiB
        )
    }
    ```

    ## Use instead
    ```go
    func onHttpRequestHeaders(ctx wrapper.HttpContext, cfg Config) types.Action {
        if ctx.HasRequestBody() {
            ctx.SetRequestBodyBufferLimit(cfg.MaxBodyBytes) // e.g. 10 MiB from config
        }
        return types.ActionContinue
    }
    // or, when the default is a deliberate choice:
    wrapper.ProcessRequestBody(onHttpRequestBody), // buffer-limit: payloads are < 4 KiB by API contract
    ```
    """

    code = "WG301"
    name = "body-without-buffer-limit"
    severity = Severity.WARNING
    tags = ("bodies", "reliability")
    precision = "high"

    def check_package(self, pkg: PackageContext) -> None:
        for direction in DIRECTIONS:
            options = [h for h in pkg.plugin.handlers if h.phase is BODY_PHASE[direction] and not h.raw]
            if not options or self._handled(pkg, direction):
                continue
            reported: set[int] = set()
            for handler in options:
                if handler.option_node.id in reported:
                    continue
                reported.add(handler.option_node.id)
                fctx = file_of(handler.option_node, pkg)
                if fctx is None or self._acknowledged(handler, fctx):
                    continue
                self.report(fctx, handler.option_node, _message(handler, direction))

    @staticmethod
    def _handled(pkg: PackageContext, direction: str) -> bool:
        in_time = reach_of(pkg, IN_TIME_PHASES[direction], opaque="context")
        if in_time.unresolved:
            return True  # a header handler in another package may set it
        if any(limit.direction == direction for limit in limits_in(in_time)):
            return True
        too_late = reach_of(pkg, (BODY_PHASE[direction],), wrapper_only=True)
        if any(limit.direction == direction for limit in limits_in(too_late)):
            return True  # set only in the body handler: WG302 reports that
        return any(
            _dont_read_first(h.function, h.file, _DONT_READ[direction])
            for h in pkg.plugin.handlers
            if h.phase in _SKIP_PHASES[direction] and h.function is not None and h.file is not None
        )

    @staticmethod
    def _acknowledged(handler: Handler, fctx: FileContext) -> bool:
        option = handler.option_node
        if _comment_lines_say(fctx, option.start_point.row + 1, option.end_point.row + 1):
            return True
        function = handler.function
        if function is None or handler.file is None:
            return False
        line = function.start_point.row + 1
        return _comment_lines_say(handler.file, line, line)


def _comment_lines_say(fctx: FileContext, first: int, last: int) -> bool:
    """An acknowledgement on lines ``first..last`` or in the comment block just above."""
    source = fctx.file
    if any(_ACKNOWLEDGEMENT.search(source.line_text(n)) for n in range(first, last + 1)):
        return True
    line = first - 1
    while line >= 1:
        text = source.line_text(line).strip()
        if not text.startswith(("//", "/*", "*")):
            return False
        if _ACKNOWLEDGEMENT.search(text):
            return True
        line -= 1
    return False


def _dont_read_first(function: Node, fctx: FileContext, method: str) -> bool:
    """``ctx.DontRead*Body()`` as a top-level statement of the handler: every path runs it."""
    body = function.child_by_field_name("body")
    statements = next((c for c in body.named_children if c.type == "statement_list"), None) if body else None
    if statements is None:
        return False
    for statement in statements.named_children:
        if statement.type != "expression_statement" or not statement.named_children:
            continue
        parts = call_parts(statement.named_children[0])
        if parts is None:
            continue
        callee, _ = parts
        if callee.name == method and callee.qualifier is not None and fctx.qualified(callee.node) is None:
            return True
    return False


def _message(handler: Handler, direction: str) -> str:
    subject = f"`{handler.option}({handler.name})`"
    if direction == REQUEST:
        failure = "any larger request gets 413 Payload Too Large"
        setter = "ctx.SetRequestBodyBufferLimit(n)"
    else:
        failure = "any larger response fails with 500"
        setter = "ctx.SetResponseBodyBufferLimit(n)"
    return (
        f"{subject} buffers the whole {direction} body, but no {direction} header handler sets a buffer "
        f"limit: with the gateway default (DownstreamConnectionBufferLimits, 32768 bytes) {failure} before "
        f"{handler.name} runs; call {setter} in the header handler, sized for the bodies you expect (every "
        "raised byte may be held in gateway memory per buffered request), or acknowledge the default with a "
        "`// buffer-limit: <why>` comment"
    )
