"""Package-level symbols: functions, methods, types, struct fields, variables.

Built once per package from the top-level declarations of every file (analysed
files and siblings read for facts alike); top-level nodes only, so it costs no
tree walk.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tree_sitter import Node

if TYPE_CHECKING:
    from linter.rule import FileContext, PackageContext


@dataclass
class FunctionSymbol:
    name: str
    node: Node
    file: FileContext
    receiver_type: str | None = None
    """For methods: the receiver's base type name (``Config`` for ``*Config``)."""
    pointer_receiver: bool = False


@dataclass
class TypeSymbol:
    name: str
    node: Node
    file: FileContext
    kind: str
    """``struct``, ``interface``, ``func``, or ``other``."""
    fields: dict[str, str] = field(default_factory=dict)
    """For structs: field name -> type text (embedded fields by their type name; an
    embedded pointer's text keeps its ``*``)."""


@dataclass
class PackageFacts:
    functions: dict[str, FunctionSymbol] = field(default_factory=dict)
    methods: dict[str, dict[str, FunctionSymbol]] = field(default_factory=dict)
    """Receiver type name -> method name -> method."""
    types: dict[str, TypeSymbol] = field(default_factory=dict)
    variables: dict[str, Node] = field(default_factory=dict)
    constants: dict[str, Node] = field(default_factory=dict)

    @property
    def top_level_names(self) -> set[str]:
        return {*self.functions, *self.types, *self.variables, *self.constants}

    @classmethod
    def build(cls, pkg: PackageContext) -> PackageFacts:
        facts = cls()
        for fctx in pkg.files:
            for decl in fctx.root.children:
                facts._add_declaration(decl, fctx)
        return facts

    def _add_declaration(self, decl: Node, fctx: FileContext) -> None:
        kind = decl.type
        if kind == "function_declaration":
            name = decl.child_by_field_name("name")
            if name is not None:
                self.functions[fctx.text(name)] = FunctionSymbol(fctx.text(name), decl, fctx)
        elif kind == "method_declaration":
            self._add_method(decl, fctx)
        elif kind == "type_declaration":
            for spec in decl.children:
                if spec.type in ("type_spec", "type_alias"):
                    self._add_type(spec, fctx)
        elif kind in ("var_declaration", "const_declaration"):
            target = self.variables if kind == "var_declaration" else self.constants
            for spec in _specs(decl):
                for name in spec.children_by_field_name("name"):
                    target[fctx.text(name)] = spec

    def _add_method(self, decl: Node, fctx: FileContext) -> None:
        name = decl.child_by_field_name("name")
        receiver = receiver_of(decl, fctx)
        if name is None or receiver is None:
            return
        _, type_name, is_pointer = receiver
        symbol = FunctionSymbol(fctx.text(name), decl, fctx, type_name, is_pointer)
        self.methods.setdefault(type_name, {})[symbol.name] = symbol

    def _add_type(self, spec: Node, fctx: FileContext) -> None:
        name = spec.child_by_field_name("name")
        body = spec.child_by_field_name("type")
        if name is None or body is None:
            return
        kinds = {"struct_type": "struct", "interface_type": "interface", "function_type": "func"}
        symbol = TypeSymbol(fctx.text(name), spec, fctx, kinds.get(body.type, "other"))
        if body.type == "struct_type":
            symbol.fields = struct_fields(body, fctx)
        self.types[symbol.name] = symbol


def _specs(decl: Node) -> list[Node]:
    specs: list[Node] = []
    for child in decl.children:
        if child.type in ("var_spec", "const_spec"):
            specs.append(child)
        elif child.type == "var_spec_list":
            specs.extend(c for c in child.children if c.type == "var_spec")
    return specs


def struct_fields(struct_type: Node, fctx: FileContext) -> dict[str, str]:
    fields: dict[str, str] = {}
    for child in struct_type.children:
        if child.type != "field_declaration_list":
            continue
        for decl in child.children:
            if decl.type != "field_declaration":
                continue
            type_node = decl.child_by_field_name("type")
            type_text = fctx.text(type_node) if type_node is not None else ""
            names = decl.children_by_field_name("name")
            if not names:  # embedded field: named by its type
                if any(c.type == "*" for c in decl.children):  # the star is not part of `type`
                    type_text = "*" + type_text
                fields[type_text.lstrip("*").split(".")[-1].split("[")[0]] = type_text
            for name in names:
                fields[fctx.text(name)] = type_text
    return fields


def receiver_of(method: Node, fctx: FileContext) -> tuple[str | None, str, bool] | None:
    """``(receiver name or None, base type name, is pointer)`` of a method."""
    params = method.child_by_field_name("receiver")
    if params is None:
        return None
    for param in params.children:
        if param.type != "parameter_declaration":
            continue
        type_node = param.child_by_field_name("type")
        if type_node is None:
            return None
        is_pointer = type_node.type == "pointer_type"
        base = type_node
        while base.type in ("pointer_type", "parenthesized_type"):
            inner = base.named_children[0] if base.named_children else None
            if inner is None:
                return None
            base = inner
        if base.type == "generic_type":
            generic = base.child_by_field_name("type")
            if generic is None:
                return None
            base = generic
        name_node = param.child_by_field_name("name")
        name = fctx.text(name_node) if name_node is not None else None
        return name, fctx.text(base), is_pointer
    return None
