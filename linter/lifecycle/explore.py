"""Path exploration of one function body over its CFG.

A state records, for one set of paths, what happened to the request: which async
ops were dispatched successfully, which are known to have failed (their error
branch), which had their error discarded, whether a local reply was sent, which
directions were resumed, which calls were deferred, what action values local
variables hold. States are small and hashable; the explorer visits each
(CFG node, state) pair once, so loops terminate.

Calls to same-package helpers are folded in through the helper's own outcomes
(``Summaries``), so a helper that dispatches and returns the pause, or one that
replies on every path, counts where it is called.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tree_sitter import Node

from linter.flow.cfg import Cfg, CfgNode, Edge, Kind, build_cfg, bypass
from linter.lifecycle.actions import ACTION_VALUES
from linter.lifecycle.ops import Classifier, Event, EventKind
from linter.model.calls import ends_program
from linter.model.functions import parameters
from linter.model.sdk import TYPES
from linter.rule import FileContext

if TYPE_CHECKING:
    from linter.lifecycle.summaries import Summaries

MAX_VISITS = 4000
"""Past this many (node, state) visits a body is given up on: no findings from it."""


# A returned value: ("const", n, origin node id), ("param", i), ("dispatch-error",
# site id), ("nil",) or ("unknown",). The origin is where the constant is written.
Value = tuple[object, ...]
UNKNOWN: Value = ("unknown",)



@dataclass(frozen=True)
class State:
    dispatched: frozenset[int] = frozenset()
    """Async ops dispatched on this path whose callback will run (success branch,
    or unchecked): ids of the op call nodes."""
    failed: frozenset[int] = frozenset()
    """Ops known to have failed on this path (their error branch)."""
    discarded: frozenset[int] = frozenset()
    """Ops whose error was dropped (statement, ``_``, overwritten or never read)."""
    pending: frozenset[tuple[str, int]] = frozenset()
    """Error variables bound to an op's result and not checked yet."""
    reply_line: int = 0
    reply_call: int = 0
    """The call (in this body) that sent the reply: the reply itself or a helper."""
    resumed: frozenset[str] = frozenset()
    defers: tuple[int, ...] = ()
    """CFG indexes of the ``defer`` statements passed, in order."""
    actions: frozenset[tuple[str, Value]] = frozenset()
    """Local variables holding a known action value."""
    results: frozenset[tuple[int, Value]] = frozenset()
    """Values of helper calls of the statement being evaluated, by call node id."""
    counters: frozenset[tuple[str, bool]] = frozenset()
    errors: frozenset[tuple[str, int]] = frozenset()
    """Error variables and the op whose error they hold (kept after the check)."""
    reply_errors: frozenset[tuple[str, int, int, bool]] = frozenset()
    """Error variables of local replies: (name, then reply line, reply call,
    terminated) as they were before the reply, restored on its error branch."""
    reply_unsent: bool = False
    """On the error branch of the local reply: it may not have been sent."""
    reply_result: tuple[int, int, int, bool] | None = None
    """The reply call of the statement being evaluated and the state before it."""
    nils: frozenset[str] = frozenset()
    """Variables known to hold nil (a helper's nil result, ``err = nil``)."""
    """Local counters changed on this path: (name, surely positive)."""
    awaiting_body: bool = False
    """Raw SDK: a ``!endOfStream`` branch was taken (buffering until the last chunk)."""
    body_guard: str = ""
    """"exact" after ``ctx.HasRequestBody()`` (or the response twin) held; "guess"
    after the deprecated ``wrapper.HasRequestBody()`` that guesses from headers."""
    terminated: bool = False
    """A terminal action (reply, resume, or a dispatch whose callback terminates)."""
    opaque: bool = False
    """A call whose effect cannot be known (another module's code) happened."""
    callbacks: frozenset[int] = frozenset()
    """Callback nodes (ids) of the ops dispatched on this path."""


@dataclass(frozen=True)
class Exit:
    node: CfgNode
    """The ``return`` node, or the EXIT/PANIC node when the body ends."""
    state: State
    value: Value
    panicked: bool = False


