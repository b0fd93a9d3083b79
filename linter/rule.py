"""The rule interface and the contexts rules read the model through.

A rule is a small class: metadata as class attributes, user documentation as the
docstring, and up to three hooks that the engine calls:

- ``check(node, ctx)`` for every node whose type is in ``node_types`` (for calls, only
  those of the names in ``call_names`` when the rule lists some), from the one
  shared walk of each file;
- ``check_file(ctx)`` once per file, before the walk;
- ``check_package(pkg)`` once per package, after every file was walked.

Rules never walk the tree themselves; they report through ``self.report``.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, ClassVar

from tree_sitter import Node, Tree

from linter.diagnostics import Diagnostic, Edit, Fix, Severity
from linter.model.imports import ImportMap
from linter.model.nodeindex import NodeIndex
from linter.model.sdk import Generation
from linter.parse import SyntaxErrorSpan
from linter.source import SourceFile

if TYPE_CHECKING:
    from linter.lifecycle.analysis import LifecycleAnalysis
    from linter.lifecycle.ops import Classifier
    from linter.model.package import PackageFacts
    from linter.model.plugin import PluginModel


class Rule:
    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    tags: ClassVar[tuple[str, ...]] = ()
    precision: ClassVar[str] = "high"
    """``very-high``/``high``/``medium``/``low``: how often a finding is real."""
    fix_availability: ClassVar[str] = "none"
    """``none``, ``sometimes`` or ``always``."""
    security_severity: ClassVar[str | None] = None
    """For rules whose bug is a security issue (e.g. an auth bypass): a CVSS-like score
    ``"0.0"``-``"10.0"``, exported to SARIF as ``security-severity``; None otherwise."""
    node_types: ClassVar[tuple[str, ...]] = ()
    call_names: ClassVar[frozenset[bytes]] = frozenset()
    """With ``call_expression`` in ``node_types``: only the calls of these names
    (``F(x)``, ``pkg.F(x)``, ``v.F(x)``, ``F[T](x)``, see ``linter.model.calls.called_name``)
    reach ``check``. The engine reads each call's name once for all rules, so a rule
    interested in a few names does not pay for every call of the file."""

    def check(self, node: Node, ctx: FileContext) -> None:
        """Called for every node of a type in ``node_types`` (for calls, see ``call_names``)."""

    def check_file(self, ctx: FileContext) -> None:
        """Called once per analysed file, before the shared walk."""

    def node_types_for(self, ctx: FileContext) -> Collection[str]:
        """The node types this rule needs from the walk of this file (called after
        ``check_file``). Narrow it when the file cannot have findings of some kind
        (e.g. it imports none of the packages the rule looks for): the walk then
        visits fewer nodes."""
        return self.node_types

    def check_package(self, pkg: PackageContext) -> None:
        """Called once per package, after all its files were walked."""

    def report(
        self,
        ctx: FileContext,
        where: Node | tuple[int, int],
        message: str,
        fix: Fix | None = None,
        severity: Severity | None = None,
    ) -> None:
        ctx.add(self, where, message, fix, severity)

    @classmethod
    def wants_file_hook(cls) -> bool:
        return cls.check_file is not Rule.check_file

    @classmethod
    def wants_package_hook(cls) -> bool:
        return cls.check_package is not Rule.check_package

    @classmethod
    def documentation(cls) -> str:
        return _cleandoc(cls.__doc__ or "")

    @classmethod
    def summary(cls) -> str:
        """The first sentence of the "What it does" section."""
        text = doc_section(cls.documentation(), "What it does")
        first = re.split(r"(?<=\.)\s", " ".join(text.split()), maxsplit=1)[0]
        return first or cls.name

    @classmethod
    def pascal_name(cls) -> str:
        return "".join(part.capitalize() for part in cls.name.split("-"))


def _cleandoc(doc: str) -> str:
    """``inspect.cleandoc`` without importing ``inspect`` (6 ms of every start-up)."""
    lines = doc.expandtabs().splitlines()
    indents = [len(line) - len(line.lstrip()) for line in lines[1:] if line.strip()]
    margin = min(indents) if indents else 0
    cleaned = [lines[0].strip(), *(line[margin:] for line in lines[1:])] if lines else []
    while cleaned and not cleaned[0]:
        cleaned.pop(0)
    while cleaned and not cleaned[-1].strip():
        cleaned.pop()
    return "\n".join(line.rstrip() for line in cleaned)


def doc_section(doc: str, title: str) -> str:
    """The text under the ``## <title>`` heading of a rule docstring."""
    match = re.search(rf"^## {re.escape(title)}[?]?\s*$(.*?)(?=^## |\Z)", doc, re.M | re.S)
    return match.group(1).strip() if match else ""


