"""Helpers for tests that drive the command line in process."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result


def write(root: Path, relative: str, content: str | bytes) -> Path:
    """Write ``content`` (text is UTF-8) to ``root/relative``, making directories."""
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def invoke(runner: CliRunner, *args: str, stdin: bytes | None = None) -> Result:
    """Run ``wasm-go-lint ARGS``; exceptions propagate (a traceback fails the test)."""
    from linter.cli import cli

    return runner.invoke(cli, list(args), input=stdin, catch_exceptions=False)