@dataclass(frozen=True)
class Observation:
    """An event and the state just before it, for rules to judge."""

    event: Event
    state: State
    deferred: bool = False
    """Run at an exit as a deferred call (``node`` is the defer statement)."""
    defer_node: Node | None = None


@dataclass
class FlowResult:
    function: Node
    file: FileContext
    exits: list[Exit] = field(default_factory=list)
    observations: list[Observation] = field(default_factory=list)
    reliable: bool = True


Hooks = Callable[[Event], bool]


@dataclass
class FunctionFlow:
    """A body's CFG with the lifecycle events of each CFG node, computed once."""

    function: Node
    file: FileContext
    cfg: Cfg
    events: dict[int, list[Event]]


def classify_calls(function: Node, fctx: FileContext, classifier: Classifier) -> list[Event]:
    """The lifecycle events of a body's own calls (not those inside func literals)."""
    body = function.child_by_field_name("body")
    if body is None:
        return []
    literals = fctx.within(body, "func_literal")
    events: list[Event] = []
    for call in fctx.within(body, "call_expression"):
        if any(lit.start_byte < call.start_byte and call.end_byte <= lit.end_byte for lit in literals):
            continue
        event = classifier.classify(call, fctx)
        if event is not None:
            events.append(event)
    return events


def build_flow(function: Node, fctx: FileContext, events: list[Event]) -> FunctionFlow | None:
    body = function.child_by_field_name("body")
    if body is None:
        return None
    cfg = build_cfg(body, lambda stmt: ends_program(stmt, fctx) is not None)
    spans = sorted(
        ((n.node.start_byte, n.node.end_byte, n.index) for n in cfg.nodes if n.node is not None and _holds_calls(n)),
        key=lambda s: (s[0], -s[1]),
    )
    by_node: dict[int, list[Event]] = {}
    for event in events:
        owner = _innermost(spans, event.call.start_byte, event.call.end_byte)
        if owner is not None:
            by_node.setdefault(owner, []).append(event)
    for evs in by_node.values():
        evs.sort(key=lambda e: e.call.end_byte)  # arguments run before the call that takes them

    def inert(node: CfgNode) -> bool:
        if node.kind is Kind.JOIN:
            return node.loop is None
        return (
            node.kind is Kind.STATEMENT
            and node.index not in by_node
            and node.node is not None
            and node.node.type not in _STATE_STATEMENTS
        )

    bypass(cfg.nodes, inert)
    return FunctionFlow(function, fctx, cfg, by_node)


_VALUE_CARRIERS = frozenset({"selector_expression", "identifier", "nil", "int_literal", "parenthesized_expression"})
"""Right-hand sides that can carry an action constant, nil or a tracked value."""

_STATE_STATEMENTS = frozenset(
    {"short_var_declaration", "assignment_statement", "var_declaration", "inc_statement", "dec_statement"}
)
"""Statements the explorer learns from even without calls (actions, counters, nils)."""


def _holds_calls(node: CfgNode) -> bool:
    return node.kind in (Kind.STATEMENT, Kind.BRANCH, Kind.RETURN, Kind.DEFER) and node.node is not None


def _innermost(spans: list[tuple[int, int, int]], start: int, end: int) -> int | None:
    best: tuple[int, int, int] | None = None
    for span in spans:
        if span[0] > start:
            break
        if span[0] <= start and end <= span[1] and (best is None or span[1] - span[0] <= best[1] - best[0]):
            best = span
    return best[2] if best is not None else None


