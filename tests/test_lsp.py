"""The language server end to end: a real LSP client (pygls) drives ``wasm-go-lint server``
over stdio, started with the command line the README's editor snippets give.

One session in UTF-16 goes through what an editor does: open a plugin file with a
value-receiver write (WG201) after non-ASCII text on its line, check the diagnostic's
range, severity (from the project's configuration), code and documentation link;
change the configuration and see the diagnostic follow; ask for code actions, apply
the fix's edit, send it as a change of the unsaved buffer and see the diagnostic go;
hover on codes in suppression comments; close; shut down and exit with 0. A second
session negotiates UTF-8 and feeds bad input (syntax errors, NUL bytes).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest
from lsprotocol import types as lsp
from pygls.lsp.client import LanguageClient
from pygls.uris import from_fs_path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 15.0
"""Seconds to wait for any one answer of the server."""

CONFIG = """\
[severity]
WG201 = "{level}"
"""

CONFIG_GO = """\
package main

type Config struct {
	region string
	hits   int
}
"""

MAIN_GO = """\
package main

import (
	"github.com/higress-group/proxy-wasm-go-sdk/proxywasm"
)

func main() {}

func (c Config) SetRegion(region string) {
	/* région 🌍 */ c.region = region
	proxywasm.LogInfof("region %s", region)
}

func (c Config) Bump() {
	//wasm-go-lint:ignore WG201 a scratch copy: the count is thrown away on purpose
	c.hits++
}

func (c Config) Tick() {
	c.hits++ //nolint:WG201 // a scratch copy as well
}
"""
GOROUTINE_GO = """\
package main

import "github.com/higress-group/proxy-wasm-go-sdk/proxywasm"

func work() { proxywasm.LogInfo("work") }

