"""Every rule, found by importing each module of ``linter.rules``.

Adding a rule means adding its module (and its fixture folder); nothing else.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from linter.rule import Rule


@cache
def all_rules() -> tuple[type[Rule], ...]:
    package = importlib.import_module("linter.rules")
    found: dict[str, type[Rule]] = {}
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"linter.rules.{info.name}")
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, Rule)
                and value is not Rule
                and value.__module__ == module.__name__
                and hasattr(value, "code")
            ):
                if value.code in found:
                    raise RuntimeError(f"two rules claim {value.code}: {found[value.code]} and {value}")
                found[value.code] = value
    return tuple(found[code] for code in sorted(found))


def rules_by_key() -> dict[str, type[Rule]]:
    """Codes and names, both as users may write them, to rules."""
    keys: dict[str, type[Rule]] = {}
    for rule in all_rules():
        keys[rule.code] = rule
        keys[rule.name] = rule
    return keys


def find_rule(key: str) -> type[Rule] | None:
    key = key.strip()
    keys = rules_by_key()
    return keys.get(key) or keys.get(key.upper()) or keys.get(key.lower())
