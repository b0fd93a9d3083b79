from __future__ import annotations

from linter.diagnostics import Severity
from linter.lifecycle.rule import LifecycleRule


class DispatchErrorIgnored(LifecycleRule):
    """## What it does
    Flags async calls (HTTP client methods, Redis commands, `proxywasm.Dispatch*`,
    `ctx.RouteCall`) whose error is dropped — an expression statement, `_ =`, a
    variable never read or overwritten before it is checked — on a path that then
    returns a pause; and an error branch that still returns a pause without a local
    reply. Also a failed `ctx.RouteCall` followed by continue.

    Not reported: an error branch that returns continue (fail open) or replies and
    pauses; an error returned to the caller from a same-package wrapper (the caller is
    checked); fire-and-forget calls on paths that return continue.

    ## Why is this bad?
    When an async call returns an error its callback never runs. If the handler pauses
    anyway, nothing will resume the request: a wrong cluster name (`bad argument`) or
    a Redis client that is not ready makes every request on the route hang. A failed
    `RouteCall` has already rewritten headers, so continuing forwards a half-rewritten
    request.

    ## Example
    ```go
    _ = cfg.Client.Post("/check", hdrs, body, onChecked, 1000)
    return types.HeaderStopAllIterationAndWatermark
    ```

    ## Use instead
    ```go
    if err := cfg.Client.Post("/check", hdrs, body, onChecked, 1000); err != nil {
        log.Errorf("check dispatch: %v", err)
        return types.ActionContinue // or SendHttpResponse(503, ...) + return types.ActionPause
    }
    return types.HeaderStopAllIterationAndWatermark
    ```
    """

    code = "WG105"
    name = "dispatch-error-ignored"
    severity = Severity.ERROR
    precision = "high"