@dataclass
class FileContext:
    """What rules know about one file. Shared by every rule; read-only for them."""

    file: SourceFile
    tree: Tree
    imports: ImportMap
    syntax_errors: list[SyntaxErrorSpan]
    package: PackageContext
    analysed: bool = True
    """False for package siblings read only for facts: nothing is reported there."""
    diagnostics: list[Diagnostic] = field(default_factory=list)
    node_index: NodeIndex | None = None
    """The file's calls and func literals by position; the engine's walk fills it."""

    @property
    def root(self) -> Node:
        return self.tree.root_node

    def within(self, node: Node, node_type: str) -> list[Node]:
        """The calls (``call_expression``) or func literals (``func_literal``) inside
        ``node``, in document order: a lookup, not another traversal of ``node``."""
        if self.node_index is None:
            self.node_index = NodeIndex.of(self.root)
        return self.node_index.within(node, node_type)

    @property
    def path(self) -> str:
        return self.file.path

    def text(self, node: Node) -> str:
        return self.file.data[node.start_byte : node.end_byte].decode("utf-8", errors="replace")

    def qualified(self, node: Node | None) -> tuple[str, str] | None:
        """``(import path, member)`` for ``pkg.Member`` where ``pkg`` is an import.

        Dot-imported members are not resolved here; see ``refers_to``.
        """
        if node is None or node.type not in ("selector_expression", "qualified_type"):
            return None
        is_selector = node.type == "selector_expression"
        operand = node.child_by_field_name("operand" if is_selector else "package")
        member = node.child_by_field_name("field" if is_selector else "name")
        if operand is None or member is None or operand.type not in ("identifier", "package_identifier"):
            return None
        path = self.imports.path_of(self.text(operand))
        if path is None:
            return None
        return path, self.text(member)

    def refers_to(self, node: Node | None, paths: Collection[str], *members: str) -> bool:
        """Does ``node`` denote one of ``members`` of a package in ``paths``?

        Accepts ``alias.Member`` and, under a dot import of such a package, a bare
        ``Member`` that the package does not declare itself.
        """
        if node is None:
            return False
        if node.type in ("selector_expression", "qualified_type"):
            resolved = self.qualified(node)
            return resolved is not None and resolved[0] in paths and resolved[1] in members
        if node.type in ("identifier", "type_identifier"):
            name = self.text(node)
            return (
                name in members
                and any(p in paths for p in self.imports.dot_imports)
                and not self.package.declares(name)
            )
        return False

    def add(
        self,
        rule: Rule,
        where: Node | tuple[int, int],
        message: str,
        fix: Fix | None,
        severity: Severity | None = None,
    ) -> None:
        if not self.analysed:
            return
        start, end = (where.start_byte, where.end_byte) if isinstance(where, Node) else where
        begin = self.file.position(start)
        finish = self.file.position(end)
        if fix is not None:
            fix = replace(fix, edits=tuple(self._locate(edit) for edit in fix.edits))
        self.diagnostics.append(
            Diagnostic(
                code=rule.code,
                name=rule.name,
                severity=severity or rule.severity,
                message=message,
                path=self.file.path,
                line=begin.line,
                column=begin.column,
                end_line=finish.line,
                end_column=finish.column,
                start_byte=start,
                end_byte=end,
                fix=fix,
            )
        )


    def _locate(self, edit: Edit) -> Edit:
        start = self.file.position(edit.start_byte)
        end = self.file.position(edit.end_byte)
        return replace(edit, start=(start.line, start.column), end=(end.line, end.column))


@dataclass
class PackageContext:
    """One Go package: the files of one directory, and facts computed once."""

    directory: str
    files: list[FileContext] = field(default_factory=list)
    generation: Generation = Generation.NONE
    _facts: PackageFacts | None = None
    _plugin: PluginModel | None = None
    _classifier: Classifier | None = None
    memo: dict[str, object] = field(default_factory=dict)
    """Facts a model module computes once per package, under its module name."""
    _lifecycle: LifecycleAnalysis | None = None

    @property
    def is_plugin(self) -> bool:
        return self.generation is not Generation.NONE

    @property
    def analysed_files(self) -> list[FileContext]:
        return [f for f in self.files if f.analysed]

    def imports_any(self, paths: Collection[str]) -> bool:
        """Does some file of the package import one of ``paths``?"""
        imported = self.memo.get("imports")
        if not isinstance(imported, frozenset):
            imported = self.memo["imports"] = frozenset(p for f in self.files for p in f.imports.paths)
        return not imported.isdisjoint(paths)

    @property
    def facts(self) -> PackageFacts:
        """Package-level symbols, computed on first use and then shared."""
        if self._facts is None:
            from linter.model.package import PackageFacts

            self._facts = PackageFacts.build(self)
        return self._facts

    @property
    def classifier(self) -> Classifier:
        """What each call does to the request lifecycle, with its per-function tables
        of locals: one instance per package, shared by every rule and model."""
        if self._classifier is None:
            from linter.lifecycle.ops import Classifier

            self._classifier = Classifier(self)
        return self._classifier

    @property
    def plugin(self) -> PluginModel:
        """Registrations and handlers with their phases, computed on first use."""
        if self._plugin is None:
            from linter.model.plugin import PluginModel

            self._plugin = PluginModel.build(self)
        return self._plugin

    @property
    def lifecycle(self) -> LifecycleAnalysis:
        """Paths of every handler and callback, explored once for all lifecycle rules."""
        if self._lifecycle is None:
            from linter.lifecycle.analysis import LifecycleAnalysis

            self._lifecycle = LifecycleAnalysis.build(self)
        return self._lifecycle

    def declares(self, name: str) -> bool:
        return name in self.facts.top_level_names
