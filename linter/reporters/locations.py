"""Paths as CI systems want them: relative to the repository root.

Diagnostics carry the path as shown to users (relative to the working directory, or
absolute outside it). SARIF, GitHub annotations and GitLab Code Quality resolve paths
against the repository root, so reporters for them map each path there: the root is
the git top-level directory of the working directory when git knows one, else the
working directory itself.
"""

from __future__ import annotations

import os
import subprocess
from functools import cache
from urllib.parse import quote

from linter.diagnostics import Diagnostic
from linter.reporters.fingerprints import stable_fingerprint
from linter.runner import RunResult


@cache
def _git_toplevel(cwd: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    top = done.stdout.strip()
    return os.path.realpath(top) if done.returncode == 0 and top else None


def repository_root(cwd: str | None = None) -> str:
    """The git top-level of ``cwd`` (default: the working directory), else ``cwd``."""
    here = os.path.realpath(cwd or os.getcwd())
    return _git_toplevel(here) or here


def root_relative(path: str, root: str) -> str | None:
    """``path`` (as displayed) relative to ``root`` with ``/`` separators; None outside it."""
    absolute = os.path.realpath(os.path.abspath(path))
    root = os.path.realpath(root)
    relative = os.path.relpath(absolute, root) if _below(absolute, root) else None
    return None if relative is None else relative.replace(os.sep, "/")


def _below(absolute: str, root: str) -> bool:
    return absolute == root or absolute.startswith(root.rstrip(os.sep) + os.sep)


def display_or_relative(path: str, root: str) -> str:
    """The root-relative path when there is one, else the path as displayed."""
    return root_relative(path, root) or path.replace(os.sep, "/")


def relative_uri(relative: str) -> str:
    """A percent-encoded relative URI reference for a ``/``-separated path."""
    return quote(relative, safe="/")


def file_uri(path: str) -> str:
    """An absolute ``file://`` URI; directories end in ``/`` as SARIF base ids need."""
    absolute = os.path.abspath(path).replace(os.sep, "/")
    if not absolute.startswith("/"):
        absolute = "/" + absolute  # C:/x -> /C:/x
    if os.path.isdir(path) and not absolute.endswith("/"):
        absolute += "/"
    return "file://" + quote(absolute, safe="/:")


def stable_fingerprints(result: RunResult, root: str) -> list[str]:
    """A line-independent fingerprint for each diagnostic of ``result``, in order.

    Identical keys (same rule, path and normalised line text) are told apart by
    their order in the file, so two findings on copies of one line stay distinct.
    """
    counts: dict[tuple[str, str, str], int] = {}
    prints: list[str] = []
    for diagnostic in result.diagnostics:
        path = display_or_relative(diagnostic.path, root)
        text = " ".join(flagged_line(result, diagnostic).split())
        key = (diagnostic.code, path, text)
        occurrence = counts.get(key, 0)
        counts[key] = occurrence + 1
        prints.append(stable_fingerprint(diagnostic.code, path, text, occurrence))
    return prints


def flagged_line(result: RunResult, diagnostic: Diagnostic) -> str:
    source = result.sources.get(diagnostic.path)
    if source is None or not 0 < diagnostic.line <= source.line_count:
        return ""
    return source.line_text(diagnostic.line)
