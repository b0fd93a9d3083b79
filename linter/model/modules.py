"""Packages of the plugin's own module: can their code touch the request lifecycle?

A call into another package is opaque — it may reply or resume — unless that package
is known not to. For packages of the same Go module (found through ``go.mod``), it
is enough to see that neither the package nor any module-local package it imports
(transitively) imports a proxy-wasm SDK path: such code cannot call the host. Only
import blocks are read, as bytes; nothing is parsed.
"""

from __future__ import annotations

import os
import re
from functools import cache

from linter.model.sdk import SDK_ROOTS

_MODULE = re.compile(rb"^module\s+(\S+)", re.M)
_QUOTED = re.compile(rb'"([^"\s]+)"')
_SDK_BYTES = tuple(root.encode() for root in SDK_ROOTS)


@cache
def module_of(directory: str) -> tuple[str, str] | None:
    """(module path, module root directory) of the ``go.mod`` above ``directory``."""
    current = os.path.abspath(directory)
    while True:
        candidate = os.path.join(current, "go.mod")
        if os.path.isfile(candidate):
            try:
                with open(candidate, "rb") as handle:
                    found = _MODULE.search(handle.read(65536))
            except OSError:
                return None
            return (found.group(1).decode("utf-8", "replace"), current) if found else None
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def is_lifecycle_free(path: str, from_directory: str) -> bool:
    """Is ``path`` a package of the same module that cannot reach the SDK?"""
    module = module_of(from_directory)
    if module is None:
        return False
    module_path, root = module
    return _free(path, module_path, root, frozenset())


@cache
def _imports(directory: str) -> tuple[bool, tuple[str, ...]] | None:
    """(imports an SDK path, quoted strings that may be imports) of a package dir."""
    try:
        names = [n for n in os.listdir(directory) if n.endswith(".go") and not n.endswith("_test.go")]
    except OSError:
        return None
    if not names:
        return None
    uses_sdk = False
    quoted: set[str] = set()
    for name in names:
        try:
            with open(os.path.join(directory, name), "rb") as handle:
                data = handle.read()
        except OSError:
            return None
        head = data[: _end_of_imports(data)]
        if any(root in head for root in _SDK_BYTES):
            uses_sdk = True
        quoted.update(q.decode("utf-8", "replace") for q in _QUOTED.findall(head))
    return uses_sdk, tuple(sorted(quoted))


def _end_of_imports(data: bytes) -> int:
    """Imports come before the first declaration: read up to it."""
    found = re.search(rb"^(?:func|type|var|const)\b", data, re.M)
    return found.start() if found else len(data)


def _free(path: str, module_path: str, root: str, seen: frozenset[str]) -> bool:
    if not path.startswith(module_path + "/"):
        return False
    if path in seen:
        return True
    directory = os.path.join(root, path[len(module_path) + 1 :])
    found = _imports(directory)
    if found is None:
        return False
    uses_sdk, quoted = found
    if uses_sdk:
        return False
    local = [q for q in quoted if q.startswith(module_path + "/")]
    return all(_free(q, module_path, root, seen | {path}) for q in local)