class Explorer:
    """Explores one body; ``mode`` is "handler", "helper" or "callback"."""

    def __init__(
        self,
        flow: FunctionFlow,
        summaries: Summaries,
        raw_body_guard: str | None = None,
        body_method: str | None = None,
    ) -> None:
        self.flow = flow
        self.body_method = body_method
        """``HasRequestBody``/``HasResponseBody``: the body guard of a header handler."""
        self.fctx = flow.file
        self.summaries = summaries
        self.classifier = summaries.classifier
        self.raw_body_guard = raw_body_guard
        self.params = [p.name for p in parameters(flow.function)]
        self.result = FlowResult(flow.function, flow.file, reliable=flow.cfg.reliable)
        self._seen_observations: set[tuple[int, EventKind, State, bool]] = set()

    def run(self, initial: State | None = None) -> FlowResult:
        start = initial or State()
        work: list[tuple[CfgNode, State]] = [(self.flow.cfg.entry, start)]
        visited: set[tuple[int, State]] = set()
        visits = 0
        while work:
            node, state = work.pop()
            key = (node.index, state)
            if key in visited:
                continue
            visited.add(key)
            visits += 1
            if visits > MAX_VISITS:
                self.result.reliable = False
                break
            for successor, new_state in self.step(node, state):
                work.append((successor, new_state))
        return self.result

    # -- one CFG node -------------------------------------------------------
    def step(self, node: CfgNode, state: State) -> Iterator[tuple[CfgNode, State]]:
        kind = node.kind
        if kind is Kind.EXIT:
            for final in self.run_defers(state):
                self.result.exits.append(Exit(node, final, UNKNOWN))
            return
        if kind is Kind.PANIC:
            for final in self.run_defers(state):
                self.result.exits.append(Exit(node, final, UNKNOWN, panicked=True))
            return
        if kind is Kind.RETURN:
            for final, value in self.returned(node, state):
                for after in self.run_defers(final):
                    self.result.exits.append(Exit(node, after, value))
            return
        if kind is Kind.DEFER:
            yield from ((s, n) for s, _ in node.successors for n in [replace(state, defers=(*state.defers, node.index))])
            return
        states = self.apply_events(node, state) if kind in (Kind.STATEMENT, Kind.BRANCH) else [state]
        for current in states:
            if kind is Kind.STATEMENT and node.node is not None:
                current = self.count(node.node, self.bind_assignment(node.node, node, current))
                current = self.unbound_results(current, node)
            for successor, edge in node.successors:
                refined = self.refine(node, edge, current) if kind is Kind.BRANCH else current
                if refined is None:
                    continue
                if edge is Edge.FALSE and node.loop is not None:
                    refined = self.leave_loop(node.loop, refined)
                yield successor, self.unbound_results(refined, node)

    def count(self, stmt: Node, state: State) -> State:
        """``n++``/``n += k`` make a zero-initialised local counter positive."""
        if stmt.type not in ("inc_statement", "dec_statement", "assignment_statement"):
            return state
        target = stmt.named_children[0] if stmt.type != "assignment_statement" else None
        if stmt.type == "assignment_statement":
            operator = stmt.child_by_field_name("operator")
            left = stmt.child_by_field_name("left")
            if operator is None or self.fctx.text(operator) not in ("+=", "-=") or left is None:
                return state
            target = left.named_children[0] if left.named_children else None
            positive = self.fctx.text(operator) == "+="
        else:
            positive = stmt.type == "inc_statement"
        name = self._counter_name(target) if target is not None else None
        if name is None:
            return state
        others = frozenset(c for c in state.counters if c[0] != name)
        return replace(state, counters=others | {(name, positive and self._zero_initialised(name, stmt))})

    def _zero_initialised(self, name: str, at: Node) -> bool:
        """A local declared without a value, as ``0``, or a field of a local struct
        literal (``join := &lookupJoin{}``)."""
        root, _, field_name = name.partition(".")
        local = self.classifier.local(root, at, self.fctx)
        if local is None:
            return False
        kind, value = local
        if kind == "type":
            return value.parent is not None and value.parent.type == "var_spec"
        if field_name:
            if value.type == "unary_expression" and value.named_children:
                value = value.named_children[-1]
            return value.type == "composite_literal" and f"{field_name}:" not in self.fctx.text(value)
        return value.type == "int_literal" and self.fctx.text(value) == "0"

    def leave_loop(self, loop: Node, state: State) -> State:
        """Leaving a loop whose body can dispatch, with nothing dispatched: the paths
        that skip every dispatch (zero iterations, all filtered) usually cannot
        happen for the configured data; stay silent on them."""
        if state.dispatched or state.reply_line or state.opaque:
            return state
        body = loop.child_by_field_name("body")
        if body is None:
            return state
        for events in self.flow.events.values():
            for event in events:
                if event.kind in (EventKind.DISPATCH, EventKind.HELPER) and (
                    body.start_byte <= event.call.start_byte < body.end_byte
                ):
                    return replace(state, opaque=True)
        return state

    # -- events ---------------------------------------------------------------
    def events_of(self, node: CfgNode) -> list[Event]:
        return self.flow.events.get(node.index, [])

    def apply_events(self, node: CfgNode, state: State, skip: Node | None = None) -> list[State]:
        states = [state]
        for event in self.events_of(node):
            if skip is not None and event.call.id == skip.id:
                continue
            states = [after for s in states for after, _ in self.apply(event, s, node)]
        return states

    def apply(self, event: Event, state: State, node: CfgNode | None, deferred: Node | None = None) -> list[tuple[State, Value]]:
        self.observe(event, state, deferred)
        kind = event.kind
        if kind is EventKind.REPLY:
            return [
                (
                    replace(
                        state,
                        reply_line=state.reply_line or event.line,
                        reply_call=state.reply_call or event.call.id,
                        terminated=True,
                        reply_result=(event.call.id, state.reply_line, state.reply_call, state.terminated),
                    ),
                    UNKNOWN,
                )
            ]
        if kind is EventKind.RESUME:
            direction = event.direction or "request"
            return [(replace(state, resumed=state.resumed | {direction}, terminated=True), UNKNOWN)]
        if kind is EventKind.DISPATCH:
            return [(self.dispatch(event, state, node), ("dispatch-error", event.call.id))]
        if kind is EventKind.HELPER:
            return self.call_helper(event, state, deferred)
        if kind is EventKind.OPAQUE:
            return [(replace(state, opaque=True), UNKNOWN)]
        return [(state, UNKNOWN)]

    def observe(self, event: Event, state: State, deferred: Node | None) -> None:
        key = (event.call.id, event.kind, state, deferred is not None)
        if key in self._seen_observations:
            return
        self._seen_observations.add(key)
        self.result.observations.append(Observation(event, state, deferred is not None, deferred))

    def dispatch(self, event: Event, state: State, node: CfgNode | None) -> State:
        site = event.call.id
        if event.callback is None:
            return state  # fire-and-forget: nothing to resume
        callbacks = state.callbacks | {event.callback.id}
        terminates = self.summaries.callback_terminates(event, self.fctx)
        if node is not None and node.kind is Kind.DEFER:
            return replace(
                state,
                dispatched=state.dispatched | {site},
                discarded=state.discarded | {site},
                callbacks=callbacks,
                terminated=state.terminated or terminates,
            )
        # The result is bound or tested: the assignment or branch decides, and
        # whatever is left unbound after the statement counts as dispatched.
        return replace(state, callbacks=callbacks, pending=state.pending | {(RESULT, site)})

    def call_helper(self, event: Event, state: State, deferred: Node | None = None) -> list[tuple[State, Value]]:
        outcomes: list[tuple[State, Value]] = []
        for helper in event.helpers:
            found = self.summaries.outcomes(helper.node, helper.file)
            if found is None:
                return [(replace(state, opaque=True), UNKNOWN)]
            outcomes.extend(found)
        if state.reply_line:
            if any(outcome.reply_line for outcome, _ in outcomes):
                op = "SendHttpResponse" if event.op == "func literal" else f"{event.op} -> SendHttpResponse"
                self.observe(Event(EventKind.REPLY, event.call, op=op), state, deferred)
            for direction in sorted({d for outcome, _ in outcomes for d in outcome.resumed}):
                resume = "ResumeHttpRequest" if direction == "request" else "ResumeHttpResponse"
                op = resume if event.op == "func literal" else f"{event.op} -> {resume}"
                self.observe(Event(EventKind.RESUME, event.call, direction=direction, op=op), state, deferred)
        args = _arguments(event.call)
        results: list[tuple[State, Value]] = []
        for outcome, value in outcomes:
            merged = merge(state, outcome)
            if outcome.reply_line and not state.reply_call:
                merged = replace(merged, reply_call=event.call.id)
            if value[0] == "dispatch-error" and isinstance(value[1], int):
                merged = replace(merged, pending=merged.pending | {(RESULT, value[1])})
            if value[0] == "param":
                index = value[1]
                value = self.evaluate(args[index], merged) if isinstance(index, int) and index < len(args) else UNKNOWN
            results.append((replace(merged, results=merged.results | {(event.call.id, value)}), value))
        return results or [(state, UNKNOWN)]

    # -- assignments and branches ----------------------------------------------
    def bind_assignment(self, stmt: Node, node: CfgNode, state: State) -> State:
        if stmt.type not in ("short_var_declaration", "assignment_statement", "var_declaration"):
            return state
        left, right = _sides(stmt)
        if not left or not right:
            return state
        if (
            node.index not in self.flow.events
            and not (state.pending or state.actions or state.nils or state.errors or state.counters)
            and not state.reply_errors
            and all(value.type not in _VALUE_CARRIERS for value in right)
        ):
            return state  # nothing to learn: no call, no action or nil value, nothing tracked
        operator = stmt.child_by_field_name("operator")
        if operator is not None and self.fctx.text(operator) not in ("=", ":="):
            return state
        names = [self.fctx.text(n) if n.type == "identifier" else None for n in left]
        state = self._overwrite(state, names)
        for name, value in zip(names, right, strict=False):
            if name is None or name == "_":
                continue
            evaluated = self.evaluate(value, state)
            known = evaluated[0] in ("const", "nil")
            if not known and not _mentions(state, name):
                continue  # nothing known about the name before or after: no new state
            actions = frozenset(a for a in state.actions if a[0] != name)
            if evaluated[0] == "const":
                actions |= {(name, evaluated)}
            counters = frozenset(c for c in state.counters if c[0] != name)
            nils = state.nils | {name} if evaluated == ("nil",) else state.nils - {name}
            errors = frozenset(e for e in state.errors if e[0] != name)
            state = replace(state, actions=actions, counters=counters, nils=nils, errors=errors)
        if len(right) == 1 and right[0].type == "call_expression":
            return self._bind_call(right[0], names, node, state)
        return state

    def _overwrite(self, state: State, names: list[str | None]) -> State:
        """Assigning a pending error variable again drops the earlier error."""
        lost = {site for name, site in state.pending if name in names}
        if not lost:
            return state
        return replace(
            state,
            pending=frozenset(p for p in state.pending if p[0] not in names),
            dispatched=state.dispatched | lost,
            discarded=state.discarded | lost,
        )

    def _bind_call(self, call: Node, names: list[str | None], node: CfgNode, state: State) -> State:
        event = next((e for e in self.events_of(node) if e.call.id == call.id), None)
        if event is not None and event.kind is EventKind.REPLY:
            before = state.reply_result
            name = names[0] if names else None
            if before is None or before[0] != call.id or name is None or name == "_":
                return state
            entry = (name, before[1], before[2], before[3])
            return replace(state, reply_errors=frozenset(e for e in state.reply_errors if e[0] != name) | {entry})
        if event is None or event.kind not in (EventKind.DISPATCH, EventKind.HELPER):
            return state
        position = 1 if event.kind is EventKind.DISPATCH and event.raw_dispatch else 0
        sites = _result_sites(state)
        if not sites:
            return state
        unbound = frozenset(p for p in state.pending if p[0] != RESULT)
        name = names[position] if position < len(names) else None
        if name is None or name == "_":
            return replace(
                state, pending=unbound, dispatched=state.dispatched | sites, discarded=state.discarded | sites
            )
        errors = frozenset(e for e in state.errors if e[0] != name) | {(name, s) for s in sites}
        return replace(state, pending=unbound | {(name, s) for s in sites}, errors=errors)

    def refine(self, node: CfgNode, edge: Edge, state: State) -> State | None:
        condition = node.node
        if condition is None or edge is Edge.PLAIN:
            return state
        return self._refine(condition, edge is Edge.TRUE, state)

    def _refine(self, expr: Node, truth: bool, state: State | None) -> State | None:
        if state is None:
            return None
        kind = expr.type
        if kind == "parenthesized_expression" and expr.named_children:
            return self._refine(expr.named_children[0], truth, state)
        if kind == "unary_expression":
            sign = expr.child_by_field_name("operator")
            operand = expr.child_by_field_name("operand")
            if sign is not None and self.fctx.text(sign) == "!" and operand is not None:
                return self._refine(operand, not truth, state)
            return state
        if kind == "identifier":
            if self.raw_body_guard is not None and self.fctx.text(expr) == self.raw_body_guard and not truth:
                return replace(state, awaiting_body=True)
            local = self.classifier.local(self.fctx.text(expr), expr, self.fctx)
            if local is not None and local[0] == "value" and local[1].type == "call_expression":
                return self._refine(local[1], truth, state)
            return state
        if kind == "call_expression":
            guard = self._body_guard(expr)
            return replace(state, body_guard=guard) if guard and truth and not state.body_guard else state
        if kind != "binary_expression":
            return state
        operator_field = expr.child_by_field_name("operator")
        operator = self.fctx.text(operator_field) if operator_field is not None else ""
        left = expr.child_by_field_name("left")
        right = expr.child_by_field_name("right")
        if left is None or right is None:
            return state
        if (operator == "&&" and truth) or (operator == "||" and not truth):
            return self._refine(right, truth, self._refine(left, truth, state))
        if operator in (">", ">=", "<", "<=", "!=", "==") and not (left.type == "nil" or right.type == "nil"):
            return self._compare(left, operator, right, truth, state)
        if operator not in ("!=", "=="):
            return state
        subject = right if left.type == "nil" else left if right.type == "nil" else None
        if subject is None:
            return state
        failed = truth if operator == "!=" else not truth
        return self._settle(subject, failed, state)

    def _body_guard(self, call: Node) -> str:
        """"exact" for ``ctx.HasRequestBody()``, "guess" for the deprecated package
        function, "" otherwise (or for the other direction)."""
        if self.body_method is None:
            return ""
        function = call.child_by_field_name("function")
        if function is None or function.type != "selector_expression":
            return ""
        member = function.child_by_field_name("field")
        if member is None or self.fctx.text(member) != self.body_method:
            return ""
        return "guess" if self.fctx.qualified(function) is not None else "exact"

    def _compare(self, left: Node, operator: str, right: Node, truth: bool, state: State) -> State | None:
        """Prune paths a comparison rules out: of two known action values, or of a
        counter with zero (``searching > 0`` only after ``searching++``)."""
        lhs, rhs = self.evaluate(left, state), self.evaluate(right, state)
        if lhs[0] == "const" and rhs[0] == "const" and operator in ("==", "!="):
            equal = lhs[1] == rhs[1]
            return state if equal == (truth == (operator == "==")) else None
        counter, literal, op = (left, right, operator) if right.type == "int_literal" else (right, left, _MIRROR.get(operator, ""))
        if literal.type != "int_literal":
            return state
        test = (op, self.fctx.text(literal))
        if test in _ZERO_TESTS:
            truth = not truth
        elif test not in _POSITIVE_TESTS:
            return state
        name = self._counter_name(counter)
        if name is None:
            return state
        known = next((c for c in state.counters if c[0] == name), None)
        if known is None:
            if truth and self._zero_initialised(name, left):
                return None  # never incremented on this path: still zero
            return state
        if known[1] and not truth:
            return None  # incremented and never decremented: positive
        return state

    def _counter_name(self, expr: Node) -> str | None:
        """``n`` or ``join.pending``: a local counter, or a field of a local."""
        if expr.type == "identifier":
            return self.fctx.text(expr)
        if expr.type == "selector_expression":
            operand = expr.child_by_field_name("operand")
            if operand is not None and operand.type == "identifier":
                return self.fctx.text(expr)
        return None

    def _settle(self, subject: Node, failed: bool, state: State) -> State | None:
        """``subject`` (an error) is known to be non-nil (``failed``) or nil; None
        when that contradicts what the path already knows."""
        if self.evaluate(subject, state) == ("nil",):
            return None if failed else state
        if self._reply_error(subject, state) is not None:
            # The reply failed on this branch: resuming (or replying again) is the
            # fallback there. The reply still counts as the path's terminal action.
            return replace(state, reply_unsent=True) if failed else state
        if subject.type == "identifier":
            name = self.fctx.text(subject)
            sites = frozenset(site for n, site in state.pending if n == name)
            settled = frozenset(site for n, site in state.errors if n == name) - sites
            if settled and not sites:
                known_failed = settled <= state.failed
                return state if known_failed == failed else None
        elif subject.type == "call_expression":
            sites = _result_sites(state)
        else:
            return state
        if not sites:
            return state
        if not failed and sites <= state.failed:
            return None  # the helper's own path already failed this op
        pending = frozenset(p for p in state.pending if p[1] not in sites)
        if failed:
            return replace(state, pending=pending, failed=state.failed | sites, dispatched=state.dispatched - sites)
        terminates = any(self.summaries.site_terminates(site) for site in sites)
        return replace(
            state,
            pending=pending,
            dispatched=state.dispatched | sites,
            terminated=state.terminated or terminates,
        )

    def _reply_error(self, subject: Node, state: State) -> tuple[int, int, bool] | None:
        """The state before a local reply whose error ``subject`` is, if it is one."""
        if subject.type == "identifier":
            name = self.fctx.text(subject)
            for entry in state.reply_errors:
                if entry[0] == name:
                    return entry[1], entry[2], entry[3]
        elif subject.type == "call_expression" and state.reply_result is not None:
            call, line, previous, terminated = state.reply_result
            if call == subject.id:
                return line, previous, terminated
        return None

    def unbound_results(self, state: State, node: CfgNode) -> State:
        """Errors no statement bound: dropped by an expression statement, else an
        unknown use; either way the op counts as dispatched."""
        if state.results or state.reply_result is not None:
            state = replace(state, results=frozenset(), reply_result=None)
        if not state.pending:
            return state
        sites = _result_sites(state)
        if not sites:
            return state
        pending = frozenset(p for p in state.pending if p[0] != RESULT)
        stmt = node.node
        dropped = node.kind is Kind.STATEMENT and stmt is not None and stmt.type == "expression_statement"
        return replace(
            state,
            pending=pending,
            dispatched=state.dispatched | sites,
            discarded=state.discarded | sites if dropped else state.discarded,
            terminated=state.terminated or any(self.summaries.site_terminates(site) for site in sites),
        )

    # -- returns and defers ----------------------------------------------------
    def returned(self, node: CfgNode, state: State) -> list[tuple[State, Value]]:
        stmt = node.node
        values = _returned_expressions(stmt) if stmt is not None else []
        if len(values) == 1 and values[0].type == "call_expression":
            call = values[0]
            event = next((e for e in self.events_of(node) if e.call.id == call.id), None)
            if event is not None and event.kind in (EventKind.HELPER, EventKind.DISPATCH):
                results: list[tuple[State, Value]] = []
                for before in self.apply_events(node, state, skip=call):
                    results.extend(self.apply(event, before, node))
                return [self._returned_result(s, v) for s, v in results]
        outcomes: list[tuple[State, Value]] = []
        for after in self.apply_events(node, state):
            value = self.evaluate(values[-1], after) if values else ("nil",)
            if value[0] != "dispatch-error":
                after = self._settle_unchecked(after)
            outcomes.append((after, value))
        return outcomes

    def _returned_result(self, state: State, value: Value) -> tuple[State, Value]:
        """``return op(...)``/``return helper(...)``: an op's error goes to the caller."""
        if value[0] == "dispatch-error":
            return replace(state, pending=frozenset(p for p in state.pending if p[0] != RESULT)), value
        return self._settle_unchecked(state), value

    def _settle_unchecked(self, state: State) -> State:
        """At a return, errors still pending were never read: the ops count as
        dispatched, their errors as discarded."""
        if not state.pending:
            return state
        sites = {site for _, site in state.pending}
        return replace(
            state,
            pending=frozenset(),
            dispatched=state.dispatched | sites,
            discarded=state.discarded | sites,
        )

    def run_defers(self, state: State) -> list[State]:
        states = [state]
        for index in reversed(state.defers):
            defer_node = self.flow.cfg.nodes[index]
            for event in self.events_of(defer_node):
                states = [after for s in states for after, _ in self.apply(event, s, None, deferred=defer_node.node)]
        return states

    def evaluate(self, expr: Node, state: State) -> Value:
        if expr.type == "parenthesized_expression" and expr.named_children:
            return self.evaluate(expr.named_children[0], state)
        if expr.type == "nil":
            return ("nil",)
        if expr.type in ("selector_expression", "identifier"):
            name = self.fctx.text(expr).rsplit(".", 1)[-1]
            if name in ACTION_VALUES and self.fctx.refers_to(expr, TYPES, name):
                self.summaries.origins[expr.id] = (expr, self.fctx)
                return ("const", ACTION_VALUES[name], expr.id)
        if expr.type == "call_expression":
            for call_id, value in state.results:
                if call_id == expr.id:
                    return value
        if expr.type == "identifier":
            name = self.fctx.text(expr)
            for var, value in state.actions:
                if var == name:
                    return value
            for var, site in state.pending | state.errors:
                if var == name:
                    return ("dispatch-error", site)
            if name in state.nils:
                return ("nil",)
            if name in self.params and self.classifier.local(name, expr, self.fctx) is not None:
                return ("param", self.params.index(name))
        return UNKNOWN


