from __future__ import annotations

from tree_sitter import Node

from linter.diagnostics import Severity
from linter.rule import FileContext, Rule


class Goroutine(Rule):
    """## What it does
    Flags every `go` statement in a plugin package.

    ## Why is this bad?
    A proxy-wasm VM is single-threaded and runs plugin code only inside host
    callbacks. TinyGo builds use `-scheduler=none`: the goroutine is never scheduled,
    so its work silently never happens. Under Go 1.24 (`wasip1`) the runtime must
    finish every live goroutine before an exported callback can return to the host,
    so the worker thread blocks (possibly forever) and every connection on it stalls.
    Periodic work belongs in a tick function, background requests in an async call
    whose callback stores the result.

    ## Example
    ```go
    func parseConfig(json gjson.Result, cfg *Config) error {
        go refreshTokens(cfg) // never runs (TinyGo) or blocks the worker (Go 1.24)
        return nil
    }
    ```

    ## Use instead
    ```go
    func parseConfig(json gjson.Result, cfg *Config) error {
        wrapper.RegisterTickFunc(60000, func() {
            // dispatches an HTTP call; its callback stores the new token
            refreshTokensAsync(cfg)
        })
        return nil
    }
    ```
    """

    code = "WG401"
    name = "goroutine"
    severity = Severity.ERROR
    tags = ("runtime", "correctness")
    precision = "very-high"
    node_types = ("go_statement",)

    def check(self, node: Node, ctx: FileContext) -> None:
        call = next((c for c in node.named_children if c.type != "comment"), None)
        function = call.child_by_field_name("function") if call is not None else None
        if function is None:
            self.report(ctx, node, _message("this `go` statement"))
            return
        if function.type == "func_literal":
            # `go func() {` : point at the head, not at the whole (multi-line) body
            end = function.start_byte + len("func")
            self.report(ctx, (node.start_byte, end), _message("`go func() {...}()`"))
            return
        callee = " ".join(ctx.text(function).split())
        if len(callee) > 40:
            callee = callee[:37] + "..."
        self.report(ctx, (node.start_byte, function.end_byte), _message(f"`go {callee}(...)`"))


def _message(subject: str) -> str:
    return (
        f"{subject} starts a goroutine that never runs under TinyGo (no scheduler in a proxy-wasm VM) and, under Go 1.24, "
        "blocks the host's worker thread when the callback returns with the goroutine alive; "
        "do periodic work in a tick function (wrapper.RegisterTickFunc / OnTick) and background "
        "requests with an async call (wrapper HTTP client, DispatchHttpCall) whose callback stores the result"
    )
