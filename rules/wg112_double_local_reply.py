from __future__ import annotations

from linter.diagnostics import Severity
from linter.lifecycle.rule import LifecycleRule


class DoubleLocalReply(LifecycleRule):
    """## What it does
    Flags a second `SendHttpResponse*` (direct or through a reply helper) reachable
    on a path that already sent a local reply, and an async call dispatched after a
    local reply on the same path (a missing `return`). A resume after a reply is
    reported by WG106 instead.

    Not reported: a reply followed by `return`; replies on exclusive branches; a reply
    in a loop followed by `return` or `break`.

    ## Why is this bad?
    One stream gets one local reply: a second one leaves the client waiting until the
    timeout, and work dispatched after the reply runs against an answered stream.

    ## Example
    ```go
    func onChecked(status int, _ http.Header, body []byte) {
        if status != http.StatusOK {
            _ = proxywasm.SendHttpResponse(502, nil, []byte("check failed"), -1)
        }
        _ = proxywasm.SendHttpResponse(200, nil, body, -1)
    }
    ```

    ## Use instead
    ```go
    func onChecked(status int, _ http.Header, body []byte) {
        if status != http.StatusOK {
            _ = proxywasm.SendHttpResponse(502, nil, []byte("check failed"), -1)
            return
        }
        _ = proxywasm.SendHttpResponse(200, nil, body, -1)
    }
    ```
    """

    code = "WG112"
    name = "double-local-reply"
    severity = Severity.WARNING
    precision = "high"
