from __future__ import annotations

from linter.diagnostics import Severity
from linter.rule import Rule


class SuppressionWithoutReason(Rule):
    """## What it does
    Reports a suppression comment that gives no reason after its list of codes:
    `//wasm-go-lint:ignore WG103` or `//nolint:WG103` with nothing after it. For
    `//nolint`, the golangci-lint form `//nolint:WG103 // reason` carries the reason.

    ## Why is this bad?
    A suppression switches off a check that exists because the mistake hangs or
    crashes requests. Without the author's reason nobody can tell later whether the
    reason still holds (the helper that resumed the request may be gone), so the
    suppression is never re-evaluated.

    ## Example
    ```go
    func onHttpRequestHeaders(ctx wrapper.HttpContext, cfg Config) types.Action {
        go cfg.warmUp() //wasm-go-lint:ignore WG401
        return types.ActionContinue
    }
    ```

    ## Use instead
    ```go
    func onHttpRequestHeaders(ctx wrapper.HttpContext, cfg Config) types.Action {
        go cfg.warmUp() //wasm-go-lint:ignore WG401 built only for the native test harness
        return types.ActionContinue
    }
    ```
    """

    code = "WG901"
    name = "suppression-without-reason"
    severity = Severity.WARNING
    tags = ("suppression",)
    precision = "very-high"
    # Reported by the engine's suppression pass (linter/suppress.py).
