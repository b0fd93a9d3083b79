from __future__ import annotations

import re

from tree_sitter import Node

from linter.diagnostics import Severity
from linter.model.localtypes import LocalTypes, TypeRef
from linter.rule import FileContext, PackageContext, Rule

_TIME = frozenset({"time"})
_SYNC = frozenset({"sync"})
_TIMERS = ("After", "Tick", "NewTimer", "NewTicker")
_WAITERS = {TypeRef("sync", "WaitGroup"): "sync.WaitGroup", TypeRef("sync", "Cond"): "sync.Cond"}
_CALLED = frozenset({b"Sleep", *(name.encode() for name in _TIMERS), b"Wait"})
"""The (member) names of every call this rule reports, as source bytes."""
_CHAN = re.compile(rb"\bchan\b")
"""A channel type can only come from a ``chan`` keyword in some file of the package."""

_CONSEQUENCE = (
    "TinyGo rejects it (\"trying to make exported function async\") or the VM fails to load "
    "(missing wasi poll_oneoff), and under Go 1.24 it freezes the worker thread and every connection on it"
)


class BlockingCall(Rule):
    """## What it does
    Flags calls and statements that wait: `time.Sleep`, a channel receive (`<-ch`,
    `v, ok := <-ch`, `for range ch`), `select {}` and a `select` without `default`,
    `sync.WaitGroup.Wait` and `sync.Cond.Wait`, and timers made to be waited on
    (`time.After`, `time.Tick`, `time.NewTimer`, `time.NewTicker`).

    ## Why is this bad?
    A proxy-wasm VM is single-threaded: plugin code runs inside a host callback that
    must return promptly, and there is no other goroutine that could send on a
    channel, signal a condition or finish a wait group. TinyGo refuses to build a
    blocking export ("trying to make exported function async") or produces a module
    the host cannot load; under Go 1.24 the call blocks inside the export and freezes
    the worker thread with every connection on it. Reading the clock (`time.Now`,
    `time.Since`), durations, a `select` with `default` and an uncontended
    `sync.Mutex` are fine.

    ## Example
    ```go
    for i := 0; i < 3; i++ {
        if err := cfg.Client.Get(path, nil, onReply, 500); err == nil {
            return types.HeaderStopAllIterationAndWatermark
        }
        time.Sleep(100 * time.Millisecond)
    }
    ```

    ## Use instead
    ```go
    // retry from the callback, or periodically from a tick registered in parseConfig:
    wrapper.RegisterTickFunc(500, func() { retryPending(cfg) })
    ```
    """

    code = "WG402"
    name = "blocking-call"
    severity = Severity.ERROR
    tags = ("runtime", "correctness")
    precision = "high"
    node_types = (
        "call_expression",
        "unary_expression",
        "for_statement",
        "select_statement",
    )
    call_names = _CALLED

    def __init__(self) -> None:
        self._ctx: FileContext | None = None
        self._pkg: PackageContext | None = None
        self._time = False
        """Does the file import "time" (else no call can be time.Sleep or a timer)?"""
        self._sync = False
        """Does any file of the package import "sync" (else nothing is a WaitGroup or Cond)?"""
        self._chan = False
        """Does any file of the package mention ``chan`` (else nothing is a channel to range over)?"""

    def check_file(self, ctx: FileContext) -> None:
        self._start(ctx)

    def _start(self, ctx: FileContext) -> None:
        """Decide once per file which checks can find anything in it."""
        self._ctx = ctx
        pkg = ctx.package
        if pkg is not self._pkg:
            self._pkg = pkg
            self._sync = pkg.imports_any({"sync"})
            self._chan = any(b"chan" in f.file.data and _CHAN.search(f.file.data) for f in pkg.files)
        self._time = "time" in ctx.imports.paths

    def node_types_for(self, ctx: FileContext) -> tuple[str, ...]:
        """Receives and selects need no import; calls and ranges are only looked at
        when the package can have timers, WaitGroups or channels."""
        if ctx is not self._ctx:
            self._start(ctx)
        wanted: tuple[str, ...] = ("unary_expression", "select_statement")
        if self._time or self._sync:
            wanted += ("call_expression",)
        if self._chan:
            wanted += ("for_statement",)
        return wanted

    def check(self, node: Node, ctx: FileContext) -> None:
        if ctx is not self._ctx:
            self._start(ctx)
        kind = node.type
        if kind == "call_expression":
            if self._time or self._sync:
                self._call(node, ctx)
        elif kind == "unary_expression":
            self._receive(node, ctx)
        elif kind == "for_statement":
            if self._chan:
                self._range(node, ctx)
        elif kind == "select_statement":
            self._select(node, ctx)

    def _call(self, call: Node, ctx: FileContext) -> None:
        function = call.child_by_field_name("function")
        if function is None:
            return
        if self._time and ctx.refers_to(function, _TIME, "Sleep"):
            self.report(
                ctx,
                call,
                f"`{_short(ctx, function)}(...)` blocks the VM: {_CONSEQUENCE}; retry from the async "
                "callback or from a tick function (wrapper.RegisterTickFunc) instead of sleeping",
            )
        elif self._time and ctx.refers_to(function, _TIME, *_TIMERS):
            if _waited_by_blocking_select(call):
                return  # the select itself is reported
            self.report(
                ctx,
                call,
                f"`{_short(ctx, function)}(...)` makes a timer channel to wait on, but no timer fires "
                f"while a proxy-wasm callback runs and waiting on it blocks: {_CONSEQUENCE}; use a tick "
                "function (wrapper.RegisterTickFunc) for periodic work and the async call's timeout argument "
                "for deadlines",
            )
        elif self._sync and function.type == "selector_expression":
            member = function.child_by_field_name("field")
            if member is None or ctx.file.data[member.start_byte : member.end_byte] != b"Wait":
                return
            operand = function.child_by_field_name("operand")
            local_types = LocalTypes.of(ctx.package)
            receiver = local_types.method_receiver(local_types.type_of(operand, ctx), "Wait", _WAITERS, ctx.package)
            if receiver is None:
                return
            what = _WAITERS[receiver]
            waits_for = "goroutines to finish" if what == "sync.WaitGroup" else "another goroutine to signal"
            self.report(
                ctx,
                call,
                f"`{_short(ctx, function)}()` waits on a {what} for {waits_for}, which cannot happen in a "
                f"single-threaded proxy-wasm VM, so it blocks: {_CONSEQUENCE}; continue in the async callback "
                "or a tick function instead",
            )

    def _receive(self, node: Node, ctx: FileContext) -> None:
        if not ctx.file.data.startswith(b"<-", node.start_byte):
            return  # -x, !x, &x, *x...: the operator is the first token
        operator = node.child_by_field_name("operator")
        if operator is None or operator.type != "<-":
            return
        parent = node.parent
        if parent is not None and parent.type == "receive_statement":
            return  # a select case: the select decides whether it blocks
        operand = node.child_by_field_name("operand")
        if self._time and operand is not None and operand.type == "call_expression":
            function = operand.child_by_field_name("function")
            if ctx.refers_to(function, _TIME, *_TIMERS):
                return  # reported at the timer call
        self.report(
            ctx,
            node,
            f"`{_short(ctx, node)}` waits for a value from a channel; no other goroutine runs in a "
            f"proxy-wasm VM to send it, so it blocks: {_CONSEQUENCE}; carry the value through the async "
            "callback (or the HttpContext) instead",
        )

    def _range(self, node: Node, ctx: FileContext) -> None:
        clause = next((c for c in node.named_children if c.type == "range_clause"), None)
        if clause is None:
            return
        right = clause.child_by_field_name("right")
        found = LocalTypes.of(ctx.package).type_of(right, ctx)
        if right is None or found is None or not found.is_channel:
            return
        self.report(
            ctx,
            (node.start_byte, clause.end_byte),
            f"`range {_short(ctx, right)}` receives from a channel until it is closed; nothing else runs in "
            f"a proxy-wasm VM to send or close it, so the loop blocks: {_CONSEQUENCE}; keep the items in a "
            "slice, or drain with `select` and `default`",
        )

    def _select(self, node: Node, ctx: FileContext) -> None:
        kinds = {child.type for child in node.named_children}
        if "default_case" in kinds:
            return
        keyword = node.children[0] if node.children else node
        if "communication_case" not in kinds:
            message = (
                f"`select {{}}` blocks forever: {_CONSEQUENCE}; a plugin's main/init must return "
                "(register the plugin and let the host call it)"
            )
        else:
            message = (
                "`select` without a `default` case blocks until one of its channels is ready, and nothing "
                f"else runs in a proxy-wasm VM to make it ready: {_CONSEQUENCE}; add a `default` case, or "
                "continue in the async callback or a tick function"
            )
        self.report(ctx, keyword, message)


def _waited_by_blocking_select(call: Node) -> bool:
    """``case <-time.After(d):`` in a select without ``default``."""
    receive = call.parent
    statement = receive.parent if receive is not None else None
    case = statement.parent if statement is not None else None
    select = case.parent if case is not None else None
    return (
        receive is not None
        and receive.type == "unary_expression"
        and statement is not None
        and statement.type == "receive_statement"
        and case is not None
        and case.type == "communication_case"
        and select is not None
        and select.type == "select_statement"
        and not any(c.type == "default_case" for c in select.named_children)
    )


def _short(ctx: FileContext, node: Node) -> str:
    text = " ".join(ctx.text(node).split())
    return text if len(text) <= 40 else text[:37] + "..."
