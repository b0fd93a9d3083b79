"""Regenerate the rule table in README.md from the rule registry."""

from __future__ import annotations

from pathlib import Path

from linter.docs import with_rules_table

README = Path(__file__).resolve().parent.parent / "README.md"

if __name__ == "__main__":
    README.write_text(with_rules_table(README.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"updated {README}")
