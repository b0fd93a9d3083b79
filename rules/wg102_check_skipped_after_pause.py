from __future__ import annotations

from linter.diagnostics import Severity
from linter.lifecycle.rule import LifecycleRule


class CheckSkippedAfterPause(LifecycleRule):
    """## What it does
    Flags work in a handler — an async call, a header or body change, a local reply —
    that follows a branch which dispatches an async call and returns a pause; also in
    a helper whose pause the handler returns (`return runChecks(ctx, cfg)`). Requests
    that take the branch never run that later code: the callback's resume continues
    the filter chain, not the handler. Reported at the first skipped effect.

    Not reported: later code that only logs; a callback of the first call that
    performs the same work or calls back into the handler's code (chained checks);
    branches made exclusive with `else if` or `switch`; deny branches (a local reply
    without a dispatch); several dispatches in a loop followed by one pause.

    ## Why is this bad?
    With an IP blacklist and a user blacklist both enabled, a blacklisted user whose
    IP is checked first simply passes: the second check silently never runs.

    ## Example
    ```go
    func onHttpRequestHeaders(ctx wrapper.HttpContext, cfg Config) types.Action {
        if cfg.CheckIP {
            if err := cfg.Client.Get("/ip", nil, onIPChecked, 500); err == nil {
                return types.HeaderStopAllIterationAndWatermark
            }
        }
        if cfg.CheckUser {
            if err := cfg.Client.Get("/user", nil, onUserChecked, 500); err == nil {
                return types.HeaderStopAllIterationAndWatermark
            }
        }
        return types.ActionContinue
    }
    ```

    ## Use instead
    ```go
    // onIPChecked calls checkUser(ctx, cfg) when the IP passes; checkUser dispatches
    // the user lookup, whose callback resumes or replies. Or combine both lookups.
    func onHttpRequestHeaders(ctx wrapper.HttpContext, cfg Config) types.Action {
        if err := cfg.Client.Get("/ip-and-user", nil, onChecked, 500); err != nil {
            return types.ActionContinue
        }
        return types.HeaderStopAllIterationAndWatermark
    }
    ```
    """

    code = "WG102"
    name = "check-skipped-after-pause"
    severity = Severity.WARNING
    precision = "medium"
