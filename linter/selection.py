"""Which rules run: ``select`` / ``extend-select`` / ``ignore`` resolution.

A selector is a code (``WG103``), a name (``pause-without-resume``), a code prefix
(``WG1``, ``WG10``) or ``ALL``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from linter.registry import all_rules
from linter.rule import Rule


class SelectorError(ValueError):
    pass


def matching(selector: str) -> list[type[Rule]]:
    token = selector.strip()
    if not token:
        return []
    rules = all_rules()
    if token.upper() == "ALL":
        return list(rules)
    by_name = [r for r in rules if r.name == token.lower()]
    if by_name:
        return by_name
    upper = token.upper()
    by_code = [r for r in rules if r.code.startswith(upper)]
    if by_code and upper.startswith("WG"):
        return by_code
    known = ", ".join(r.code for r in rules)
    raise SelectorError(f"unknown rule selector {selector!r} (use a code, a name, a prefix such as WG1, or ALL; known codes: {known})")


def split_selectors(values: Iterable[str]) -> list[str]:
    out: list[str] = []
    for value in values:
        out.extend(part for part in (p.strip() for p in value.split(",")) if part)
    return out


def resolve(
    select: Sequence[str] | None = None,
    extend_select: Sequence[str] = (),
    ignore: Sequence[str] = (),
) -> list[type[Rule]]:
    """The enabled rules, in code order. ``select=None`` means every rule."""
    chosen: dict[str, type[Rule]] = {}
    base = split_selectors(select) if select is not None else ["ALL"]
    for selector in [*base, *split_selectors(extend_select)]:
        for rule in matching(selector):
            chosen[rule.code] = rule
    for selector in split_selectors(ignore):
        for rule in matching(selector):
            chosen.pop(rule.code, None)
    return [chosen[code] for code in sorted(chosen)]
