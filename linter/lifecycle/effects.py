"""What a callback does, transitively: through helpers and nested callbacks.

Used to tell a fire-and-forget op (a callback that only logs, counts or caches)
from one whose callback resumes, replies or changes the stream (WG108), and to see
whether a callback chains the work that a pause would otherwise skip (WG102).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from linter.lifecycle.explore import FlowResult
from linter.lifecycle.ops import Event, EventKind
from linter.lifecycle.summaries import Summaries
from linter.model.package import FunctionSymbol
from linter.rule import FileContext


@dataclass
class Profile:
    kinds: set[EventKind] = field(default_factory=set)
    ops: set[str] = field(default_factory=set)
    """Dispatch ops and mutation functions performed, by their text."""
    functions: set[int] = field(default_factory=set)
    """Ids of the same-package functions called."""
    unknown: bool = False
    """Some code could not be followed: assume it might do anything."""


class Effects:
    def __init__(self, summaries: Summaries) -> None:
        self.summaries = summaries
        self._profiles: dict[int, Profile] = {}

    def of_callback(self, event: Event, fctx: FileContext) -> Profile:
        key = event.call.id
        if key in self._profiles:
            return self._profiles[key]
        profile = Profile()
        self._profiles[key] = profile  # recursion (retry callbacks) sees the partial profile
        result = self.summaries.callback_result(event, fctx)
        if result is None or not result.reliable:
            profile.unknown = event.callback is not None
            return profile
        self._collect(result, profile, set())
        return profile

    def _collect_unexplored(self, helper: FunctionSymbol, profile: Profile, seen: set[int]) -> None:
        """A helper that was not explored: it has no event, or only changes headers or
        bodies (itself or through helpers of that kind); otherwise exploring it failed
        (recursion, a body too complex) and what it does is unknown."""
        if helper.node.id in seen:
            return
        seen.add(helper.node.id)
        summarised = self.summaries.without_effects(helper.node)
        for inner in self.summaries.events(helper.node, helper.file):
            profile.kinds.add(inner.kind)
            if inner.kind is EventKind.MUTATION:
                profile.ops.add(inner.op)
            elif inner.kind is EventKind.HELPER and summarised:
                for nested in inner.helpers:
                    profile.functions.add(nested.node.id)
                    self._collect_unexplored(nested, profile, seen)
            else:
                profile.unknown = True

    def _collect(self, flow: FlowResult, profile: Profile, seen: set[int]) -> None:
        if flow.function.id in seen:
            return
        seen.add(flow.function.id)
        for obs in flow.observations:
            event = obs.event
            profile.kinds.add(event.kind)
            if event.kind in (EventKind.DISPATCH, EventKind.MUTATION):
                profile.ops.add(event.op)
            if event.kind is EventKind.OPAQUE:
                profile.unknown = True
            if event.kind is EventKind.HELPER:
                for helper in event.helpers:
                    profile.functions.add(helper.node.id)
                    helper_flow = self.summaries.helper_results.get(helper.node.id)
                    if helper_flow is not None:
                        self._collect(helper_flow, profile, seen)
                    else:
                        self._collect_unexplored(helper, profile, seen)
            if event.kind is EventKind.DISPATCH and event.callback is not None:
                nested = self.summaries.callback_result(event, flow.file)
                if nested is not None:
                    self._collect(nested, profile, seen)
