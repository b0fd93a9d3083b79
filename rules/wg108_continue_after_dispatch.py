from __future__ import annotations

from linter.diagnostics import Severity
from linter.lifecycle.rule import LifecycleRule


class ContinueAfterDispatch(LifecycleRule):
    """## What it does
    Flags an async call whose callback resumes, replies or changes headers or the
    body, dispatched successfully on a path where the handler (directly or through a
    helper whose result it returns) returns continue. Reported at the dispatch.

    Not reported: continue on the dispatch's error branch (fail open);
    fire-and-forget calls (a `nil` callback, or one that only logs, counts, caches or
    stores into the context for a later phase); dispatches from streaming handlers,
    ticks and parse functions.

    ## Why is this bad?
    The request goes upstream at once. A cache-hit reply from the callback races the
    upstream response, header changes made in the callback are lost, and its resume
    hits a stream that is not paused.

    ## Example
    ```go
    func onHttpRequestHeaders(ctx wrapper.HttpContext, cfg Config) types.Action {
        _ = cfg.Redis.Get("cache:"+ctx.Path(), func(v resp.Value) {
            if v.Error() == nil && !v.IsNull() {
                _ = proxywasm.SendHttpResponse(200, nil, v.Bytes(), -1)
                return
            }
            _ = proxywasm.ResumeHttpRequest()
        })
        return types.ActionContinue
    }
    ```

    ## Use instead
    ```go
    func onHttpRequestHeaders(ctx wrapper.HttpContext, cfg Config) types.Action {
        if err := cfg.Redis.Get("cache:"+ctx.Path(), onCached); err != nil {
            return types.ActionContinue
        }
        return types.HeaderStopAllIterationAndWatermark
    }
    ```
    """

    code = "WG108"
    name = "continue-after-dispatch"
    severity = Severity.WARNING
    precision = "high"
