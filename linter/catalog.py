"""The rule catalog (codes, names, default severities): the project's contract.

Codes are stable and never reused. Rules are implemented one module at a time; the
catalog lets suppressions and selectors recognise every code and name.
"""

from __future__ import annotations

CATALOG: dict[str, tuple[str, str]] = {
    "WG000": ("syntax-error", "error"),
    "WG101": ("unreachable-code", "error"),
    "WG102": ("check-skipped-after-pause", "warning"),
    "WG103": ("pause-without-resume", "error"),
    "WG104": ("callback-missing-resume", "error"),
    "WG105": ("dispatch-error-ignored", "error"),
    "WG106": ("resume-after-local-reply", "error"),
    "WG107": ("resume-without-pause", "error"),
    "WG108": ("continue-after-dispatch", "warning"),
    "WG109": ("header-pause-not-stop-all", "warning"),
    "WG110": ("stop-iteration-without-body", "warning"),
    "WG111": ("wrong-direction-resume", "error"),
    "WG112": ("double-local-reply", "warning"),
    "WG201": ("value-receiver-mutation", "error"),
    "WG202": ("config-param-mutation", "warning"),
    "WG203": ("global-mutable-state", "warning"),
    "WG204": ("redis-client-not-initialized", "error"),
    "WG205": ("missing-parse-config", "error"),
    "WG206": ("handler-signature-mismatch", "error"),
    "WG301": ("body-without-buffer-limit", "warning"),
    "WG302": ("buffer-limit-misuse", "warning"),
    "WG303": ("body-rewrite-keeps-content-length", "warning"),
    "WG401": ("goroutine", "error"),
    "WG402": ("blocking-call", "error"),
    "WG403": ("unsupported-stdlib", "error"),
    "WG404": ("panic-in-callback", "warning"),
    "WG405": ("entrypoint-placement", "error"),
    "WG900": ("unused-suppression", "warning"),
    "WG901": ("suppression-without-reason", "warning"),
    "WG902": ("unknown-rule-in-suppression", "warning"),
}
