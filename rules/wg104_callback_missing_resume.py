from __future__ import annotations

from linter.diagnostics import Severity
from linter.lifecycle.rule import LifecycleRule


class CallbackMissingResume(LifecycleRule):
    """## What it does
    Flags an exit of an async-call callback (an early `return`, an error branch, a
    status check, a failed type assertion, or the end of the body) that is reached
    without a terminal action, when the callback belongs to a paused request: no
    `ResumeHttpRequest`/`ResumeHttpResponse`, no local reply, no helper that does one
    on every path, and no further async call whose own callback does.

    Not reported: a `defer proxywasm.ResumeHttpRequest()` that covers every exit;
    callbacks that chain another checked async call; counter joins, where several
    dispatches share a callback that counts down and only the last one resumes;
    callbacks whose handler returned continue; exits by panic (WG404).

    ## Why is this bad?
    The handler paused the stream and only this callback can continue it. On the
    forgotten path — typically exactly when Redis or the auth service misbehaves — the
    request stays paused until the timeout.

    ## Example
    ```go
    err := cfg.Redis.Eval(limitScript, 1, keys, args, func(v resp.Value) {
        if v.Error() != nil {
            log.Errorf("rate limit: %v", v.Error())
            return // the request stays paused forever
        }
        _ = proxywasm.ResumeHttpRequest()
    })
    ```

    ## Use instead
    ```go
    err := cfg.Redis.Eval(limitScript, 1, keys, args, func(v resp.Value) {
        if v.Error() != nil {
            log.Errorf("rate limit: %v", v.Error())
            _ = proxywasm.ResumeHttpRequest() // fail open
            return
        }
        _ = proxywasm.ResumeHttpRequest()
    })
    ```
    """

    code = "WG104"
    name = "callback-missing-resume"
    severity = Severity.ERROR
    precision = "high"
