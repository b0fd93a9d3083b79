"""Analyse one package: parse each file once, one shared walk, package hooks.

The walk is a single cursor traversal per file, run by tree-sitter's query cursor
(in C) with one pattern matching every subscribed node type; it hands each node, in
pre-order, to the rules subscribed to its type (a call only to the rules that asked
for its callee's name, when they name some: ``Rule.call_names``), and records the
file's calls and func literals in its node index (``linter.model.nodeindex``). Every file of a package is
walked before any node is handed out, so rules and model facts can look up the calls
of any function of the package without traversing it again. A rule that raises is
reported as an internal-error diagnostic and skipped for the rest of that file; the
other rules go on.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field

from tree_sitter import Node, QueryCursor

from linter.diagnostics import Diagnostic, Severity
from linter.model.calls import called_name, forget_calls
from linter.model.imports import read_imports
from linter.model.nodeindex import INDEXED_TYPES, NodeIndex
from linter.model.query import of_types
from linter.model.sdk import generation_of, is_test_support
from linter.parse import ParsedFile, parse_source
from linter.rule import FileContext, PackageContext, Rule
from linter.source import SourceFile
from linter.suppress import Suppressions


@dataclass
class PackageResult:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    internal_errors: int = 0
    suppressed: int = 0
    """Findings hidden by inline suppression comments."""


class Linter:
    def __init__(self, rules: Sequence[type[Rule]]) -> None:
        self.rules = [rule_class() for rule_class in rules]
        self.file_hooks = [r for r in self.rules if r.wants_file_hook()]
        self.package_hooks = [r for r in self.rules if r.wants_package_hook()]
        self.walk_rules: list[Rule] = [r for r in self.rules if r.node_types]
        # Suppression comments ride along the shared walk (when there is one).
        self.suppressions = Suppressions(self.rules)
        self.comments_in_walk = bool(self.walk_rules)
        if self.comments_in_walk:
            self.walk_rules.append(self.suppressions.scanner)

    def check_package(
        self,
        directory: str,
        analysed: Sequence[SourceFile],
        siblings: Sequence[SourceFile] = (),
        ignored: Mapping[str, Collection[str]] | None = None,
        parse: Callable[[SourceFile], ParsedFile] = parse_source,
    ) -> PackageResult:
        """Lint ``analysed``; ``siblings`` are other files of the package, read for facts.

        ``ignored``: codes disabled per file (by display path) by ``per-file-ignores``.
        ``parse``: how a file is parsed (the language server reuses the trees of files
        that did not change between two lints).
        """
        forget_calls()
        pkg = PackageContext(directory)
        analysed_ids = {id(source) for source in analysed}
        for source in [*analysed, *siblings]:
            parsed = parse(source)
            pkg.files.append(
                FileContext(
                    file=source,
                    tree=parsed.tree,
                    imports=read_imports(parsed.tree.root_node),
                    syntax_errors=parsed.errors,
                    package=pkg,
                    analysed=id(source) in analysed_ids,
                )
            )
        paths: set[str] = set()
        for fctx in pkg.files:
            if not is_test_support(fctx.imports.paths):
                paths |= fctx.imports.paths
        pkg.generation = generation_of(paths)

        result = PackageResult()
        # Every file is walked before any node is handed out, so a rule (or a model
        # fact it asks for) sees the node index of every file of the package.
        walks = [self._walk(fctx) for fctx in pkg.analysed_files]
        for walk in walks:
            result.internal_errors += walk.failures + self._dispatch(walk)
        for rule in self.package_hooks:
            if not self._runs_on(rule, pkg):
                continue
            anchor = pkg.analysed_files[0] if pkg.analysed_files else None
            if anchor is not None:
                result.internal_errors += _guarded(rule, anchor, functools.partial(rule.check_package, pkg))
        ran = {r.code for r in self.rules if self._runs_on(r, pkg)}
        walked = self.comments_in_walk and pkg.is_plugin
        for fctx in pkg.analysed_files:
            skip = ignored.get(fctx.path, ()) if ignored else ()
            result.suppressed += self.suppressions.apply(fctx, ran, walked, skip, report=pkg.is_plugin)
            result.diagnostics.extend(fctx.diagnostics)
        return result

    @staticmethod
    def _runs_on(rule: Rule, pkg: PackageContext) -> bool:
        """Rules apply to plugin packages; WG000 and file-agnostic rules to every file."""
        return pkg.is_plugin or "any-package" in rule.tags

    def _walk(self, fctx: FileContext) -> _Walk:
        """File hooks, then the one traversal of the file: it pairs each node some rule
        subscribed to with those rules (in pre-order) and fills the file's node index."""
        failures = 0
        for rule in self.file_hooks:
            if self._runs_on(rule, fctx.package):
                failures += _guarded(rule, fctx, functools.partial(rule.check_file, fctx))
        dispatch, by_call_name = self._dispatch_for(fctx)
        nodes: list[tuple[Node, list[Rule]]] = []
        if not dispatch and not by_call_name:
            return _Walk(fctx, nodes, failures)  # nothing to check: no traversal
        index = fctx.node_index = NodeIndex()
        indexed = INDEXED_TYPES
        get = dispatch.get
        types = tuple(sorted({*dispatch, *indexed}))
        for _, captured in QueryCursor(of_types(types)).matches(fctx.root):
            node = captured["node"][0]
            kind = node.type
            if kind in indexed:
                index.add(node)
            rules = get(kind)
            if by_call_name and kind == "call_expression":
                name = called_name(node)
                named = by_call_name.get(name) if name is not None else None
                if named:
                    rules = [*rules, *named] if rules else named
            if rules:
                nodes.append((node, rules))
        return _Walk(fctx, nodes, failures)

    @staticmethod
    def _dispatch(walk: _Walk) -> int:
        failures = 0
        broken: set[int] = set()
        fctx = walk.file
        for node, rules in walk.nodes:
            for rule in rules:
                if id(rule) in broken:
                    continue
                try:
                    rule.check(node, fctx)
                except Exception as exc:  # one rule's bug must not stop the others
                    broken.add(id(rule))
                    failures += 1
                    _report_internal_error(rule, fctx, exc)
        return failures

    def _dispatch_for(self, fctx: FileContext) -> tuple[dict[str, list[Rule]], dict[bytes, list[Rule]]]:
        """Node type -> rules, and call name -> rules (for rules with ``call_names``),
        for the rules that run on this file and the node types each still needs here."""
        dispatch: dict[str, list[Rule]] = {}
        by_call_name: dict[bytes, list[Rule]] = {}
        plugin = fctx.package.is_plugin
        for rule in self.walk_rules:
            if not plugin and "any-package" not in rule.tags:
                continue
            try:
                wanted = rule.node_types_for(fctx)
            except Exception as exc:
                _report_internal_error(rule, fctx, exc)
                continue
            for node_type in wanted:
                if node_type == "call_expression" and rule.call_names:
                    for name in rule.call_names:
                        by_call_name.setdefault(name, []).append(rule)
                else:
                    dispatch.setdefault(node_type, []).append(rule)
        return dispatch, by_call_name


