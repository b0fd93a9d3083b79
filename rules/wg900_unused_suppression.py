from __future__ import annotations

from linter.diagnostics import Severity
from linter.rule import Rule


class UnusedSuppression(Rule):
    """## What it does
    Reports a suppression comment, or one code in its list, that suppressed no finding
    in this run: `//wasm-go-lint:ignore`, `//wasm-go-lint:file-ignore`,
    `//nolint:WG103` and `//nolint:wasm-go-lint`. Codes of rules that did not run
    (deselected, disabled for the file by `per-file-ignores`, or not a plugin package)
    are not judged, and `//nolint` entries naming other linters (`errcheck`) are left
    alone. A line comment naming WG900, WG901 or WG902 is reported too: those findings
    can only be suppressed by `//wasm-go-lint:file-ignore` or configuration.

    ## Why is this bad?
    A stale suppression hides nothing today but will silently hide the next real
    finding on that line, for example a new path that pauses a request forever. The
    safe fix removes the comment, or only the unused codes from its list.

    ## Example
    ```go
    func onHttpRequestHeaders(ctx wrapper.HttpContext, cfg Config) types.Action {
        //wasm-go-lint:ignore WG103 resumed from OnTick
        return types.ActionContinue
    }
    ```

    ## Use instead
    ```go
    func onHttpRequestHeaders(ctx wrapper.HttpContext, cfg Config) types.Action {
        return types.ActionContinue
    }
    ```
    """

    code = "WG900"
    name = "unused-suppression"
    severity = Severity.WARNING
    tags = ("suppression",)
    precision = "very-high"
    fix_availability = "always"
    # Reported by the engine's suppression pass (linter/suppress.py) once every other
    # rule of the package has run: only then is it known what each comment suppressed.
