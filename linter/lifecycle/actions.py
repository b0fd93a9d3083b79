"""``types.Action`` constants: values, and what counts as a pause in which phase."""

from __future__ import annotations

from linter.model.plugin import Phase

ACTION_VALUES: dict[str, int] = {
    "ActionContinue": 0,
    "HeaderContinue": 0,
    "DataContinue": 0,
    "ActionPause": 1,
    "HeaderStopIteration": 1,
    "HeaderContinueAndEndStream": 2,
    "HeaderStopAllIterationAndBuffer": 3,
    "HeaderStopAllIterationAndWatermark": 4,
    "DataStopIterationAndBuffer": 1,
    "DataStopIterationAndWatermark": 2,
    "DataStopIterationNoBuffer": 3,
}

HEADER_PAUSES = frozenset({1, 3, 4})
BODY_PAUSES = frozenset({1, 2, 3})


def is_pause(value: int, phase: Phase) -> bool:
    if phase.is_header:
        return value in HEADER_PAUSES or value > 4
    return value in BODY_PAUSES or value > 3


def is_continue(value: int) -> bool:
    return value == 0
