"""Per-function results, computed once per package and reused at every call site.

- ``outcomes(f)``: the (state, returned value) pairs at the exits of a helper,
  explored from an empty state; the caller merges them into its own paths.
- ``callback_terminates(op)``: does the op's callback end every normal path in a
  terminal action (reply, resume, or a checked op whose callback terminates)?
  Recursion (a retry callback re-dispatching itself) takes the greatest fixpoint:
  a callback under analysis is assumed to terminate.
"""

from __future__ import annotations

from collections.abc import Sequence

from tree_sitter import Node

from linter.lifecycle.explore import (
    Explorer,
    FlowResult,
    FunctionFlow,
    State,
    Value,
    build_flow,
    classify_calls,
)
from linter.lifecycle.ops import Event, EventKind
from linter.model.plugin import resolve_function_value
from linter.model.query import captures
from linter.rule import FileContext, PackageContext

Outcome = tuple[State, Value]

NOTHING_TO_LEARN: tuple[Outcome, ...] = ((State(), ("unknown",)),)
"""The outcomes of a function that cannot reply, resume, dispatch or pause (shared:
compared by identity)."""


_COUNTER_QUERY = """
(inc_statement) @update
(dec_statement) @update
(assignment_statement operator: ["+=" "-="]) @update
(assignment_statement
  left: (expression_list . (_) @target)
  right: (expression_list . (binary_expression left: (_) @operand operator: ["+" "-"] right: (int_literal)))) @step
"""


def is_counter_join(callback: Node) -> bool:
    """A callback that updates a counter: several dispatches share a join where only
    the last callback to run resumes, so its other exits are meant to do nothing."""
    body = callback.child_by_field_name("body")
    if body is None:
        return False
    found = captures(_COUNTER_QUERY, body)
    if found.get("update"):
        return True
    return any(t.text == o.text for t, o in zip(found.get("target", []), found.get("operand", []), strict=False))


