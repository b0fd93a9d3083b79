"""Documentation generated from the rule registry (README rule table)."""

from __future__ import annotations

import re

from linter.registry import all_rules

TABLE_START = "<!-- rules-table:start -->"
TABLE_END = "<!-- rules-table:end -->"


def rules_table() -> str:
    rows = ["| code | name | default | fix | what it flags |", "|---|---|---|---|---|"]
    for rule in all_rules():
        fix = {"none": "", "sometimes": "sometimes", "always": "yes"}[rule.fix_availability]
        summary = rule.summary().replace("|", "\\|")
        rows.append(f"| {rule.code} | {rule.name} | {rule.severity.value} | {fix} | {summary} |")
    return "\n".join(rows)


def with_rules_table(readme: str) -> str:
    """``readme`` with the text between the table markers regenerated."""
    pattern = re.compile(re.escape(TABLE_START) + r".*?" + re.escape(TABLE_END), re.S)
    if not pattern.search(readme):
        raise ValueError("README has no rules-table markers")
    return pattern.sub(lambda _: f"{TABLE_START}\n{rules_table()}\n{TABLE_END}", readme)
