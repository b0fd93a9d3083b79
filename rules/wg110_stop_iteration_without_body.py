from __future__ import annotations

from linter.diagnostics import Severity
from linter.lifecycle.rule import LifecycleRule


class StopIterationWithoutBody(LifecycleRule):
    """## What it does
    Flags a header handler that returns `types.HeaderStopIteration` (or
    `types.ActionPause`, the same value) on a path with no async call and no local
    reply, unless the return is guarded by `ctx.HasRequestBody()` (request headers),
    `ctx.HasResponseBody()` (response headers) or `!endOfStream` (raw SDK) — directly,
    through a variable, or by an earlier `if !ctx.HasRequestBody() { return ... }`.
    The deprecated `wrapper.HasRequestBody()` guesses from headers and is reported as
    a weak guard. With the TinyGo wrapper (ABI 0.2.0) even a guarded return is
    reported: the host turns it into stop-all and the body is never delivered.

    ## Why is this bad?
    Returning StopIteration defers the decision to the body phase. Requests without a
    body (GET, HEAD) and responses without one (204, 304, HEAD) have no body phase:
    nothing continues them and they hang until the timeout.

    ## Example
    ```go
    func onHttpRequestHeaders(ctx wrapper.HttpContext, cfg Config) types.Action {
        if cfg.HeadersFromBody {
            ctx.SetContext("rewrite-headers", true)
            return types.HeaderStopIteration
        }
        return types.ActionContinue
    }
    ```

    ## Use instead
    ```go
    func onHttpRequestHeaders(ctx wrapper.HttpContext, cfg Config) types.Action {
        if cfg.HeadersFromBody && ctx.HasRequestBody() {
            ctx.SetContext("rewrite-headers", true)
            return types.HeaderStopIteration
        }
        return types.ActionContinue
    }
    ```
    """

    code = "WG110"
    name = "stop-iteration-without-body"
    severity = Severity.WARNING
    precision = "high"
