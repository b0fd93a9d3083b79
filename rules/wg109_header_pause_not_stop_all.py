from __future__ import annotations

from typing import ClassVar

from linter.diagnostics import Severity
from linter.lifecycle.rule import LifecycleRule


class HeaderPauseNotStopAll(LifecycleRule):
    """## What it does
    Flags a request- or response-header handler that returns `types.ActionPause` or
    `types.HeaderStopIteration` (value 1) on a path after a successful async call.
    An error with the `higress-group/wasm-go` SDK (Go 1.24, ABI 0.2.100), a warning
    otherwise: the TinyGo wrapper on ABI 0.2.0 has the host convert the status to
    stop-all, so the bug is latent until a migration or a 0.2.100 build.

    A safe fix replaces the constant with `types.HeaderStopAllIterationAndWatermark`
    where it is written in the handler. Body handlers returning `types.ActionPause`
    after a dispatch are correct and not reported.

    ## Why is this bad?
    Under ABI 0.2.100 `StopIteration` only stops the headers: body frames keep flowing,
    and when the body callback continues, the request reaches upstream before the
    auth, rate-limit or replay check has decided — a bypass. GET requests behave, so
    tests pass.

    ## Example
    ```go
    func onHttpRequestHeaders(ctx wrapper.HttpContext, cfg Config) types.Action {
        if err := cfg.Redis.SetNX("nonce:"+ctx.Path(), 1, 300, onNonce); err != nil {
            return types.ActionContinue
        }
        return types.ActionPause
    }
    ```

    ## Use instead
    ```go
    func onHttpRequestHeaders(ctx wrapper.HttpContext, cfg Config) types.Action {
        if err := cfg.Redis.SetNX("nonce:"+ctx.Path(), 1, 300, onNonce); err != nil {
            return types.ActionContinue
        }
        return types.HeaderStopAllIterationAndWatermark
    }
    ```
    """

    code = "WG109"
    name = "header-pause-not-stop-all"
    severity = Severity.WARNING
    tags = ("correctness", "lifecycle", "security")
    precision = "very-high"
    fix_availability = "sometimes"
    security_severity: ClassVar[str | None] = "7.5"
