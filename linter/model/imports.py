"""Per-file import map: local names (aliases, dot imports) to import paths."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tree_sitter import Node

_VERSION_SUFFIX = re.compile(r"^v\d+$")


def default_local_name(path: str) -> str:
    """The name Go gives an unaliased import, guessed from its path.

    The real name is the imported package's clause, which we do not read; the last
    path element (skipping a ``/vN`` major-version suffix, dropping ``go-``) is
    right for every SDK and helper path a plugin uses.
    """
    parts = path.split("/")
    last = parts[-1]
    if _VERSION_SUFFIX.match(last) and len(parts) > 1:
        last = parts[-2]
    if last.startswith("go-"):
        last = last[3:]
    return last.replace("-", "_").replace(".", "_")


@dataclass
class ImportMap:
    by_name: dict[str, str] = field(default_factory=dict)
    """Local name -> import path, for named and default imports."""
    dot_imports: list[str] = field(default_factory=list)
    paths: set[str] = field(default_factory=set)
    nodes: dict[str, Node] = field(default_factory=dict)
    """Import path -> its ``import_spec`` node (for messages and fixes)."""

    def path_of(self, local_name: str) -> str | None:
        return self.by_name.get(local_name)

    def names_of(self, path: str) -> list[str]:
        return [name for name, p in self.by_name.items() if p == path]

    def is_dot_imported(self, path: str) -> bool:
        return path in self.dot_imports


def read_imports(root: Node) -> ImportMap:
    imports = ImportMap()
    for decl in root.children:
        if decl.type != "import_declaration":
            continue
        for spec in _import_specs(decl):
            path_node = spec.child_by_field_name("path")
            if path_node is None or path_node.text is None:
                continue
            path = path_node.text.decode("utf-8", errors="replace").strip('"`')
            imports.paths.add(path)
            imports.nodes[path] = spec
            name_node = spec.child_by_field_name("name")
            if name_node is None:
                imports.by_name[default_local_name(path)] = path
            elif name_node.type == "dot":
                imports.dot_imports.append(path)
            elif name_node.type == "package_identifier" and name_node.text is not None:
                imports.by_name[name_node.text.decode()] = path
    return imports


def _import_specs(decl: Node) -> list[Node]:
    specs: list[Node] = []
    for child in decl.children:
        if child.type == "import_spec":
            specs.append(child)
        elif child.type == "import_spec_list":
            specs.extend(c for c in child.children if c.type == "import_spec")
    return specs
