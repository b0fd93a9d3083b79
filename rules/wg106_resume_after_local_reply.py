from __future__ import annotations

from linter.diagnostics import Severity
from linter.lifecycle.rule import LifecycleRule


class ResumeAfterLocalReply(LifecycleRule):
    """## What it does
    Flags a `ResumeHttpRequest`/`ResumeHttpResponse` (direct, or in a helper) that can
    run after `SendHttpResponse*` on the same path, including a
    `defer proxywasm.ResumeHttpRequest()` in a function where any path sends a local
    reply: deferred calls run at every exit.

    Not reported: reply and resume on exclusive branches; a defer whose function
    replies only inside a nested func literal (that literal runs later).

    ## Why is this bad?
    A local reply ends the stream. Resuming it afterwards crashed Higress gateways
    (two "crash bugfix" releases were exactly this defer pattern) or double-responds.

    ## Example
    ```go
    func onAuth(status int, _ http.Header, _ []byte) {
        defer proxywasm.ResumeHttpRequest()
        if status != http.StatusOK {
            _ = proxywasm.SendHttpResponse(403, nil, []byte("forbidden"), -1)
            return
        }
    }
    ```

    ## Use instead
    ```go
    func onAuth(status int, _ http.Header, _ []byte) {
        if status != http.StatusOK {
            _ = proxywasm.SendHttpResponse(403, nil, []byte("forbidden"), -1)
            return
        }
        _ = proxywasm.ResumeHttpRequest()
    }
    ```
    """

    code = "WG106"
    name = "resume-after-local-reply"
    severity = Severity.ERROR
    precision = "high"
