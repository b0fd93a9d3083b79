from __future__ import annotations

from linter.diagnostics import Severity
from linter.lifecycle.rule import LifecycleRule


class WrongDirectionResume(LifecycleRule):
    """## What it does
    Flags the resume calls of a callback attached to a pause in a response phase when
    every terminating path resumes only with `ResumeHttpRequest` (no
    `ResumeHttpResponse`, no local reply) — or the reverse for a request-phase pause.

    Not reported: local replies (they end the stream either way); helpers that pick
    the direction from a parameter or from `ctx.GetExecutionPhase()`; callbacks where
    the right direction is resumed on every path.

    ## Why is this bad?
    `ResumeHttpRequest` continues decoding only and `ResumeHttpResponse` encoding only.
    The paused side stays paused until the timeout, and the other resume hits a stream
    that is not paused.

    ## Example
    ```go
    func onHttpResponseHeaders(ctx wrapper.HttpContext, cfg Config) types.Action {
        err := cfg.Client.Get("/audit", nil, func(int, http.Header, []byte) {
            _ = proxywasm.ResumeHttpRequest()
        }, 500)
        if err != nil {
            return types.ActionContinue
        }
        return types.HeaderStopAllIterationAndWatermark
    }
    ```

    ## Use instead
    ```go
    func onHttpResponseHeaders(ctx wrapper.HttpContext, cfg Config) types.Action {
        err := cfg.Client.Get("/audit", nil, func(int, http.Header, []byte) {
            _ = proxywasm.ResumeHttpResponse()
        }, 500)
        if err != nil {
            return types.ActionContinue
        }
        return types.HeaderStopAllIterationAndWatermark
    }
    ```
    """

    code = "WG111"
    name = "wrong-direction-resume"
    severity = Severity.ERROR
    precision = "high"
