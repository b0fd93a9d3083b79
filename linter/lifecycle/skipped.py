"""Work skipped for requests that pause in an earlier branch (WG102).

Resuming never re-enters the handler: for a request that took a branch which
dispatched an op and returned a pause, the statements after that branch never
run. They matter when they do real work — another async op, a header or body
change, a local reply — and the callback does not chain that work itself.
"""

from __future__ import annotations

from tree_sitter import Node

from linter.lifecycle.effects import Effects, Profile
from linter.lifecycle.explore import Exit, FlowResult
from linter.lifecycle.ops import Event, EventKind
from linter.lifecycle.summaries import Summaries

_WORK = (EventKind.DISPATCH, EventKind.REPLY, EventKind.MUTATION)
_BRANCHES = ("if_statement", "expression_switch_statement", "type_switch_statement", "select_statement")


def skipped_work(
    result: FlowResult, exit_: Exit, summaries: Summaries, effects: Effects
) -> tuple[Event, Event, Node] | None:
    """(first skipped event, the dispatch of the pausing branch, the branch)."""
    returned = exit_.node.node
    body = result.function.child_by_field_name("body")
    if returned is None or body is None:
        return None
    branch = _top_level_statement(returned, body)
    if branch is None or branch.type not in _BRANCHES:
        return None
    dispatches = [
        summaries.sites[site][0]
        for site in exit_.state.dispatched
        if site in summaries.sites
        and summaries.sites[site][1] is result.file
        and branch.start_byte <= summaries.sites[site][0].call.start_byte < branch.end_byte
    ]
    if not dispatches:
        return None
    flow = summaries.flow(result.function, result.file)
    if flow is None:
        return None
    later = sorted(
        (
            event
            for events in flow.events.values()
            for event in events
            if event.call.start_byte >= branch.end_byte and _does_work(event, summaries)
        ),
        key=lambda event: event.call.start_byte,
    )
    if not later:
        return None
    skipped = later[0]
    for dispatch in dispatches:
        profile = effects.of_callback(dispatch, result.file)
        if profile.unknown or _chains(skipped, profile, result.function):
            return None
    return skipped, dispatches[0], branch


def _top_level_statement(node: Node, body: Node) -> Node | None:
    current = node
    while current.parent is not None and current.parent.id != body.id:
        if current.parent.type == "statement_list" and current.parent.parent is not None and (
            current.parent.parent.id == body.id
        ):
            return current
        current = current.parent
    return None


def _does_work(event: Event, summaries: Summaries) -> bool:
    if event.kind in _WORK:
        return event.kind is not EventKind.DISPATCH or event.callback is not None
    if event.kind is EventKind.HELPER:
        for helper in event.helpers:
            if any(
                inner.kind in _WORK and (inner.kind is not EventKind.DISPATCH or inner.callback is not None)
                for inner in summaries.events(helper.node, helper.file)
            ):
                return True
    return False


def _chains(skipped: Event, profile: Profile, function: Node) -> bool:
    """Does the callback perform the skipped work itself, or re-enter this function?"""
    if function.id in profile.functions:
        return True
    if skipped.kind in (EventKind.DISPATCH, EventKind.MUTATION):
        return skipped.op in profile.ops
    if skipped.kind is EventKind.HELPER:
        return any(h.node.id in profile.functions for h in skipped.helpers)
    return False  # a reply in the callback answers its own check, not the skipped one
