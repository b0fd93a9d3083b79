from __future__ import annotations

from linter.diagnostics import Severity
from linter.lifecycle.rule import LifecycleRule


class PauseWithoutResume(LifecycleRule):
    """## What it does
    Flags a handler path that returns a pause (`types.ActionPause`,
    `types.HeaderStopAllIterationAndWatermark`, a `DataStop*` status in a body handler,
    ...) although no async call was dispatched successfully and no local reply was sent
    on that path. Pauses are judged per phase, through variables and helpers; a pause a
    helper returns after dispatching counts as dispatched.

    Not reported: `SendHttpResponse` followed by `return types.ActionPause` (the deny);
    a value-1 return from a header handler with nothing pending (deferral to the body
    phase, judged by WG110); raw-SDK body callbacks pausing while `endOfStream` is
    false; raw-SDK plugins that resume stored contexts from `OnTick` with
    `proxywasm.SetEffectiveContext`. A synchronous `ResumeHttpRequest()` before the
    pause does not count (WG107 reports the resume itself).

    ## Why is this bad?
    Nothing will ever call `ResumeHttpRequest`/`ResumeHttpResponse` for this request:
    it hangs until the route or idle timeout (180 s by default in Higress), then the
    client sees a 504 or a reset.

    ## Example
    ```go
    func onHttpRequestHeaders(ctx wrapper.HttpContext, cfg Config) types.Action {
        if cfg.RequireToken && ctx.GetStringContext("token", "") == "" {
            return types.HeaderStopAllIterationAndWatermark // nothing will ever resume
        }
        return types.ActionContinue
    }
    ```

    ## Use instead
    ```go
    func onHttpRequestHeaders(ctx wrapper.HttpContext, cfg Config) types.Action {
        if cfg.RequireToken && ctx.GetStringContext("token", "") == "" {
            _ = proxywasm.SendHttpResponse(401, nil, []byte("missing token"), -1)
            return types.ActionPause
        }
        return types.ActionContinue
    }
    ```
    """

    code = "WG103"
    name = "pause-without-resume"
    severity = Severity.ERROR
    precision = "high"
