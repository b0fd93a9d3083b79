#!/usr/bin/env python3
"""Time the language server's re-lint after a change to one file of a 10-file plugin.

    python benchmarks/lsp_latency.py [--repeat N] [--plugin DIR] [--file NAME] [--json]

Without ``--plugin`` a plugin is generated with ``gen_corpus.py`` into a temporary
directory: one ``package main`` of 10 files of about 10 kB each (the default corpus's
average). A real LSP client (pygls) starts ``wasm-go-lint server`` over stdio, opens one
file (default: the plugin's ``main.go``, which holds the registration), and then sends
``--repeat`` changes of the unsaved buffer (``textDocument/didChange``, incremental:
a line is added or removed at the end of the file, alternately). Each sample is the wall
time from sending the change to receiving the ``publishDiagnostics`` for that version:
JSON-RPC both ways, reading the package's other files, the lint of the buffer with
its package, and the diagnostics' conversion. A few untimed changes come first (imports,
caches). The median is compared with the target of 30 ms.

The same lint in this process (``Linter.check_package`` on the buffer plus the siblings
read from disk, no LSP) is timed too, so the protocol's share is visible.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
TARGET_MS = 30.0
WARMUP = 5
TIMEOUT = 30.0


def generate_plugin(out: Path, kilobytes: int) -> Path:
    """A generated plugin package of 10 .go files (gen_corpus.py, fixed seed; its 11th
    file goes to an ``internal/`` helper package)."""
    command = [
        sys.executable, str(HERE / "gen_corpus.py"), "--out", str(out),
        "--size-mb", str(kilobytes / 1000), "--files", "11", "--plugins", "1", "--seed", "1", "--quiet",
    ]  # fmt: skip
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    (plugin,) = [p for p in (out / "extensions").iterdir() if p.is_dir()]
    return plugin


def server_command() -> list[str]:
    script = shutil.which("wasm-go-lint", path=os.path.dirname(sys.executable))
    return [script, "server"] if script else [sys.executable, "-m", "linter", "server"]


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far (Linux /proc), None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


async def measure_lsp(path: Path, repeat: int) -> tuple[list[float], int, float | None]:
    """Milliseconds from each didChange to its publishDiagnostics; the findings count;
    the server's CPU milliseconds per change (steadier than wall time on a busy machine)."""
    from lsprotocol import types as lsp
    from pygls.lsp.client import LanguageClient
    from pygls.uris import from_fs_path

    client = LanguageClient("lsp-latency", "1")
    published: asyncio.Queue[lsp.PublishDiagnosticsParams] = asyncio.Queue()

    @client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def publish(params: lsp.PublishDiagnosticsParams) -> None:
        published.put_nowait(params)

    command = server_command()
    await client.start_io(command[0], *command[1:], cwd=str(path.parent))
    root = from_fs_path(str(path.parent))
    capabilities = lsp.ClientCapabilities(
        general=lsp.GeneralClientCapabilities(position_encodings=[lsp.PositionEncodingKind.Utf16])
    )
    await asyncio.wait_for(client.initialize_async(lsp.InitializeParams(capabilities=capabilities, root_uri=root)), TIMEOUT)
    client.initialized(lsp.InitializedParams())

    async def published_for(version: int) -> lsp.PublishDiagnosticsParams:
        while True:
            params = await asyncio.wait_for(published.get(), TIMEOUT)
            if params.version == version:
                return params

    text = path.read_text(encoding="utf-8")
    lines = text.count("\n")
    uri = from_fs_path(str(path)) or ""
    item = lsp.TextDocumentItem(uri=uri, language_id="go", version=1, text=text)
    client.text_document_did_open(lsp.DidOpenTextDocumentParams(text_document=item))
    findings = len((await published_for(1)).diagnostics)

    samples: list[float] = []
    server = getattr(client, "_server", None)
    pid = server.pid if server is not None else None
    cpu_before: float | None = None
    end = lsp.Position(line=lines, character=0)
    for version in range(2, 2 + WARMUP + repeat):
        if version % 2 == 0:  # add a line at the end, then take it away again
            change = lsp.TextDocumentContentChangePartial(range=lsp.Range(start=end, end=end), text="// edited\n")
        else:
            added = lsp.Range(start=end, end=lsp.Position(line=lines + 1, character=0))
            change = lsp.TextDocumentContentChangePartial(range=added, text="")
        params = lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=version), content_changes=[change]
        )
        if version == 2 + WARMUP and pid is not None:
            cpu_before = cpu_seconds(pid)
        start = time.perf_counter()
        client.text_document_did_change(params)
        await published_for(version)
        if version >= 2 + WARMUP:
            samples.append((time.perf_counter() - start) * 1000)

    cpu_after = cpu_seconds(pid) if pid is not None else None
    cpu_ms = (cpu_after - cpu_before) * 1000 / repeat if cpu_before is not None and cpu_after is not None else None
    await asyncio.wait_for(client.shutdown_async(None), TIMEOUT)
    client.exit(None)
    await asyncio.wait_for(client.stop(), TIMEOUT)
    return samples, findings, cpu_ms


