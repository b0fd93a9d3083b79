"""Language server: ``wasm-go-lint server`` speaks LSP over stdio (pygls).

What an editor gets:

- diagnostics for each open Go document, on open and on every change of the unsaved
  buffer. The buffer is linted as one file of its package: the other ``.go`` files of
  its directory are read from disk for the package facts, or taken from the editor when
  they are open there too (their unsaved text). The configuration that ``check`` would
  use for the file applies (closest ``wasm-go-lint.toml`` / ``.wasm-go-lint.toml`` /
  ``pyproject.toml``: rules, per-file ignores, severities); it is read again on every
  lint, so edits to it apply at once, and open documents are re-linted when the client
  reports a changed configuration or Go file (``workspace/didChangeWatchedFiles``) or
  a document is saved. Files that ``check`` on a directory skips (``_test.go`` unless
  ``include-tests``, excludes, generated files, ``vendor/``, ``testdata/``, hidden and
  ``_`` directories of the workspace) get no diagnostics;
- ranges in the position encoding negotiated at ``initialize``
  (``general.positionEncodings``: UTF-8, UTF-16 or UTF-32; UTF-16 by default);
- ``code`` = the rule code with ``codeDescription`` linking its documentation,
  ``source`` = ``wasm-go-lint``;
- code actions: a rule's fix (``quickfix``; an unsafe fix says so in its title), a
  ``//wasm-go-lint:ignore CODE`` comment above the finding's line (or the code added
  to such a comment already there), and ``source.fixAll.wasm-go-lint`` applying every
  safe fix of the document as ``check --fix`` would;
- hover on a code or name in a suppression comment (``//wasm-go-lint:ignore WG103``,
  ``//nolint:WG103``): the rule's documentation;
- ``didClose`` clears the document's diagnostics.

Nothing a client sends stops the server: a document that does not parse gets WG000
diagnostics, one that cannot be analysed (binary, oversized) one diagnostic saying so,
and a bad configuration a message, after which the defaults apply.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import BinaryIO

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from linter import __version__
from linter.catalog import CATALOG
from linter.config import CONFIG_NAMES, ConfigError, Resolver, Settings
from linter.diagnostics import Applicability, Diagnostic, Edit, Fix, Notice, Severity
from linter.engine import Linter
from linter.fix import fix_file, is_applicable
from linter.model.imports import read_imports
from linter.parse import ParsedFile, parse_source
from linter.registry import find_rule
from linter.rule import FileContext, PackageContext, Rule
from linter.ruledocs import doc_filename, rule_markdown
from linter.runner import Options, _siblings, is_generated, source_from_bytes
from linter.source import SourceFile
from linter.suppress import META, closest, known_rules, parse_comment

NAME = "wasm-go-lint"
DOCS_URL = "https://github.com/wasm-go-lint/wasm-go-lint/blob/main/docs/rules/"
FIX_ALL = f"{lsp.CodeActionKind.SourceFixAll.value}.{NAME}"
"""``source.fixAll.wasm-go-lint``: every safe fix of the document."""
SUPPRESSION_REASON = "TODO: say why this finding does not apply"
"""The reason an inserted suppression comment starts with (WG901 wants one)."""

UTF8, UTF16, UTF32 = (
    lsp.PositionEncodingKind.Utf8.value,
    lsp.PositionEncodingKind.Utf16.value,
    lsp.PositionEncodingKind.Utf32.value,
)
_SEVERITY = {
    Severity.ERROR: lsp.DiagnosticSeverity.Error,
    Severity.WARNING: lsp.DiagnosticSeverity.Warning,
    Severity.INFO: lsp.DiagnosticSeverity.Information,
}
MAX_TREES = 512
"""Parsed files kept for reuse (a few packages' worth); the cache starts over beyond."""
_UNNECESSARY = frozenset({"WG101", "WG900"})
"""Codes whose flagged text does nothing (unreachable code, unused suppression): faded."""
_IGNORE_ABOVE = re.compile(r"^([ \t]*)//[ \t]*wasm-go-lint:ignore[ \t]+([\w.-]+(?:[ \t]*,[ \t]*[\w.-]+)*)")

log = logging.getLogger(__name__)


# --- positions ---------------------------------------------------------------------


def to_position(source: SourceFile, offset: int, encoding: str) -> lsp.Position:
    """The LSP position (0-based line, character in ``encoding`` units) of a byte offset."""
    offset = max(0, min(offset, len(source.data)))
    line = source.line_of(offset)
    prefix = source.data[source.line_start(line) : offset]
    return lsp.Position(line=line - 1, character=_units(prefix, encoding))


def to_range(source: SourceFile, start: int, end: int, encoding: str) -> lsp.Range:
    return lsp.Range(start=to_position(source, start, encoding), end=to_position(source, max(start, end), encoding))


def _units(prefix: bytes, encoding: str) -> int:
    if encoding == UTF8:
        return len(prefix)
    text = prefix.decode("utf-8", errors="replace")
    if encoding == UTF32:
        return len(text)
    return len(text.encode("utf-16-le", errors="surrogatepass")) // 2


def to_offset(source: SourceFile, position: lsp.Position, encoding: str) -> int:
    """The byte offset of an LSP position; past the end of a line means its end."""
    if position.line >= source.line_count:
        return len(source.data)
    start = source.line_start(position.line + 1)
    raw = source.line_bytes(position.line + 1)
    if encoding == UTF8:
        return start + min(position.character, len(raw))
    text = raw.decode("utf-8", errors="surrogateescape")
    count = 0
    for index, char in enumerate(text):
        if count >= position.character:
            return start + len(text[:index].encode("utf-8", errors="surrogateescape"))
        count += 2 if encoding == UTF16 and ord(char) > 0xFFFF else 1
    return start + len(raw)


# --- linting a document ------------------------------------------------------------


@dataclass
class Target:
    """Where a document lints: its package directory, siblings and settings."""

    path: str
    """The file's path (absolute; a made-up one for an unsaved, untitled document)."""
    directory: str
    settings: Settings
    linter: Linter
    siblings: list[SourceFile]
    skipped: str | None = None
    """Why the file is not linted (as ``check`` on its directory would skip it)."""


@dataclass
class Linted:
    """The last lint of an open document: what code actions and fixes work from."""

    uri: str
    version: int | None
    source: SourceFile
    encoding: str
    target: Target | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    published: list[lsp.Diagnostic] = field(default_factory=list)


class WasmGoLintServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(NAME, __version__, text_document_sync_kind=lsp.TextDocumentSyncKind.Incremental)
        self.linted: dict[str, Linted] = {}
        self.linters: dict[tuple[type[Rule], ...], Linter] = {}
        self.config_errors: set[str] = set()
        self.known = known_rules()
        self.trees: dict[str, tuple[bytes, ParsedFile]] = {}
        """The last parse of each file by absolute path, reused while its bytes are the same."""

    # -- configuration --------------------------------------------------------------

    def configuration(self, directory: str) -> tuple[Resolver, Settings]:
        """The configuration for ``directory``, read afresh (a file edited since applies);
        the defaults, after a message, when it is broken."""
        resolver = Resolver()
        try:
            return resolver, resolver.settings_for(directory)
        except ConfigError as exc:
            self._config_failed(str(exc))
        resolver = Resolver(isolated=True)
        return resolver, resolver.settings_for(directory)

    def _config_failed(self, message: str) -> None:
        log.warning("configuration error: %s", message)
        if message in self.config_errors:
            return
        self.config_errors.add(message)
        self.window_show_message(
            lsp.ShowMessageParams(
                type=lsp.MessageType.Warning,
                message=f"{NAME}: {message}; the default settings apply until it is fixed",
            )
        )

    def linter_for(self, rules: tuple[type[Rule], ...]) -> Linter:
        linter = self.linters.get(rules)
        if linter is None:
            linter = self.linters[rules] = Linter(rules)
        return linter

    def parse(self, source: SourceFile) -> ParsedFile:
        """``parse_source``, reusing the tree of a file whose bytes did not change (the
        package siblings, between two lints of a buffer)."""
        key = os.path.abspath(source.path)
        cached = self.trees.get(key)
        if cached is not None and cached[0] == source.data:
            return cached[1]
        parsed = parse_source(source)
        if len(self.trees) >= MAX_TREES:
            self.trees.clear()
        self.trees[key] = (source.data, parsed)
        return parsed

    # -- documents ------------------------------------------------------------------

    @property
    def encoding(self) -> str:
        chosen = self.workspace.position_encoding
        value = chosen.value if isinstance(chosen, lsp.PositionEncodingKind) else chosen
        return value if value in (UTF8, UTF16, UTF32) else UTF16

    def document_path(self, uri: str) -> str | None:
        """The file system path of a document (None for a non-file URI)."""
        path = to_fs_path(uri)
        return os.path.abspath(path) if path else None

    def open_buffers(self, directory: str) -> dict[str, bytes]:
        """Unsaved text of the open Go documents in ``directory``, by absolute path."""
        buffers: dict[str, bytes] = {}
        for uri, document in self.workspace.text_documents.items():
            path = self.document_path(uri)
            if path is not None and path.endswith(".go") and os.path.dirname(path) == directory:
                buffers[path] = _encode(document.source)
        return buffers

    def target(self, uri: str, path: str | None, data: bytes) -> Target:
        skipped = None
        if path is None:  # an untitled buffer: lint it alone, with the workspace's settings
            root = self.workspace.root_path or os.getcwd()
            path = os.path.join(os.path.abspath(root), "untitled.go")
            directory, siblings = os.path.dirname(path), []
            resolver, settings = self.configuration(directory)
        else:
            directory = os.path.dirname(path)
            resolver, settings = self.configuration(directory)
            skipped = self.skipped(path, data, resolver, settings)
            siblings = [] if skipped else self._siblings(path, directory)
        return Target(path, directory, settings, self.linter_for(settings.rules), siblings, skipped)

    def skipped(self, path: str, data: bytes, resolver: Resolver, settings: Settings) -> str | None:
        """Why ``check`` on a directory would leave this file alone (None: it lints it),
        so the editor shows what CI reports: ``_test.go`` files unless ``include-tests``,
        the configuration's excludes, generated files, and files below ``vendor/``,
        ``testdata/``, hidden or ``_`` directories of the workspace."""
        directory, name = os.path.split(path)
        if name.endswith("_test.go") and not settings.include_tests:
            return "a _test.go file and include-tests is off"
        if settings.excluded(path):
            return "excluded by the configuration"
        if is_generated(data):
            return "a generated file"
        root = self.root_of(path)
        if root is None or root == directory:
            return None
        parent = root
        for part in os.path.relpath(directory, root).split(os.sep):
            if part.startswith((".", "_")) or part == "testdata":
                return f"in {part}/, which the go tool skips"
            try:
                if resolver.settings_for(parent).excluded(os.path.join(parent, part)):
                    return f"in {part}/, excluded by the configuration"
            except ConfigError:
                pass  # reported when that directory's own files are linted
            parent = os.path.join(parent, part)
        return None

    def root_of(self, path: str) -> str | None:
        """The workspace folder (or root) that holds ``path``, the innermost one."""
        roots = [to_fs_path(folder.uri) for folder in self.workspace.folders.values()]
        roots.append(self.workspace.root_path)
        holding = [
            os.path.abspath(root)
            for root in roots
            if root and (path + os.sep).startswith(os.path.abspath(root).rstrip(os.sep) + os.sep)
        ]
        return max(holding, key=len) if holding else None

    def _siblings(self, path: str, directory: str) -> list[SourceFile]:
        """The package's other files from disk, with the editor's unsaved text where open."""
        buffers = self.open_buffers(directory)
        buffers.pop(path, None)
        siblings: list[SourceFile] = []
        for sibling in _siblings(directory, [path], Options()):
            data = buffers.pop(os.path.abspath(sibling.path), None)
            siblings.append(sibling if data is None else SourceFile(sibling.path, data))
        for other, data in sorted(buffers.items()):  # open but not on disk (yet)
            if not other.endswith("_test.go") and not os.path.isfile(other) and b"\0" not in data:
                siblings.append(SourceFile(other, data))
        return siblings

    def check(self, target: Target, data: bytes) -> list[Diagnostic]:
        """Lint ``data`` as the file ``target.path`` of its package."""
        source = SourceFile(target.path, data)
        settings = target.settings
        ignored = {source.path: settings.ignored_codes(target.path)} if settings.per_file_ignores else None
        outcome = target.linter.check_package(target.directory, [source], target.siblings, ignored, parse=self.parse)
        settings.adjust(outcome.diagnostics)
        return sorted(outcome.diagnostics, key=Diagnostic.sort_key)

    def lint(self, uri: str) -> None:
        """Lint the open document ``uri`` and publish its diagnostics."""
        document = self.workspace.get_text_document(uri)
        path = self.document_path(uri)
        if document.language_id not in (None, "go") and not (path or "").endswith(".go"):
            return  # not Go: a client that sends every document
        data = _encode(document.source)
        encoding = self.encoding
        try:
            target = self.target(uri, path, data)
            loaded = source_from_bytes(data, target.path, Options())
            if target.skipped is not None:
                log.info("not linting %s: %s", target.path, target.skipped)
                linted = Linted(uri, document.version, SourceFile(target.path, data), encoding, None)
            elif isinstance(loaded, Notice):
                linted = Linted(uri, document.version, SourceFile(target.path, data), encoding, None)
                linted.published = [_notice(loaded)]
            else:
                linted = Linted(uri, document.version, loaded, encoding, target, self.check(target, data))
                linted.published = [self.to_lsp(linted, d) for d in linted.diagnostics]
        except Exception:  # never take the editor's session down with a bug of ours
            log.exception("linting %s failed", uri)
            return
        self.linted[uri] = linted
        self.text_document_publish_diagnostics(
            lsp.PublishDiagnosticsParams(uri=uri, diagnostics=linted.published, version=document.version)
        )

    def lint_soon(self, uri: str, version: int) -> None:
        """Lint ``uri`` once the messages already received are handled, unless a newer
        change came with them (fast typing: only the latest text is linted)."""

        def run() -> None:
            document = self.workspace.text_documents.get(uri)
            if document is not None and document.version == version:
                self.lint(uri)

        try:
            asyncio.get_running_loop().call_soon(run)
        except RuntimeError:  # no event loop (called directly): lint now
            run()

    def lint_open(self, wanted: Callable[[str | None], bool]) -> None:
        """Lint again every open document whose path ``wanted`` accepts."""
        for uri in list(self.workspace.text_documents):
            if wanted(self.document_path(uri)):
                self.lint(uri)

    def forget(self, uri: str) -> None:
        self.linted.pop(uri, None)
        self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    def to_lsp(self, linted: Linted, d: Diagnostic) -> lsp.Diagnostic:
        rule = find_rule(d.code)
        return lsp.Diagnostic(
            range=to_range(linted.source, d.start_byte, d.end_byte, linted.encoding),
            message=d.message,
            severity=_SEVERITY[d.severity],
            code=d.code,
            code_description=lsp.CodeDescription(href=docs_url(rule)),
            source=NAME,
            tags=[lsp.DiagnosticTag.Unnecessary] if d.code in _UNNECESSARY else None,
            data={"name": d.name, "fix": d.fix is not None},
        )

    # -- code actions ---------------------------------------------------------------

    def code_actions(self, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
        linted = self.linted.get(params.text_document.uri)
        if linted is None or linted.target is None:
            return []
        document = self.workspace.get_text_document(params.text_document.uri)
        if document.version != linted.version:  # changed since the lint: offsets are stale
            return []
        only = params.context.only
        actions: list[lsp.CodeAction] = []
        if _wants(only, lsp.CodeActionKind.QuickFix.value):
            start = to_offset(linted.source, params.range.start, linted.encoding)
            end = to_offset(linted.source, params.range.end, linted.encoding)
            here = [
                (d, shown)
                for d, shown in zip(linted.diagnostics, linted.published, strict=True)
                if d.start_byte <= end and start <= d.end_byte
            ]
            actions += self._fix_actions(linted, here)
            actions += self._suppress_actions(linted, here)
        if _wants(only, FIX_ALL):
            fix_all = self._fix_all(linted)
            if fix_all is not None:
                actions.append(fix_all)
        return actions

    def _fix_actions(self, linted: Linted, here: Sequence[tuple[Diagnostic, lsp.Diagnostic]]) -> list[lsp.CodeAction]:
        grouped: dict[tuple[object, ...], tuple[Fix, list[Diagnostic], list[lsp.Diagnostic]]] = {}
        for d, shown in here:
            if d.fix is None or not d.fix.edits:
                continue
            key = tuple(sorted((e.start_byte, e.end_byte, e.content) for e in d.fix.edits))
            entry = grouped.setdefault(key, (d.fix, [], []))
            entry[1].append(d)
            entry[2].append(shown)
        actions = []
        for fix, diagnostics, shown_list in grouped.values():
            safe = fix.applicability is Applicability.SAFE
            codes = ", ".join(sorted({d.code for d in diagnostics}))
            title = f"{fix.message} ({codes})" if safe else f"{fix.message} ({codes}, unsafe fix: review the change)"
            actions.append(
                lsp.CodeAction(
                    title=title,
                    kind=lsp.CodeActionKind.QuickFix,
                    diagnostics=shown_list,
                    is_preferred=safe,
                    edit=self.workspace_edit(linted, [_text_edit(linted, e) for e in fix.edits]),
                )
            )
        return actions

    def _suppress_actions(
        self, linted: Linted, here: Sequence[tuple[Diagnostic, lsp.Diagnostic]]
    ) -> list[lsp.CodeAction]:
        actions = []
        seen: set[tuple[str, int]] = set()
        for d, shown in here:
            if d.code in META or d.code == "WG000" or d.extra.get("internal_error") or (d.code, d.line) in seen:
                continue
            seen.add((d.code, d.line))
            edit = suppression_edit(linted.source, d.line, d.code)
            actions.append(
                lsp.CodeAction(
                    title=f"Suppress {d.code} on this line (//{NAME}:ignore)",
                    kind=lsp.CodeActionKind.QuickFix,
                    diagnostics=[shown],
                    edit=self.workspace_edit(linted, [_text_edit(linted, edit)]),
                )
            )
        return actions

    def _fix_all(self, linted: Linted) -> lsp.CodeAction | None:
        target = linted.target
        if target is None or not any(is_applicable(d.fix, unsafe=False) for d in linted.diagnostics):
            return None
        outcome = fix_file(
            target.path,
            linted.source.data,
            linted.diagnostics,
            lambda _path, data: self.check(target, data),
            unsafe=False,
        )
        if not outcome.changed:
            return None
        return lsp.CodeAction(
            title=f"Fix all safely fixable {NAME} problems",
            kind=FIX_ALL,
            edit=self.workspace_edit(linted, [_text_edit(linted, _replacement(linted.source.data, outcome.fixed))]),
        )

    def workspace_edit(self, linted: Linted, edits: list[lsp.TextEdit]) -> lsp.WorkspaceEdit:
        """Versioned ``documentChanges`` when the client takes them, else ``changes``."""
        capabilities = self.client_capabilities.workspace
        edit_caps = capabilities.workspace_edit if capabilities is not None else None
        if edit_caps is not None and edit_caps.document_changes:
            identifier = lsp.OptionalVersionedTextDocumentIdentifier(uri=linted.uri, version=linted.version)
            return lsp.WorkspaceEdit(
                document_changes=[lsp.TextDocumentEdit(text_document=identifier, edits=list(edits))]
            )
        return lsp.WorkspaceEdit(changes={linted.uri: list(edits)})

    # -- hover ----------------------------------------------------------------------

    def hover(self, params: lsp.HoverParams) -> lsp.Hover | None:
        uri = params.text_document.uri
        document = self.workspace.text_documents.get(uri)
        if document is None:
            return None
        encoding = self.encoding
        source = SourceFile(self.document_path(uri) or uri, _encode(document.source))  # the text as it is now
        offset = to_offset(source, params.position, encoding)
        parsed = self.parse(source)
        root = parsed.tree.root_node
        fctx = FileContext(
            file=source,
            tree=parsed.tree,
            imports=read_imports(root),
            syntax_errors=parsed.errors,
            package=PackageContext(os.path.dirname(source.path)),
        )
        for at in (offset, offset - 1):  # the cursor may sit just after the code
            node = root.descendant_for_byte_range(max(at, 0), max(at, 0))
            if node is None or node.type != "comment":
                continue
            suppression = parse_comment(fctx, node, self.known)
            if suppression is None:
                return None
            for entry in suppression.entries:
                if entry.start_byte <= offset <= entry.end_byte and entry.ours:
                    return lsp.Hover(
                        contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=self.entry_docs(entry.text, entry.code, entry.everything)),
                        range=to_range(source, entry.start_byte, entry.end_byte, encoding),
                    )
            return None
        return None

    def entry_docs(self, text: str, code: str | None, everything: bool) -> str:
        """Markdown for one entry of a suppression comment."""
        if everything:
            return f"`{text}`: every {NAME} rule on this line."
        rule = find_rule(code) if code is not None else None
        if rule is not None:
            return rule_markdown(rule) + f"\n[Documentation]({docs_url(rule)})\n"
        if code is not None and code in CATALOG:
            name, severity = CATALOG[code]
            return f"# {name} ({code})\n\nDefault severity: {severity}. Not implemented yet in this version."
        guess = closest(text, self.known)
        hint = f" Did you mean {guess}?" if guess else ""
        return f"`{text}` is not a {NAME} rule.{hint}"


def docs_url(rule: type[Rule] | None) -> str:
    return DOCS_URL + (doc_filename(rule) if rule is not None else "README.md")


def suppression_edit(source: SourceFile, line: int, code: str) -> Edit:
    """Suppress ``code`` on 1-based ``line``: add it to a ``//wasm-go-lint:ignore`` right
    above, or insert one there with the line's indentation."""
    if line > 1:
        above = source.line_text(line - 1)
        match = _IGNORE_ABOVE.match(above)
        if match:
            end = source.line_start(line - 1) + len(above[: match.end(2)].encode("utf-8"))
            return Edit(end, end, f",{code}")
    text = source.line_text(line)
    indent = text[: len(text) - len(text.lstrip(" \t"))]
    start = source.line_start(line)
    newline = "\r\n" if source.data[start : start + len(source.line_bytes(line)) + 2].endswith(b"\r\n") else "\n"
    return Edit(start, start, f"{indent}//{NAME}:ignore {code} {SUPPRESSION_REASON}{newline}")


def _text_edit(linted: Linted, edit: Edit) -> lsp.TextEdit:
    return lsp.TextEdit(
        range=to_range(linted.source, edit.start_byte, edit.end_byte, linted.encoding), new_text=edit.content
    )


def _replacement(before: bytes, after: bytes) -> Edit:
    """One edit turning ``before`` into ``after``: the differing middle, at character bounds."""
    limit = min(len(before), len(after))
    prefix = 0
    while prefix < limit and before[prefix] == after[prefix]:
        prefix += 1
    while 0 < prefix < len(before) and before[prefix] & 0xC0 == 0x80:
        prefix -= 1  # not inside a UTF-8 sequence
    suffix = 0
    while suffix < limit - prefix and before[-1 - suffix] == after[-1 - suffix]:
        suffix += 1
    while suffix > 0 and before[len(before) - suffix] & 0xC0 == 0x80:
        suffix -= 1
    return Edit(prefix, len(before) - suffix, after[prefix : len(after) - suffix].decode("utf-8"))


def _wants(only: Sequence[str] | None, kind: str) -> bool:
    """Does the client's ``context.only`` ask for actions of ``kind``? (No ``only``: all
    kinds; editors keep ``source.*`` actions out of their light bulb themselves.)"""
    if not only:
        return True
    return any(kind == wanted or kind.startswith(f"{wanted}.") for wanted in only)


def _notice(notice: Notice) -> lsp.Diagnostic:
    return lsp.Diagnostic(
        range=lsp.Range(start=lsp.Position(line=0, character=0), end=lsp.Position(line=0, character=0)),
        message=f"not analysed: {notice.message}",
        severity=lsp.DiagnosticSeverity.Warning,
        source=NAME,
    )


def _encode(text: str) -> bytes:
    return text.encode("utf-8", errors="replace")


def _is_config(path: str | None) -> bool:
    return path is not None and os.path.basename(path) in CONFIG_NAMES


# --- wiring ------------------------------------------------------------------------


def create_server() -> WasmGoLintServer:
    server = WasmGoLintServer()

    @server.feature(lsp.INITIALIZED)
    def initialized(params: lsp.InitializedParams) -> None:
        watch_files(server)

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    def did_open(params: lsp.DidOpenTextDocumentParams) -> None:
        server.lint(params.text_document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(params: lsp.DidChangeTextDocumentParams) -> None:
        server.lint_soon(params.text_document.uri, params.text_document.version)

    @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
    def did_save(params: lsp.DidSaveTextDocumentParams) -> None:
        saved = server.document_path(params.text_document.uri)
        if saved is not None:  # the package's files on disk changed: its open files may see it
            server.lint_open(lambda path: path is not None and os.path.dirname(path) == os.path.dirname(saved))

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(params: lsp.DidCloseTextDocumentParams) -> None:
        server.forget(params.text_document.uri)

    @server.feature(lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched_files(params: lsp.DidChangeWatchedFilesParams) -> None:
        changed = [server.document_path(change.uri) for change in params.changes]
        if any(_is_config(path) for path in changed):
            server.lint_open(lambda _path: True)
            return
        directories = {os.path.dirname(path) for path in changed if path is not None and path.endswith(".go")}
        if directories:
            server.lint_open(lambda path: path is not None and os.path.dirname(path) in directories)

    @server.feature(
        lsp.TEXT_DOCUMENT_CODE_ACTION,
        lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix, FIX_ALL], resolve_provider=False),
    )
    def code_action(params: lsp.CodeActionParams) -> list[lsp.CodeAction] | None:
        try:
            return server.code_actions(params) or None
        except Exception:
            log.exception("code actions for %s failed", params.text_document.uri)
            return None

    @server.feature(lsp.TEXT_DOCUMENT_HOVER)
    def hover(params: lsp.HoverParams) -> lsp.Hover | None:
        try:
            return server.hover(params)
        except Exception:
            log.exception("hover in %s failed", params.text_document.uri)
            return None

    return server


def watch_files(server: WasmGoLintServer) -> None:
    """Ask the client to report changed configuration and Go files, if it can."""
    workspace = server.client_capabilities.workspace
    watched = workspace.did_change_watched_files if workspace is not None else None
    if watched is None or not watched.dynamic_registration:
        return  # the configuration is still read again on every lint
    globs: Iterable[str] = [*(f"**/{name}" for name in CONFIG_NAMES), "**/*.go"]
    options = lsp.DidChangeWatchedFilesRegistrationOptions(
        watchers=[lsp.FileSystemWatcher(glob_pattern=glob) for glob in globs]
    )
    registration = lsp.Registration(
        id=f"{NAME}-watched-files", method=lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES, register_options=options
    )
    server.client_register_capability(lsp.RegistrationParams(registrations=[registration]))


def serve(stdin: BinaryIO | None = None, stdout: BinaryIO | None = None) -> None:
    """Run the server over stdio until the client says ``exit``."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format=f"{NAME} server: %(levelname)s %(message)s")
    create_server().start_io(stdin, stdout)