func start() { go work() }
"""

FINDING_LINE = 9
"""0-based line of ``c.region = region``."""
FINDING_UTF16 = (17, 25)
"""``\\t/* région 🌍 */ `` is 17 UTF-16 code units (é is 1, 🌍 is 2): ``c.region`` is 17-25."""
FINDING_UTF8 = (20, 28)
"""... and 20 bytes (é is 2, 🌍 is 4)."""


# --- the README's command line -------------------------------------------------------


def _readme_block(marker: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(rf"<!-- editor-config:{marker} -->\n```\w+\n(.*?)\n```", text, re.S)
    assert match, f"README.md lacks the editor-config:{marker} block"
    return match.group(1)


def readme_commands() -> dict[str, list[str]]:
    """The server command line of each editor snippet in the README."""
    vscode = json.loads(_readme_block("vscode"))
    neovim = re.search(r"cmd = \{(.*?)\}", _readme_block("neovim"))
    assert neovim, "the Neovim snippet has no cmd = { ... }"
    helix = tomllib.loads(_readme_block("helix"))["language-server"]["wasm-go-lint"]
    return {
        "vscode": [vscode["glspc.server.command"], *vscode["glspc.server.commandArguments"]],
        "neovim": re.findall(r'"([^"]*)"', neovim.group(1)),
        "helix": [helix["command"], *helix.get("args", [])],
    }


def server_command() -> list[str]:
    """The README's command line, with ``wasm-go-lint`` resolved as an editor's PATH would
    (this interpreter's scripts directory first); ``python -m linter`` if not installed."""
    commands = readme_commands()
    first = commands["vscode"]
    assert all(command == first for command in commands.values()), commands
    executable = shutil.which(first[0], path=os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")]))
    if executable is None:
        return [sys.executable, "-m", "linter", *first[1:]]
    return [executable, *first[1:]]


def test_readme_snippets_agree_on_the_command() -> None:
    commands = readme_commands()
    assert commands["vscode"] == ["wasm-go-lint", "server"]
    assert commands["neovim"] == commands["vscode"] == commands["helix"]
    assert json.loads(_readme_block("vscode"))["glspc.server.languageId"] == ["go"]
    helix = tomllib.loads(_readme_block("helix"))
    assert "wasm-go-lint" in helix["language"][0]["language-servers"]


# --- a client ------------------------------------------------------------------------


class Client(LanguageClient):
    """pygls's client, collecting what the server sends on its own."""

    def __init__(self) -> None:
        super().__init__("wasm-go-lint-test", "1")
        self.published: dict[str, asyncio.Queue[lsp.PublishDiagnosticsParams]] = {}
        self.messages: list[lsp.ShowMessageParams] = []
        self.registrations: list[lsp.Registration] = []
        self.returncode: int | None = None

        @self.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def publish(params: lsp.PublishDiagnosticsParams) -> None:
            self.queue(params.uri).put_nowait(params)

        @self.feature(lsp.WINDOW_SHOW_MESSAGE)
        def show(params: lsp.ShowMessageParams) -> None:
            self.messages.append(params)

        @self.feature(lsp.WINDOW_LOG_MESSAGE)
        def log(params: lsp.LogMessageParams) -> None:
            pass

        @self.feature(lsp.CLIENT_REGISTER_CAPABILITY)
        def register(params: lsp.RegistrationParams) -> None:
            self.registrations.extend(params.registrations)

    def queue(self, uri: str) -> asyncio.Queue[lsp.PublishDiagnosticsParams]:
        return self.published.setdefault(uri, asyncio.Queue())

    async def diagnostics(self, uri: str, version: int | None = None) -> list[lsp.Diagnostic]:
        """The next diagnostics published for ``uri`` (for ``version``, when given)."""
        while True:
            params = await asyncio.wait_for(self.queue(uri).get(), TIMEOUT)
            if version is None or params.version == version:
                return list(params.diagnostics)

    async def server_exit(self, server: asyncio.subprocess.Process) -> None:
        self.returncode = server.returncode

    async def open(self, path: Path, text: str, version: int = 1) -> str:
        uri = from_fs_path(str(path))
        assert uri is not None
        item = lsp.TextDocumentItem(uri=uri, language_id="go", version=version, text=text)
        self.text_document_did_open(lsp.DidOpenTextDocumentParams(text_document=item))
        return uri

    async def end(self) -> None:
        await asyncio.wait_for(self.shutdown_async(None), TIMEOUT)
        self.exit(None)
        await asyncio.wait_for(self.stop(), TIMEOUT)


def capabilities(encoding: str) -> lsp.ClientCapabilities:
    return lsp.ClientCapabilities(
        general=lsp.GeneralClientCapabilities(position_encodings=[encoding]),
        workspace=lsp.WorkspaceClientCapabilities(
            workspace_edit=lsp.WorkspaceEditClientCapabilities(document_changes=True),
            did_change_watched_files=lsp.DidChangeWatchedFilesClientCapabilities(dynamic_registration=True),
        ),
        text_document=lsp.TextDocumentClientCapabilities(
            publish_diagnostics=lsp.PublishDiagnosticsClientCapabilities(version_support=True),
            hover=lsp.HoverClientCapabilities(content_format=[lsp.MarkupKind.Markdown]),
        ),
    )


async def start_server(root: Path, encoding: str) -> tuple[Client, lsp.InitializeResult]:
    client = Client()
    command = server_command()
    await client.start_io(command[0], *command[1:], cwd=str(root))
    result = await asyncio.wait_for(
        client.initialize_async(
            lsp.InitializeParams(
                capabilities=capabilities(encoding),
                root_uri=from_fs_path(str(root)),
                workspace_folders=[lsp.WorkspaceFolder(uri=from_fs_path(str(root)) or "", name="plugins")],
            )
        ),
        TIMEOUT,
    )
    client.initialized(lsp.InitializedParams())
    return client, result


def apply_utf16(text: str, edits: Sequence[lsp.TextEdit]) -> str:
    """``text`` with LSP edits (UTF-16 positions) applied, last first."""
    lines = text.splitlines(keepends=True)

    def index(position: lsp.Position) -> int:
        start = sum(len(line) for line in lines[: position.line])
        units = 0
        for offset, char in enumerate(lines[position.line] if position.line < len(lines) else ""):
            if units >= position.character:
                return start + offset
            units += 2 if ord(char) > 0xFFFF else 1
        return start + len(lines[position.line].rstrip("\r\n"))

    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        text = text[: index(edit.range.start)] + edit.new_text + text[index(edit.range.end) :]
    return text


def edits_of(action: lsp.CodeAction, uri: str, version: int) -> list[lsp.TextEdit]:
    assert action.edit is not None and action.edit.document_changes, action
    (change,) = action.edit.document_changes
    assert isinstance(change, lsp.TextDocumentEdit)
    assert change.text_document.uri == uri and change.text_document.version == version
    return [e for e in change.edits if isinstance(e, lsp.TextEdit)]


def range_of(line: int, span: tuple[int, int]) -> lsp.Range:
    return lsp.Range(start=lsp.Position(line=line, character=span[0]), end=lsp.Position(line=line, character=span[1]))


@pytest.fixture
def plugin(tmp_path: Path) -> Path:
    """A repository with one plugin; ``Config`` is declared in a sibling file."""
    (tmp_path / ".git").mkdir()  # configuration discovery stops here
    (tmp_path / "wasm-go-lint.toml").write_text(CONFIG.format(level="warning"), encoding="utf-8")
    directory = tmp_path / "ext-region"
    directory.mkdir()
    (directory / "config.go").write_text(CONFIG_GO, encoding="utf-8")
    (directory / "main.go").write_text(MAIN_GO, encoding="utf-8")
    return tmp_path


# --- the sessions --------------------------------------------------------------------


def test_editor_session_utf16(plugin: Path) -> None:
    asyncio.run(asyncio.wait_for(_utf16_session(plugin), 60))


async def _utf16_session(root: Path) -> None:
    client, result = await start_server(root, lsp.PositionEncodingKind.Utf16)
    try:
        assert result.capabilities.position_encoding == lsp.PositionEncodingKind.Utf16
        assert result.capabilities.hover_provider
        assert result.server_info is not None and result.server_info.name == "wasm-go-lint"
        main = root / "ext-region" / "main.go"
        uri = await client.open(main, MAIN_GO)

        # The finding, with its range in UTF-16 code units and the configured severity.
        (diagnostic,) = await client.diagnostics(uri, version=1)
        assert diagnostic.range == range_of(FINDING_LINE, FINDING_UTF16)
        assert diagnostic.code == "WG201"
        assert diagnostic.source == "wasm-go-lint"
        assert diagnostic.severity == lsp.DiagnosticSeverity.Warning  # wasm-go-lint.toml
        assert "`c.region` is assigned on a copy" in diagnostic.message
        assert diagnostic.code_description is not None
        assert diagnostic.code_description.href.endswith("/docs/rules/WG201-value-receiver-mutation.md")
        assert (ROOT / "docs" / "rules" / "WG201-value-receiver-mutation.md").is_file()
        assert any(r.method == lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES for r in client.registrations)

        # The configuration changes: the open document is linted again with it.
        (root / "wasm-go-lint.toml").write_text(CONFIG.format(level="info"), encoding="utf-8")
        config_uri = from_fs_path(str(root / "wasm-go-lint.toml")) or ""
        client.workspace_did_change_watched_files(
            lsp.DidChangeWatchedFilesParams(changes=[lsp.FileEvent(uri=config_uri, type=lsp.FileChangeType.Changed)])
        )
        (diagnostic,) = await client.diagnostics(uri, version=1)
        assert diagnostic.severity == lsp.DiagnosticSeverity.Information

        # Code actions at the finding: the (unsafe) fix and a suppression comment.
        actions = await asyncio.wait_for(
            client.text_document_code_action_async(
                lsp.CodeActionParams(
                    text_document=lsp.TextDocumentIdentifier(uri=uri),
                    range=diagnostic.range,
                    context=lsp.CodeActionContext(diagnostics=[diagnostic]),
                )
            ),
            TIMEOUT,
        )
        assert actions is not None
        by_title = {a.title: a for a in actions if isinstance(a, lsp.CodeAction)}
        fix = by_title["Use a pointer receiver (WG201, unsafe fix: review the change)"]
        assert fix.kind == lsp.CodeActionKind.QuickFix and not fix.is_preferred
        suppress = by_title["Suppress WG201 on this line (//wasm-go-lint:ignore)"]
        (insert,) = edits_of(suppress, uri, 1)
        assert insert.range == range_of(FINDING_LINE, (0, 0))
        assert insert.new_text.startswith("\t//wasm-go-lint:ignore WG201 ")

        # Apply the fix to the unsaved buffer, as an editor does, and send the change.
        edits = edits_of(fix, uri, 1)
        fixed = apply_utf16(MAIN_GO, edits)
        assert "func (c *Config) SetRegion(region string) {" in fixed
        client.text_document_did_change(
            lsp.DidChangeTextDocumentParams(
                text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=2),
                content_changes=[lsp.TextDocumentContentChangePartial(range=e.range, text=e.new_text) for e in edits],
            )
        )
        assert await client.diagnostics(uri, version=2) == []
        assert main.read_text(encoding="utf-8") == MAIN_GO  # the file on disk is untouched

        # Hover on the codes of both suppression forms: the rule's documentation.
        lines = fixed.splitlines()
        for marker in ("//wasm-go-lint:ignore WG201", "//nolint:WG201"):
            line = next(i for i, text in enumerate(lines) if marker in text)
            column = lines[line].index(marker) + len(marker) - 2  # inside "WG201"
            hover = await asyncio.wait_for(
                client.text_document_hover_async(
                    lsp.HoverParams(
                        text_document=lsp.TextDocumentIdentifier(uri=uri),
                        position=lsp.Position(line=line, character=column),
                    )
                ),
                TIMEOUT,
            )
            assert hover is not None and isinstance(hover.contents, lsp.MarkupContent), marker
            assert hover.contents.kind == lsp.MarkupKind.Markdown
            assert hover.contents.value.startswith("# value-receiver-mutation (WG201)")
            assert "## What it does" in hover.contents.value
            start = lines[line].index(marker) + len(marker) - 5
            assert hover.range == range_of(line, (start, start + 5))
        nothing = await asyncio.wait_for(
            client.text_document_hover_async(
                lsp.HoverParams(text_document=lsp.TextDocumentIdentifier(uri=uri), position=lsp.Position(line=0, character=3))
            ),
            TIMEOUT,
        )
        assert nothing is None

        # Closing the document clears its diagnostics.
        client.text_document_did_close(lsp.DidCloseTextDocumentParams(text_document=lsp.TextDocumentIdentifier(uri=uri)))
        assert await client.diagnostics(uri) == []
        assert client.messages == []
    finally:
        await client.end()
    assert client.returncode == 0


def test_editor_session_utf8_and_bad_input(plugin: Path) -> None:
    asyncio.run(asyncio.wait_for(_utf8_session(plugin), 60))


async def _utf8_session(root: Path) -> None:
    client, result = await start_server(root, lsp.PositionEncodingKind.Utf8)
    try:
        assert result.capabilities.position_encoding == lsp.PositionEncodingKind.Utf8
        directory = root / "ext-region"
        uri = await client.open(directory / "main.go", MAIN_GO)
        (diagnostic,) = await client.diagnostics(uri, version=1)
        assert diagnostic.range == range_of(FINDING_LINE, FINDING_UTF8)

        # A new, unsaved file of the package that does not parse: WG000, nothing else breaks.
        broken = await client.open(directory / "broken.go", "package main\n\nfunc broken( {\n")
        found = await client.diagnostics(broken, version=1)
        assert found and {d.code for d in found} == {"WG000"}

        # Not Go source at all (a NUL byte): one diagnostic saying it was not analysed.
        binary = await client.open(directory / "blob.go", "package main\x00\n")
        (notice,) = await client.diagnostics(binary, version=1)
        assert notice.message.startswith("not analysed: binary file")

        # Fast typing: five changes in a row; the last text is what ends up linted.
        for version in range(2, 7):
            client.text_document_did_change(
                lsp.DidChangeTextDocumentParams(
                    text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=version),
                    content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=MAIN_GO + "\n" * version)],
                )
            )
        (diagnostic,) = await client.diagnostics(uri, version=6)
        assert diagnostic.range == range_of(FINDING_LINE, FINDING_UTF8)

        # source.fixAll: every safe fix (here WG900's: delete the unused suppression).
        unused = "package main\n\n//wasm-go-lint:ignore WG401 nothing to hide here\nfunc helper() int { return 1 }\n"
        helper = await client.open(directory / "helper.go", unused)
        (finding,) = await client.diagnostics(helper, version=1)
        assert finding.code == "WG900" and list(finding.tags or []) == [lsp.DiagnosticTag.Unnecessary]
        actions = await asyncio.wait_for(
            client.text_document_code_action_async(
                lsp.CodeActionParams(
                    text_document=lsp.TextDocumentIdentifier(uri=helper),
                    range=range_of(0, (0, 0)),
                    context=lsp.CodeActionContext(diagnostics=[], only=[lsp.CodeActionKind.SourceFixAll]),
                )
            ),
            TIMEOUT,
        )
        assert actions is not None
        (fix_all,) = actions
        assert isinstance(fix_all, lsp.CodeAction) and fix_all.kind == "source.fixAll.wasm-go-lint"
        fixed = apply_utf16(unused, edits_of(fix_all, helper, 1))  # ASCII: UTF-8 and UTF-16 agree
        assert fixed == "package main\n\nfunc helper() int { return 1 }\n"

        # What `check` on the directory skips stays quiet in the editor too: a _test.go
        # file (include-tests is off), a file below vendor/; the same text elsewhere is not.
        for skipped in (directory / "main_test.go", root / "vendor" / "lib" / "lib.go"):
            assert await client.diagnostics(await client.open(skipped, GOROUTINE_GO), version=1) == [], skipped
        (goroutine,) = await client.diagnostics(await client.open(directory / "work.go", GOROUTINE_GO), version=1)
        assert goroutine.code == "WG401"

        # A broken configuration: a message, then the defaults (WG201 is an error again).
        (root / "wasm-go-lint.toml").write_text("select = [", encoding="utf-8")
        client.text_document_did_change(
            lsp.DidChangeTextDocumentParams(
                text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=7),
                content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=MAIN_GO)],
            )
        )
        (diagnostic,) = await client.diagnostics(uri, version=7)
        assert diagnostic.severity == lsp.DiagnosticSeverity.Error
        assert len(client.messages) == 1 and "invalid TOML" in client.messages[0].message
    finally:
        await client.end()
    assert client.returncode == 0