def measure_in_process(path: Path, repeat: int) -> tuple[list[float], float]:
    """Milliseconds for the same lint without LSP: configuration, siblings from disk (their
    trees reused while unchanged, as the server does), the engine."""
    sys.path.insert(0, str(REPO))
    from linter.config import Resolver
    from linter.engine import Linter
    from linter.parse import ParsedFile, parse_source
    from linter.runner import Options, _siblings
    from linter.source import SourceFile

    trees: dict[str, tuple[bytes, ParsedFile]] = {}

    def parse(source: SourceFile) -> ParsedFile:
        cached = trees.get(source.path)
        if cached is None or cached[0] != source.data:
            cached = trees[source.path] = (source.data, parse_source(source))
        return cached[1]

    data = path.read_bytes()
    directory = str(path.parent)
    linters: dict[Any, Linter] = {}
    samples: list[float] = []
    cpu_start = 0.0
    for index in range(WARMUP + repeat):
        if index == WARMUP:
            cpu_start = time.process_time()
        start = time.perf_counter()
        settings = Resolver().settings_for(directory)
        linter = linters.get(settings.rules) or linters.setdefault(settings.rules, Linter(settings.rules))
        siblings = _siblings(directory, [str(path)], Options())
        buffer = SourceFile(str(path), data + b"// edited\n" * (index % 2))
        linter.check_package(directory, [buffer], siblings, parse=parse)
        if index >= WARMUP:
            samples.append((time.perf_counter() - start) * 1000)
    return samples, (time.process_time() - cpu_start) * 1000 / repeat


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "median_ms": statistics.median(ordered),
        "p90_ms": ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))],
        "min_ms": ordered[0],
        "max_ms": ordered[-1],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=30, help="timed changes (default 30)")
    parser.add_argument("--plugin", type=Path, help="a plugin directory (default: generate a 10-file plugin)")
    parser.add_argument("--file", default="main.go", help="the file to open and change (default main.go)")
    parser.add_argument(
        "--kb", type=int, default=100, help="size of the generated plugin in kB (default 100: 10 files of ~10 kB)"
    )
    parser.add_argument("--json", action="store_true", help="machine-readable results on stdout")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="wgl-lsp-latency-") as scratch:
        plugin = args.plugin.resolve() if args.plugin else generate_plugin(Path(scratch) / "corpus", args.kb)
        path = plugin / args.file
        if not path.is_file():
            parser.error(f"{path} is not a file")
        go_files = sorted(p for p in plugin.glob("*.go") if not p.name.endswith("_test.go"))
        size = sum(p.stat().st_size for p in go_files)
        lsp_samples, findings, lsp_cpu = asyncio.run(measure_lsp(path, args.repeat))
        engine_samples, engine_cpu = measure_in_process(path, args.repeat)

    lsp_stats = {**summary(lsp_samples), "server_cpu_ms": lsp_cpu}
    engine_stats = {**summary(engine_samples), "cpu_ms": engine_cpu}
    result = {
        "plugin": {"files": len(go_files), "bytes": size, "changed_file": args.file},
        "findings_in_file": findings,
        "repeat": args.repeat,
        "lsp_relint": lsp_stats,
        "lint_in_process": engine_stats,
        "target_ms": TARGET_MS,
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"plugin: {len(go_files)} files, {size / 1000:.0f} kB; changing {args.file} ({findings} findings)")
    rows = (
        ("LSP re-lint (didChange -> publishDiagnostics)", lsp_stats, "server CPU", lsp_cpu),
        ("lint in process (no LSP)", engine_stats, "CPU", engine_cpu),
    )
    for label, stats, cpu_label, cpu in rows:
        line = (
            f"{label:<46} median {stats['median_ms']:6.1f} ms  p90 {stats['p90_ms']:6.1f}"
            f"  min {stats['min_ms']:6.1f}  max {stats['max_ms']:6.1f}"
        )
        if cpu is not None:
            line += f"  ({cpu_label} {cpu:.1f} ms per change)"
        print(line)
    median = lsp_stats["median_ms"]
    verdict = "within" if median is not None and median <= TARGET_MS else "over"
    print(f"target: LSP re-lint median under {TARGET_MS:.0f} ms: {verdict} ({median:.1f} ms, median of {args.repeat})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
