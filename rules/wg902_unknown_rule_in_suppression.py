from __future__ import annotations

from linter.diagnostics import Severity
from linter.rule import Rule


class UnknownRuleInSuppression(Rule):
    """## What it does
    Reports a suppression that names a code or name that is not a wasm-go-lint rule
    (`WG130`, `pause-without-resum`), an unknown directive (`//wasm-go-lint:ignored`),
    or a suppression that names no rule at all, and suggests the closest valid code or
    name. Every entry of a `//wasm-go-lint:` comment counts; of a `//nolint:` list
    only entries shaped like our codes (`WG` and digits), so other linters' names
    (`errcheck`) are left alone.

    ## Why is this bad?
    The comment suppresses nothing while its author believes it works: the finding it
    was meant for is still reported (or, worse, the author stops looking at the
    report), and the typo survives every review.

    ## Example
    ```go
    func onHttpRequestHeaders(ctx wrapper.HttpContext, cfg Config) types.Action {
        go cfg.warmUp() //nolint:WG410 // built only for the native test harness
        return types.ActionContinue
    }
    ```

    ## Use instead
    ```go
    func onHttpRequestHeaders(ctx wrapper.HttpContext, cfg Config) types.Action {
        go cfg.warmUp() //nolint:WG401 // built only for the native test harness
        return types.ActionContinue
    }
    ```
    """

    code = "WG902"
    name = "unknown-rule-in-suppression"
    severity = Severity.WARNING
    tags = ("suppression",)
    precision = "very-high"
    # Reported by the engine's suppression pass (linter/suppress.py).
