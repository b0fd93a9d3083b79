"""Regenerate docs/rules/ (one page per rule plus README.md) from the rule docstrings.

``--check`` writes nothing and exits 1 when a page is missing, different or stale
(tests/test_rule_docs.py runs the same comparison).
"""

from __future__ import annotations

import sys
from pathlib import Path

from linter.ruledocs import generated_docs

DOCS = Path(__file__).resolve().parent.parent / "docs" / "rules"


def differences(docs: Path = DOCS) -> list[str]:
    """What is out of date in ``docs``: missing, changed and left-over pages."""
    expected = generated_docs()
    problems: list[str] = []
    for name, text in sorted(expected.items()):
        path = docs / name
        if not path.exists():
            problems.append(f"missing {name}")
        elif path.read_text(encoding="utf-8") != text:
            problems.append(f"changed {name}")
    present = {p.name for p in docs.glob("*.md")} if docs.is_dir() else set()
    problems.extend(f"stale {name}" for name in sorted(present - set(expected)))
    return problems


def write(docs: Path = DOCS) -> list[str]:
    docs.mkdir(parents=True, exist_ok=True)
    expected = generated_docs()
    changed = differences(docs)
    for name, text in expected.items():
        (docs / name).write_text(text, encoding="utf-8")
    for path in docs.glob("*.md"):
        if path.name not in expected:
            path.unlink()
    return changed


def main(argv: list[str]) -> int:
    if argv == ["--check"]:
        problems = differences()
        for problem in problems:
            print(f"docs/rules: {problem}")
        if problems:
            print("run: python scripts/gen_rule_docs.py")
        return 1 if problems else 0
    if argv:
        print("usage: python scripts/gen_rule_docs.py [--check]", file=sys.stderr)
        return 2
    changed = write()
    print(f"docs/rules: {len(changed)} page(s) updated" + (f" ({', '.join(changed)})" if changed else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