class Summaries:
    def __init__(self, pkg: PackageContext) -> None:
        self.pkg = pkg
        self.classifier = pkg.classifier
        self._flows: dict[int, FunctionFlow | None] = {}
        self._events: dict[int, list[Event]] = {}
        self._outcomes: dict[int, Sequence[Outcome] | None] = {}
        self._in_progress: set[int] = set()
        self.helper_results: dict[int, FlowResult] = {}
        self.callback_results: dict[int, FlowResult] = {}
        self._terminates: dict[int, bool] = {}
        self.sites: dict[int, tuple[Event, FileContext]] = {}
        """Every dispatch seen, by the id of its call node."""
        self.origins: dict[int, tuple[Node, FileContext]] = {}
        """Where each action constant met on a path is written, by node id."""

    def events(self, function: Node, fctx: FileContext) -> list[Event]:
        found = self._events.get(function.id)
        if found is None:
            found = classify_calls(function, fctx, self.classifier)
            self._events[function.id] = found
            for event in found:
                if event.kind is EventKind.DISPATCH:
                    self.sites[event.call.id] = (event, fctx)
        return found

    def flow(self, function: Node, fctx: FileContext) -> FunctionFlow | None:
        """None for a body the analysis cannot follow: syntax errors, or nesting deeper
        than Python's recursion limit (hundreds of ``else if``s in generated code)."""
        if function.id not in self._flows:
            try:
                self._flows[function.id] = build_flow(function, fctx, self.events(function, fctx))
            except RecursionError:
                self._flows[function.id] = None
        return self._flows[function.id]

    def _summary_without_paths(self, function: Node, fctx: FileContext) -> Sequence[Outcome] | None:
        """Outcomes known without exploring: a function with no action result whose
        calls at most change headers or bodies, or call functions of that kind, has
        nothing for a caller to learn."""
        result = function.child_by_field_name("result")
        if result is not None and b"Action" in (result.text or b""):
            return None
        for event in self.events(function, fctx):
            if event.kind is EventKind.MUTATION:
                continue
            if event.kind is EventKind.HELPER and all(
                self.outcomes(helper.node, helper.file) is NOTHING_TO_LEARN for helper in event.helpers
            ):
                continue
            return None
        return NOTHING_TO_LEARN

    def effect_free(self, function: Node, fctx: FileContext) -> bool:
        """Can ``function`` neither reply, resume, dispatch nor return an action (itself
        or through the helpers it calls)? Decided without exploring it."""
        key = function.id
        if key in self._outcomes:
            return self._outcomes[key] is NOTHING_TO_LEARN
        if key in self._in_progress:
            return False
        self._in_progress.add(key)
        try:
            known = self._summary_without_paths(function, fctx)
        finally:
            self._in_progress.discard(key)
        if known is not None:
            self._outcomes[key] = known
        return known is not None

    def without_effects(self, function: Node) -> bool:
        """Was ``function`` summarised without exploring (see ``_summary_without_paths``)?"""
        return self._outcomes.get(function.id) is NOTHING_TO_LEARN

    def explore(
        self,
        function: Node,
        fctx: FileContext,
        raw_body_guard: str | None = None,
        body_method: str | None = None,
    ) -> FlowResult | None:
        flow = self.flow(function, fctx)
        if flow is None:
            return None
        try:
            return Explorer(flow, self, raw_body_guard, body_method).run()
        except RecursionError:
            return None  # a condition or helper chain nested too deep to follow: unknown

    def outcomes(self, function: Node, fctx: FileContext) -> Sequence[Outcome] | None:
        """None when unknown: recursion, a body too complex, or syntax errors."""
        key = function.id
        if key in self._outcomes:
            return self._outcomes[key]
        if key in self._in_progress:
            return None
        self._in_progress.add(key)
        try:
            known = self._summary_without_paths(function, fctx)
            result = self.explore(function, fctx) if known is None else None
        finally:
            self._in_progress.discard(key)
        if known is not None:
            self._outcomes[key] = known
            return known
        outcomes: Sequence[Outcome] | None = None
        if result is not None and result.reliable:
            self.helper_results[key] = result
            seen: set[Outcome] = set()
            outcomes = []
            for exit_ in result.exits:
                if exit_.panicked:
                    continue
                state = State(
                    dispatched=exit_.state.dispatched,
                    failed=exit_.state.failed,
                    discarded=exit_.state.discarded,
                    reply_line=exit_.state.reply_line,
                    resumed=exit_.state.resumed,
                    terminated=exit_.state.terminated,
                    opaque=exit_.state.opaque,
                    callbacks=exit_.state.callbacks,
                )
                pair = (state, exit_.value)
                if pair not in seen:
                    seen.add(pair)
                    outcomes.append(pair)
        self._outcomes[key] = outcomes
        return outcomes

    def resolve_callback(self, event: Event, fctx: FileContext) -> tuple[Node, FileContext] | None:
        callback = event.callback
        if callback is None:
            return None
        if callback.type == "identifier":
            local = self.classifier.local(fctx.text(callback), event.call, fctx)
            if local is not None:
                kind, value = local
                return (value, fctx) if kind == "value" and value.type == "func_literal" else None
        function, holder, _ = resolve_function_value(callback, fctx, self.pkg)
        if function is None or holder is None:
            return None
        return function, holder

    def callback_result(self, event: Event, fctx: FileContext) -> FlowResult | None:
        resolved = self.resolve_callback(event, fctx)
        if resolved is None:
            return None
        function, holder = resolved
        if function.id not in self.callback_results:
            if function.id in self._in_progress:
                return None
            self._in_progress.add(function.id)
            try:
                result = self.explore(function, holder)
            finally:
                self._in_progress.discard(function.id)
            if result is None:
                return None
            self.callback_results[function.id] = result
        return self.callback_results[function.id]

    def callback_terminates(self, event: Event, fctx: FileContext) -> bool:
        """Unknown callbacks (another package, unresolvable) are assumed to terminate."""
        key = event.call.id
        if key in self._terminates:
            return self._terminates[key]
        resolved = self.resolve_callback(event, fctx)
        if resolved is None:
            return True
        if resolved[0].id in self._in_progress:
            return True
        result = self.callback_result(event, fctx)
        verdict = (
            result is None
            or not result.reliable
            or all(e.panicked or e.state.terminated or e.state.opaque for e in result.exits)
            or is_counter_join(result.function)
        )
        self._terminates[key] = verdict
        return verdict

    def site_terminates(self, site: int) -> bool:
        known = self.sites.get(site)
        if known is None:
            return True
        event, fctx = known
        return self.callback_terminates(event, fctx)