_POSITIVE_TESTS = frozenset({(">", "0"), ("!=", "0"), (">=", "1")})
_ZERO_TESTS = frozenset({("==", "0"), ("<=", "0"), ("<", "1")})
_MIRROR = {">": "<", "<": ">", ">=": "<=", "<=": ">=", "==": "==", "!=": "!="}


def replace(state: State, **changes: object) -> State:
    """``dataclasses.replace`` without re-running ``__init__`` (hot: once per step)."""
    new = object.__new__(State)
    fields = new.__dict__
    fields.update(state.__dict__)
    fields.update(changes)
    return new


def merge(caller: State, outcome: State) -> State:
    """The caller's state after a helper call that ended in ``outcome``."""
    return replace(
        caller,
        dispatched=caller.dispatched | outcome.dispatched,
        failed=caller.failed | outcome.failed,
        discarded=caller.discarded | outcome.discarded,
        pending=caller.pending | outcome.pending,
        reply_line=caller.reply_line or outcome.reply_line,
        resumed=caller.resumed | outcome.resumed,
        terminated=caller.terminated or outcome.terminated,
        opaque=caller.opaque or outcome.opaque,
        callbacks=caller.callbacks | outcome.callbacks,
    )


RESULT = "#result"
"""Pending-name of an op's error that the current statement has not bound yet."""


