"""Lifecycle findings of one plugin package, computed once and read by the rules.

Every request handler is explored (``explore.Explorer``); pauses are judged per
phase at each exit; the callbacks of the async ops dispatched on paths that pause
are "attached" to the paused stream and explored in turn (nested callbacks inherit
the attachment). Each rule module reports the findings filed under its code.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from tree_sitter import Node

from linter.diagnostics import Applicability, Edit, Fix, Severity
from linter.lifecycle.actions import is_continue, is_pause
from linter.lifecycle.effects import Effects
from linter.lifecycle.explore import Exit, FlowResult, Observation, State, Value
from linter.lifecycle.ops import EventKind
from linter.lifecycle.skipped import skipped_work
from linter.lifecycle.summaries import Summaries, is_counter_join
from linter.model.functions import display_name, enclosing_function, parameters
from linter.model.plugin import Handler, Phase
from linter.model.query import captures
from linter.model.sdk import PROXYWASM, Generation
from linter.rule import FileContext, PackageContext

_EFFECTIVE_CONTEXT_QUERY = """
(call_expression function: [
  (selector_expression field: (field_identifier) @name)
  (identifier) @name
] (#eq? @name "SetEffectiveContext")) @call
"""




@dataclass(frozen=True)
class Finding:
    code: str
    file: FileContext
    start_byte: int
    end_byte: int
    message: str
    severity: Severity | None = None
    """Overrides the rule's default (WG109 is an error on the Go 1.24 SDK)."""
    fix: Fix | None = None


@dataclass
class _Callback:
    """A dispatch whose callback is explored, with where it came from."""

    observation: Observation
    file: FileContext
    origin: Phase
    attached: bool
    dispatcher: Node
    """The function that dispatched it (handler, helper or outer callback)."""


class LifecycleAnalysis:
    def __init__(self, pkg: PackageContext) -> None:
        self.pkg = pkg
        self.summaries = Summaries(pkg)
        self.effects = Effects(self.summaries)
        self.findings: dict[str, list[Finding]] = defaultdict(list)
        self._reported: set[tuple[str, int, int]] = set()
        self.attached_callbacks: set[int] = set()
        self.continued_callbacks: set[int] = set()
        self.resumed_from_plugin_level = self._uses_effective_context()
        self._all_analysed = all(f.analysed for f in pkg.files)
        self._failed_pauses: dict[frozenset[int], list[tuple[Node, FileContext, str]]] = {}
        self._unresumed_pauses: dict[int, tuple[Node, FileContext, str]] = {}

    @classmethod
    def build(cls, pkg: PackageContext) -> LifecycleAnalysis:
        analysis = cls(pkg)
        analysis.run()
        return analysis

    def report(
        self,
        code: str,
        fctx: FileContext,
        where: Node | tuple[int, int],
        message: str,
        severity: Severity | None = None,
        fix: Fix | None = None,
    ) -> None:
        start, end = (where.start_byte, where.end_byte) if isinstance(where, Node) else where
        key = (code, id(fctx), start)
        if key in self._reported:
            return
        self._reported.add(key)
        self.findings[code].append(Finding(code, fctx, start, end, message, severity, fix))

    # -- handlers ---------------------------------------------------------------
    def run(self) -> None:
        callbacks: list[_Callback] = []
        for handler in self.pkg.plugin.handlers:
            if handler.function is None or handler.file is None:
                continue
            if not self._touches_analysed_files(handler.function, handler.file):
                continue  # nothing it can report lands in a file being linted
            if handler.raw and self.resumed_from_plugin_level:
                continue  # paused contexts are resumed from OnTick/OnQueueReady
            returns_action = handler.phase.is_header or handler.phase.is_buffered_body or handler.phase in (
                Phase.REQUEST_TRAILERS,
                Phase.RESPONSE_TRAILERS,
            )
            if not returns_action and self.summaries.effect_free(handler.function, handler.file):
                continue  # a parse, tick, streaming or stream-done handler with nothing to judge
            guard = _raw_body_guard(handler)
            result = self.summaries.explore(handler.function, handler.file, guard, _body_method(handler.phase))
            if result is None or not result.reliable:
                continue
            if returns_action:
                for exit_ in result.exits:
                    self._judge_exit(handler, exit_, result)
            sync_results = [result, *self._sync_helpers(result)]
            for flow in sync_results:
                self._judge_sync_resumes(handler, flow)
                self._judge_replies(flow)
                callbacks.extend(self._dispatches(flow, handler.phase, attached=None))
        self._report_pauses()
        self._explore_callbacks(callbacks)

    def _touches_analysed_files(self, function: Node, fctx: FileContext) -> bool:
        """Can exploring ``function`` report in a linted file? Always when every file
        of the package is linted (a directory run); for one file of a package (the
        editor, pre-commit), only when it, or a function or callback it reaches,
        is defined in a linted file."""
        if self._all_analysed:
            return True
        seen: set[int] = set()
        work: list[tuple[Node, FileContext]] = [(function, fctx)]
        while work:
            current, holder = work.pop()
            if current.id in seen:
                continue
            seen.add(current.id)
            if holder.analysed:
                return True
            for event in self.summaries.events(current, holder):
                if event.kind is EventKind.HELPER:
                    work.extend((helper.node, helper.file) for helper in event.helpers)
                elif event.kind is EventKind.DISPATCH:
                    resolved = self.summaries.resolve_callback(event, holder)
                    if resolved is not None:
                        work.append(resolved)
        return False

    def _judge_exit(self, handler: Handler, exit_: Exit, result: FlowResult) -> None:
        value = exit_.value
        if exit_.panicked or value[0] != "const" or not isinstance(value[1], int):
            return
        state = exit_.state
        fctx = handler.file
        assert fctx is not None
        if is_continue(value[1]):
            self.continued_callbacks |= state.callbacks
            self._judge_route_call_continue(fctx, exit_)
            self._judge_continue_after_dispatch(exit_)
            return
        if not is_pause(value[1], handler.phase):
            return
        self.attached_callbacks |= state.callbacks
        if state.reply_line or state.opaque:
            return
        origin = self._origin(value, exit_, fctx)
        if origin is None:
            return
        where, where_file = origin
        returned = f"`{where_file.text(where)}`"
        if where.type == "return_statement":
            values = where.named_children[0] if where.named_children else None
            returned = f"`{where_file.text(values)}`" if values is not None else "a pause"
        for site in sorted(state.dispatched & state.discarded):
            self._report_discarded(site, returned, where)
        stop_iteration = handler.phase.is_header and value[1] == 1
        if state.dispatched:
            if stop_iteration:
                self._judge_stop_iteration_after_dispatch(handler, exit_, where, where_file, returned)
            self._judge_skipped_work(exit_, result)
            self._judge_skipped_work_in_helper(value, where, result)
            return
        if state.failed:
            self._failed_pauses.setdefault(frozenset(state.failed), []).append((where, where_file, returned))
            return
        if stop_iteration:
            self._judge_stop_iteration_without_body(handler, state, where, where_file, returned)
            return
        if state.awaiting_body:
            return  # raw SDK: buffering until the last chunk
        self._unresumed_pauses.setdefault(where.id, (where, where_file, returned))

    def _judge_stop_iteration_after_dispatch(
        self, handler: Handler, exit_: Exit, where: Node, where_file: FileContext, returned: str
    ) -> None:
        sites = [self.summaries.sites[s][0] for s in sorted(exit_.state.dispatched) if s in self.summaries.sites]
        op = f"`{sites[0].op}` (line {sites[0].line})" if sites else "an async call"
        new_wrapper = self.pkg.generation is Generation.NEW_WRAPPER
        abi = (
            "this plugin uses the Go 1.24 SDK (ABI 0.2.100)"
            if new_wrapper
            else "it is converted to stop-all only under ABI 0.2.0; a Go 1.24 or 0.2.100 build honours it"
        )
        self.report(
            "WG109",
            where_file,
            where,
            f"returns {returned} (StopIteration) from the {handler.phase.value} handler after dispatching "
            f"{op}: {abi}, so body frames keep flowing and the request can reach upstream before the "
            "callback decides; return types.HeaderStopAllIterationAndWatermark",
            severity=Severity.ERROR if new_wrapper else None,
            fix=self._stop_all_fix(exit_, handler),
        )

    def _stop_all_fix(self, exit_: Exit, handler: Handler) -> Fix | None:
        value = exit_.value
        if len(value) < 3 or not isinstance(value[2], int) or value[2] not in self.summaries.origins:
            return None
        constant, fctx = self.summaries.origins[value[2]]
        return _stop_all_fix_at(constant, fctx, handler)

    def _judge_stop_iteration_without_body(
        self, handler: Handler, state: State, where: Node, where_file: FileContext, returned: str
    ) -> None:
        body = "request" if handler.phase is Phase.REQUEST_HEADERS else "response"
        guard = "ctx.HasRequestBody()" if body == "request" else "ctx.HasResponseBody()"
        guarded = state.awaiting_body or bool(state.body_guard)
        if guarded and self.pkg.generation is not Generation.OLD_WRAPPER and state.body_guard != "guess":
            return
        if guarded and self.pkg.generation is Generation.OLD_WRAPPER:
            message = (
                f"returns {returned} with nothing pending: under ABI 0.2.0 (the TinyGo wrapper) the host turns "
                "it into stop-all, so the body is never delivered and the request hangs even when it has a "
                "body; return types.ActionContinue and handle the body in the body handler"
            )
        elif state.body_guard == "guess":
            message = (
                f"returns {returned} guarded only by the deprecated wrapper.Has{body.capitalize()}Body(), which "
                f"guesses from headers: a {body} without a body never reaches the body phase and hangs; guard "
                f"with {guard}"
            )
        else:
            message = (
                f"returns {returned} (StopIteration) with no async call and no guard proving a {body} body "
                f"exists: {body}s without a body (GET, HEAD, 204, 304) never reach the body phase and hang; "
                f"guard it with {guard}"
            )
        self.report("WG110", where_file, where, message)

    def _judge_continue_after_dispatch(self, exit_: Exit) -> None:
        where = exit_.node.node
        line = f" on line {where.start_point.row + 1}" if where is not None else ""
        for site in sorted(exit_.state.dispatched):
            known = self.summaries.sites.get(site)
            if known is None:
                continue
            event, fctx = known
            profile = self.effects.of_callback(event, fctx)
            acts = profile.kinds & {EventKind.RESUME, EventKind.REPLY, EventKind.MUTATION}
            if not acts:
                continue
            what = ", ".join(sorted(_ACT_WORDS[k] for k in acts))
            self.report(
                "WG108",
                fctx,
                event.call,
                f"the callback of `{event.op}` {what}, but the handler returns continue{line} after "
                "dispatching it: the request goes upstream at once and the callback acts on a running "
                "stream; return a pause after a successful dispatch (continue only on its error branch)",
            )

    def _judge_skipped_work(self, exit_: Exit, result: FlowResult) -> None:
        found = skipped_work(result, exit_, self.summaries, self.effects)
        if found is None:
            return
        skipped, dispatch, branch = found
        returned = exit_.node.node
        pause_line = returned.start_point.row + 1 if returned is not None else 0
        self.report(
            "WG102",
            result.file,
            skipped.call,
            f"`{skipped.op}` never runs for requests that take the branch at line {branch.start_point.row + 1}: "
            f"it dispatches `{dispatch.op}` and pauses (line {pause_line}), and resuming continues the filter "
            "chain, not the handler; call this from that callback (chain the checks) or combine them",
        )

    def _judge_skipped_work_in_helper(self, value: Value, where: Node, result: FlowResult) -> None:
        """The pause the handler returns is written in a helper (``return check(ctx)``):
        judge the helper's own pausing branch (its exits that return that very constant,
        directly or through a variable), whose later work is skipped just the same."""
        function = enclosing_function(where)
        if function is None or function.id == result.function.id:
            return
        helper = self.summaries.helper_results.get(function.id)
        if helper is None:
            return
        for exit_ in helper.exits:
            if exit_.state.dispatched and exit_.value == value:
                self._judge_skipped_work(exit_, helper)

    def _origin(self, value: tuple[object, ...], exit_: Exit, fctx: FileContext) -> tuple[Node, FileContext] | None:
        """Where the returned constant is written (maybe in a helper), else the return."""
        returned = exit_.node.node
        if len(value) > 2 and isinstance(value[2], int) and value[2] in self.summaries.origins:
            origin, origin_file = self.summaries.origins[value[2]]
            function = enclosing_function(origin)
            if returned is None or function is None or not (
                function.start_byte <= returned.start_byte < function.end_byte
            ):
                return origin, origin_file
        return (returned, fctx) if returned is not None else None

    def _report_discarded(self, site: int, returned: str, where: Node) -> None:
        event = self.summaries.sites.get(site)
        if event is None:
            return
        self.report(
            "WG105",
            event[1],
            event[0].call,
            f"the error of `{event[0].op}` is discarded, but the path returns {returned} on line "
            f"{where.start_point.row + 1}: if the dispatch fails (unknown cluster, client not ready) "
            "the callback never runs and the request hangs; check the error and return "
            "types.ActionContinue or send a local reply",
        )

    def _judge_route_call_continue(self, fctx: FileContext, exit_: Exit) -> None:
        for site in exit_.state.failed:
            event = self.summaries.sites.get(site)
            if event is not None and event[0].route_call and exit_.node.node is not None:
                self.report(
                    "WG105",
                    fctx,
                    exit_.node.node,
                    f"returns continue after `{event[0].op}` failed (line {event[0].line}): RouteCall "
                    "rewrites headers before it can fail, so a half-rewritten request goes upstream; "
                    "send a local reply and return types.ActionPause instead",
                )

    def _report_pauses(self) -> None:
        """One diagnostic per pause: a failed dispatch (WG105) explains it best."""
        explained: set[int] = set()
        for sites, candidates in self._failed_pauses.items():
            where, where_file, returned = next(
                (c for c in candidates if any(_contains(c[0], s, self.summaries) for s in sites)), candidates[0]
            )
            lines = sorted(self.summaries.sites[s][0].line for s in sites if s in self.summaries.sites)
            at = f" at line {lines[0]}" if lines else ""
            explained.update(c[0].id for c in candidates)
            self.report(
                "WG105",
                where_file,
                where,
                f"returns {returned} in the error branch of the async call{at}: the call failed, so its "
                "callback never runs and nothing resumes the request; return types.ActionContinue "
                "(fail open) or send a local reply first",
            )
        for node_id, (where, where_file, returned) in self._unresumed_pauses.items():
            if node_id in explained:
                continue
            self.report(
                "WG103",
                where_file,
                where,
                f"returns {returned} but no async call was dispatched and no local reply was sent on "
                f"this path{_through(where)}: nothing will resume the request, which hangs until the "
                "route timeout",
            )

    def _sync_helpers(self, result: FlowResult) -> list[FlowResult]:
        """Helpers called (transitively) from a handler body, outside callbacks."""
        found: list[FlowResult] = []
        seen: set[int] = set()
        work = [result]
        while work:
            current = work.pop()
            for obs in current.observations:
                if obs.event.kind is not EventKind.HELPER:
                    continue
                for helper in obs.event.helpers:
                    if helper.node.id in seen:
                        continue
                    seen.add(helper.node.id)
                    helper_result = self.summaries.helper_results.get(helper.node.id)
                    if helper_result is not None:
                        found.append(helper_result)
                        work.append(helper_result)
        return found

    def _judge_sync_resumes(self, handler: Handler, flow: FlowResult) -> None:
        for obs in flow.observations:
            if obs.event.kind is not EventKind.RESUME:
                continue
            if self._resume_after_reply(obs, flow.file):
                continue
            name = obs.event.op
            where = f"the {handler.phase.value} handler `{handler.name}`"
            if handler.function is not None and flow.function.id != handler.function.id:
                where = f"`{display_name(flow.function)}`, called from {where},"
            if handler.phase.is_request_scoped:
                detail = (
                    f"is called synchronously in {where}: the "
                    "stream is not paused while the handler runs (the host defers it and then continues "
                    "a running stream); return types.ActionContinue instead"
                )
            else:
                detail = f"is called in a {handler.phase.value} function, where no request is paused (the stream is not paused)"
            self.report("WG107", flow.file, obs.event.call, f"`{name}()` {detail}")

    def _resume_after_reply(self, obs: Observation, fctx: FileContext) -> bool:
        if not obs.state.reply_line:
            return False
        if obs.state.reply_unsent:
            return True  # the fallback on the reply's own error branch: neither WG106 nor WG107
        where: Node = obs.defer_node if obs.deferred and obs.defer_node is not None else obs.event.call
        if obs.deferred:
            message = (
                f"deferred `{obs.event.op}()` runs at every exit, including after the local reply sent on "
                f"line {obs.state.reply_line}: resuming a stream that was answered locally crashes or "
                "double-responds the gateway; resume explicitly on the paths that did not reply"
            )
        elif obs.state.reply_call == obs.event.call.id:
            message = (
                f"`{obs.event.op}()` can run after this same call sent a local reply (line "
                f"{obs.state.reply_line}) in an earlier iteration of the loop: resuming a stream that was "
                "answered locally crashes or double-responds the gateway; stop the loop after the reply"
            )
        else:
            message = (
                f"`{obs.event.op}()` runs after the local reply sent on line {obs.state.reply_line} on this "
                "path: resuming a stream that was answered locally crashes or double-responds the "
                "gateway; return right after the reply"
            )
        self.report("WG106", fctx, where, message)
        return True

    def _judge_replies(self, flow: FlowResult) -> None:
        """A second local reply, or an async call, after a reply on the same path."""
        for obs in flow.observations:
            reply = obs.state.reply_line
            if not reply or obs.state.reply_unsent:
                continue
            kind = obs.event.kind
            if ("WG106", id(flow.file), obs.event.call.start_byte) in self._reported:
                continue  # the same call's resume after the reply is the one defect (WG106)
            if kind is EventKind.REPLY:
                again = " (in an earlier iteration of the loop)" if obs.state.reply_call == obs.event.call.id else ""
                self.report(
                    "WG112",
                    flow.file,
                    obs.event.call,
                    f"`{obs.event.op}` can send a second local reply on a path that already replied on line "
                    f"{reply}{again}: the client waits for a response that never comes; return after the "
                    "first reply",
                )
            elif kind is EventKind.DISPATCH and obs.event.callback is not None:
                self.report(
                    "WG112",
                    flow.file,
                    obs.event.call,
                    f"`{obs.event.op}` is dispatched after the local reply sent on line {reply} on this path: "
                    "the stream is already answered; return right after the reply",
                )

    # -- callbacks --------------------------------------------------------------
    def _dispatches(self, flow: FlowResult, origin: Phase, attached: bool | None) -> list[_Callback]:
        return [
            _Callback(obs, flow.file, origin, bool(attached), flow.function)
            for obs in flow.observations
            if obs.event.kind is EventKind.DISPATCH and obs.event.callback is not None
        ]

    def _explore_callbacks(self, pending: list[_Callback]) -> None:
        seen: set[int] = set()
        while pending:
            item = pending.pop()
            event = item.observation.event
            assert event.callback is not None
            attached = item.attached or event.callback.id in self.attached_callbacks
            key = event.call.id * 2 + int(attached)
            if key in seen:
                continue
            seen.add(key)
            result = self.summaries.callback_result(event, item.file)
            if result is None or not result.reliable:
                continue
            flows = [result, *self._sync_helpers(result)]
            for flow in flows:
                self._judge_callback_resumes(item, flow)
                self._judge_replies(flow)
                pending.extend(self._dispatches(flow, item.origin, attached))
            if attached and item.origin.is_request_scoped and not item.origin.is_streaming_body:
                self._judge_callback_exits(item, result)
                self._judge_direction(item, result, flows)

    def _judge_callback_resumes(self, item: _Callback, flow: FlowResult) -> None:
        for obs in flow.observations:
            if obs.event.kind is not EventKind.RESUME or self._resume_after_reply(obs, flow.file):
                continue
            origin = item.origin
            if origin.is_streaming_body:
                why = (
                    f"runs in the callback of `{item.observation.event.op}`, dispatched from a streaming "
                    "body handler: streaming handlers cannot pause, so the stream is not paused"
                )
            elif not origin.is_request_scoped or origin is Phase.STREAM_DONE:
                why = (
                    f"runs in the callback of `{item.observation.event.op}`, dispatched from a "
                    f"{origin.value} function: no request is paused there (the stream is not paused)"
                )
            else:
                continue
            self.report("WG107", flow.file, obs.event.call, f"`{obs.event.op}()` {why}")

    def _judge_direction(self, item: _Callback, result: FlowResult, flows: list[FlowResult]) -> None:
        """The paused side must be resumed: a response pause by ResumeHttpResponse."""
        right = "response" if item.origin.is_response else "request"
        wrong = "request" if right == "response" else "response"
        ends = [e.state for e in result.exits if not e.panicked and e.state.terminated]
        if not ends or any(s.reply_line or right in s.resumed or not s.resumed for s in ends):
            return
        paused = "response" if right == "response" else "request"
        for flow in flows:
            for obs in flow.observations:
                if obs.event.kind is EventKind.RESUME and obs.event.direction == wrong:
                    self.report(
                        "WG111",
                        flow.file,
                        obs.event.call,
                        f"`{obs.event.op}()` resumes the {wrong}, but the {paused} was paused in the "
                        f"{item.origin.value} phase (callback of `{item.observation.event.op}`, line "
                        f"{item.observation.event.line}): the {paused} stays paused until the timeout; call "
                        f"proxywasm.Resume{'HttpResponse' if right == 'response' else 'HttpRequest'}()",
                    )

    def _judge_callback_exits(self, item: _Callback, result: FlowResult) -> None:
        if is_counter_join(result.function):
            return
        dispatch = item.observation.event
        for exit_ in result.exits:
            if exit_.panicked or exit_.state.terminated or exit_.state.opaque:
                continue
            node = exit_.node.node
            if node is None:
                body = result.function.child_by_field_name("body")
                if body is None:
                    continue
                where: Node | tuple[int, int] = (body.end_byte - 1, body.end_byte)
                how = "ends"
            else:
                where = node
                how = "returns"
            self.report(
                "WG104",
                result.file,
                where,
                f"the callback of `{dispatch.op}` (line {dispatch.line}) {how} without resuming or "
                "replying on this path: the paused request is never resumed and hangs until the "
                "timeout; call proxywasm.ResumeHttpRequest() (fail open) or send a local reply",
            )

    def _uses_effective_context(self) -> bool:
        for fctx in self.pkg.files:
            if b"SetEffectiveContext" not in fctx.file.data:
                continue
            for call in captures(_EFFECTIVE_CONTEXT_QUERY, fctx.root).get("call", []):
                function = call.child_by_field_name("function")
                if fctx.refers_to(function, PROXYWASM, "SetEffectiveContext"):
                    return True
        return False


_ACT_WORDS = {
    EventKind.RESUME: "resumes the stream",
    EventKind.REPLY: "sends a local reply",
    EventKind.MUTATION: "changes headers or the body",
}


def _body_method(phase: Phase) -> str | None:
    if phase is Phase.REQUEST_HEADERS:
        return "HasRequestBody"
    if phase is Phase.RESPONSE_HEADERS:
        return "HasResponseBody"
    return None


def _stop_all_fix_at(where: Node, fctx: FileContext, handler: Handler) -> Fix | None:
    """Replace the constant where it is written, when that is in the handler itself."""
    function = handler.function
    if function is None or handler.file is not fctx:
        return None
    if not (function.start_byte <= where.start_byte < function.end_byte):
        return None
    if where.type not in ("selector_expression", "identifier"):
        return None
    text = fctx.text(where)
    qualifier = text.rsplit(".", 1)[0] + "." if "." in text else ""
    return Fix(
        "Return types.HeaderStopAllIterationAndWatermark",
        Applicability.SAFE,
        (Edit(where.start_byte, where.end_byte, f"{qualifier}HeaderStopAllIterationAndWatermark"),),
    )


def _raw_body_guard(handler: Handler) -> str | None:
    if not handler.raw or handler.function is None:
        return None
    params = parameters(handler.function)
    return params[1].name if len(params) > 1 else None


def _contains(where: Node, site: int, summaries: Summaries) -> bool:
    """Is the dispatch ``site`` in the function that writes ``where``?"""
    known = summaries.sites.get(site)
    if known is None:
        return False
    function = enclosing_function(where)
    return function is not None and function.start_byte <= known[0].call.start_byte < function.end_byte


def _through(stmt: Node) -> str:
    current = stmt.parent
    while current is not None and current.type not in ("if_statement", "function_declaration", "func_literal"):
        current = current.parent
    if current is not None and current.type == "if_statement":
        condition = current.child_by_field_name("condition")
        if condition is not None:
            return f" through the branch at line {condition.start_point.row + 1}"
    return ""