@dataclass
class _Walk:
    file: FileContext
    nodes: list[tuple[Node, list[Rule]]]
    """The nodes some rule subscribed to, in pre-order, with those rules."""
    failures: int
    """Internal errors of file hooks."""


def _guarded(rule: Rule, fctx: FileContext, call: Callable[[], None]) -> int:
    try:
        call()
    except Exception as exc:
        _report_internal_error(rule, fctx, exc)
        return 1
    return 0


def _report_internal_error(rule: Rule, fctx: FileContext, exc: Exception) -> None:
    import traceback  # only when a rule failed

    frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    where = f" at {frame.filename.rsplit('/', 1)[-1]}:{frame.lineno}" if frame else ""
    if isinstance(exc, RecursionError):
        message = (
            f"rule {rule.code} could not analyse this file: the code nests deeper than it can follow "
            f"(RecursionError{where}); the rule was skipped for the rest of this file"
        )
    else:
        message = (
            f"internal error in rule {rule.code} ({type(exc).__name__}: {exc}{where}); "
            "the rule was skipped for the rest of this file, please report this"
        )
    fctx.diagnostics.append(
        Diagnostic(
            code=rule.code,
            name=rule.name,
            severity=Severity.ERROR,
            message=message,
            path=fctx.path,
            line=1,
            column=1,
            end_line=1,
            end_column=1,
            start_byte=0,
            end_byte=0,
            extra={"internal_error": True},
        )
    )