# --- positions and edits, in process -------------------------------------------------


def test_positions_in_each_encoding() -> None:
    from linter.server import UTF8, UTF16, UTF32, to_offset, to_position
    from linter.source import SourceFile

    source = SourceFile("x.go", "a\r\n\t/* é🌍 */ x := 1\n".encode())
    offset = source.data.index(b"x :=")
    expected = {UTF8: 14, UTF16: 11, UTF32: 10}  # é is 2 bytes, 1 unit; 🌍 4 bytes, 2 units
    for encoding, character in expected.items():
        position = to_position(source, offset, encoding)
        assert (position.line, position.character) == (1, character), encoding
        assert to_offset(source, position, encoding) == offset
        # Past the end of a line: the line's end (before "\r\n"); past the last line: the end.
        assert to_offset(source, lsp.Position(line=0, character=99), encoding) == 1
        assert to_offset(source, lsp.Position(line=9, character=0), encoding) == len(source.data)


def test_suppression_edit_inserts_or_extends() -> None:
    from linter.server import SUPPRESSION_REASON, suppression_edit
    from linter.source import SourceFile

    source = SourceFile("x.go", b"func f() {\r\n\t\tgo work()\r\n}\n")
    edit = suppression_edit(source, 2, "WG401")
    assert (edit.start_byte, edit.end_byte) == (12, 12)
    assert edit.content == f"\t\t//wasm-go-lint:ignore WG401 {SUPPRESSION_REASON}\r\n"

    stacked = SourceFile("x.go", b"func f() {\n\t//wasm-go-lint:ignore WG402 test only\n\tgo work()\n}\n")
    edit = suppression_edit(stacked, 3, "WG401")
    comment_end = stacked.data.index(b"WG402") + len("WG402")
    assert (edit.start_byte, edit.end_byte, edit.content) == (comment_end, comment_end, ",WG401")


def test_whole_file_fix_becomes_one_small_edit() -> None:
    from linter.server import _replacement

    before = "ä := 1\nü := 2\nö := 3\n".encode()  # ü and ö share their first byte
    after = "ä := 1\nö := 3\n".encode()
    edit = _replacement(before, after)
    assert before[: edit.start_byte] + edit.content.encode() + before[edit.end_byte :] == after
    assert (edit.start_byte, edit.end_byte, edit.content) == (8, 16, "")  # just "ü := 2\n" goes
