from __future__ import annotations

from linter.diagnostics import Severity
from linter.lifecycle.rule import LifecycleRule


class ResumeWithoutPause(LifecycleRule):
    """## What it does
    Flags `ResumeHttpRequest`/`ResumeHttpResponse` where no stream is paused:
    synchronously in a handler body or a helper it calls (typically a dispatch-error
    branch), in the callback of a call dispatched from a streaming body handler
    (streaming handlers cannot pause), and in stream-done handlers, parse functions,
    tick functions and the callbacks they dispatch.

    Not reported: a resume in a callback whose dispatching path pauses; raw-SDK
    plugin-level code that calls `proxywasm.SetEffectiveContext(id)` and then resumes
    a stored, paused context.

    ## Why is this bad?
    Envoy may only continue a filter chain that this filter stopped. A resume of a
    running stream violates an assertion (debug builds abort; release builds re-run
    header and data paths), and Higress recorded gateway crashes from it.

    ## Example
    ```go
    if err := cfg.Client.Get(url, nil, onResp, 500); err != nil {
        _ = proxywasm.ResumeHttpRequest() // nothing is paused yet
        return types.ActionContinue
    }
    return types.HeaderStopAllIterationAndWatermark
    ```

    ## Use instead
    ```go
    if err := cfg.Client.Get(url, nil, onResp, 500); err != nil {
        return types.ActionContinue
    }
    return types.HeaderStopAllIterationAndWatermark
    ```
    """

    code = "WG107"
    name = "resume-without-pause"
    severity = Severity.ERROR
    precision = "high"