def _result_sites(state: State) -> frozenset[int]:
    return frozenset(site for name, site in state.pending if name == RESULT)


def _mentions(state: State, name: str) -> bool:
    return (
        name in state.nils
        or any(a[0] == name for a in state.actions)
        or any(c[0] == name for c in state.counters)
        or any(e[0] == name for e in state.errors)
    )


def _arguments(call: Node) -> list[Node]:
    arguments = call.child_by_field_name("arguments")
    return [c for c in arguments.named_children if c.type != "comment"] if arguments is not None else []


def _sides(stmt: Node) -> tuple[list[Node], list[Node]]:
    if stmt.type == "var_declaration":
        spec = next((c for c in stmt.named_children if c.type == "var_spec"), None)
        if spec is None:
            return [], []
        value = spec.child_by_field_name("value")
        return spec.children_by_field_name("name"), value.named_children if value is not None else []
    left = stmt.child_by_field_name("left")
    right = stmt.child_by_field_name("right")
    return (
        [c for c in left.named_children] if left is not None else [],
        [c for c in right.named_children] if right is not None else [],
    )


def _returned_expressions(stmt: Node) -> list[Node]:
    values = next((c for c in stmt.named_children if c.type == "expression_list"), None)
    return list(values.named_children) if values is not None else []
