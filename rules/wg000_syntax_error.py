from __future__ import annotations

from linter.diagnostics import Severity
from linter.rule import FileContext, Rule


class GoSyntaxError(Rule):
    """## What it does
    Reports Go source that does not parse: each run of tree-sitter `ERROR` nodes, and
    each token the parser had to assume (`MISSING`), at its position.

    ## Why is this bad?
    The file does not compile. The rest of the file is still analysed, but rules that
    follow paths skip a function whose body contains a syntax error, because its
    control flow cannot be trusted; fixing the error may reveal more findings.

    ## Example
    ```go
    func onHttpRequestHeaders(ctx wrapper.HttpContext, cfg Config) types.Action {
        if cfg.Deny { return types.ActionPause
    }
    ```

    ## Use instead
    ```go
    func onHttpRequestHeaders(ctx wrapper.HttpContext, cfg Config) types.Action {
        if cfg.Deny { return types.ActionPause }
        return types.ActionContinue
    }
    ```
    """

    code = "WG000"
    name = "syntax-error"
    severity = Severity.ERROR
    tags = ("any-package", "correctness")
    precision = "very-high"

    def check_file(self, ctx: FileContext) -> None:
        for span in ctx.syntax_errors:
            if span.missing is not None:
                self.report(ctx, (span.start_byte, span.end_byte), f"syntax error: missing `{span.missing}`")
                continue
            line_end = ctx.file.data.find(b"\n", span.start_byte, span.end_byte)
            end = span.end_byte if line_end == -1 else line_end
            if end > span.start_byte and ctx.file.data[end - 1 : end] == b"\r":
                end -= 1  # CRLF: the line ends before the carriage return
            words = ctx.file.data[span.start_byte : end].decode("utf-8", "replace").split()
            token = words[0][:30] if words else ""
            detail = f" near `{token}`" if token else ""
            self.report(ctx, (span.start_byte, end), f"syntax error: unexpected input{detail}")
