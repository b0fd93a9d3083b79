"""Discovery -> packages -> engine -> sorted diagnostics, plus input notices.

Bad input never raises: a path that cannot be read, a binary, huge or non-UTF-8
file becomes a one-line ``Notice`` and the rest of the run goes on.
"""

from __future__ import annotations

import gc
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from linter.diagnostics import Diagnostic, Notice, Severity
from linter.engine import Linter
from linter.rule import Rule
from linter.source import SourceFile

if TYPE_CHECKING:
    from linter.config import Resolver, Settings

DEFAULT_MAX_FILE_SIZE = 4 * 1024 * 1024
EXCLUDED_DIRS = frozenset({"vendor", "testdata", "node_modules"})
_GENERATED = re.compile(rb"^// Code generated .* DO NOT EDIT\.\r?$", re.M)


@dataclass
class Options:
    include_tests: bool = False
    include_generated: bool = False
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    config: Resolver | None = None
    """Configuration files (linter/config.py): per-directory rules, per-file ignores,
    excludes, include-tests, severities and fail-on. None: ``rules`` and the fields above."""
    force_exclude: bool = False
    """Filter files named explicitly as directory discovery does (``--force-exclude``)."""
    jobs: int = 0
    """Worker processes for packages; 0 picks one per CPU for large runs, 1 disables."""


@dataclass
class RunResult:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    files_checked: int = 0
    internal_errors: int = 0
    sources: dict[str, SourceFile] = field(default_factory=dict)
    """The files that have diagnostics, by display path (for snippets and fixes)."""
    suppressed: int = 0
    """Findings hidden by inline suppression comments."""
    fail_on: dict[str, Severity] = field(default_factory=dict)
    """Per display path, the lowest severity that fails the run (config ``fail-on``)."""

    def failing(self) -> list[Diagnostic]:
        """The diagnostics at or above their file's ``fail-on`` level (all by default)."""
        return [
            d for d in self.diagnostics if d.severity.rank >= self.fail_on.get(d.path, Severity.INFO).rank
        ]

    def keep(self, sources: Sequence[SourceFile], diagnostics: Sequence[Diagnostic]) -> None:
        flagged = {d.path for d in diagnostics}
        self.sources.update((s.path, s) for s in sources if s.path in flagged)
        self.diagnostics.extend(diagnostics)

    def merge(self, other: RunResult) -> None:
        self.diagnostics.extend(other.diagnostics)
        self.notices.extend(other.notices)
        self.files_checked += other.files_checked
        self.internal_errors += other.internal_errors
        self.sources.update(other.sources)
        self.suppressed += other.suppressed
        self.fail_on.update(other.fail_on)


@dataclass
class _Package:
    analysed: list[str] = field(default_factory=list)
    """Absolute paths of the files to lint."""
    whole_directory: bool = False


def display_path(path: str) -> str:
    """Relative to the working directory when below it, else as absolute."""
    absolute = os.path.abspath(path)
    cwd = os.getcwd()
    if absolute == cwd or absolute.startswith(cwd.rstrip(os.sep) + os.sep):
        return os.path.relpath(absolute, cwd)
    return absolute


def is_generated(data: bytes) -> bool:
    """Go's convention: a ``// Code generated ... DO NOT EDIT.`` line before the package clause."""
    if data.startswith(b"package "):
        return False  # nothing before the package clause (most files): no need to search
    header_end = data.find(b"\npackage ")
    head = data if header_end == -1 else data[: header_end + 1]
    return _GENERATED.search(head) is not None


def load_source(path: str, options: Options, shown_as: str | None = None) -> SourceFile | Notice:
    shown = shown_as if shown_as is not None else display_path(path)
    try:
        size = os.stat(path).st_size
        if size > options.max_file_size:
            return Notice(
                shown,
                f"file is {size / 1048576:.1f} MiB, over the {options.max_file_size / 1048576:.1f} MiB "
                "limit (--max-file-size); skipped",
            )
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        return Notice(shown, f"cannot read file: {exc.strerror or exc}")
    return source_from_bytes(data, shown, options)


def source_from_bytes(data: bytes, shown: str, options: Options) -> SourceFile | Notice:
    if len(data) > options.max_file_size:
        return Notice(shown, f"input is over the {options.max_file_size / 1048576:.1f} MiB limit; skipped")
    if b"\0" in data:
        return Notice(shown, "binary file (contains NUL bytes), not Go source; skipped")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return Notice(shown, f"not valid UTF-8 (byte 0x{data[exc.start]:02x} on line {line}); Go source must be UTF-8; skipped")
    return SourceFile(shown, data)


def _wanted_in_directory(name: str, options: Options, directory: str | None = None) -> bool:
    if not name.endswith(".go"):
        return False
    if options.config is None or directory is None:
        return options.include_tests or not name.endswith("_test.go")
    settings = options.config.settings_for(directory)
    if name.endswith("_test.go") and not settings.include_tests:
        return False
    return not settings.excluded(os.path.join(directory, name))


def _wanted_directory(parent: str, name: str, options: Options) -> bool:
    if name.startswith((".", "_")) or name == "testdata":  # the go tool ignores these too
        return False
    if options.config is None:
        return name not in EXCLUDED_DIRS
    return not options.config.settings_for(parent).excluded(os.path.join(parent, name))


def discover(paths: Sequence[str], options: Options) -> tuple[dict[str, _Package], list[Notice]]:
    """Group the Go files under ``paths`` by directory (a Go package)."""
    packages: dict[str, _Package] = {}
    notices: list[Notice] = []
    for given in paths:
        absolute = os.path.abspath(given)
        if os.path.isdir(absolute):
            for directory, files in _walk(absolute, options, notices):
                package = packages.setdefault(directory, _Package())
                package.whole_directory = True
                package.analysed.extend(files)
        elif os.path.isfile(absolute):
            if options.force_exclude and not _wanted_file(absolute, options):
                continue
            package = packages.setdefault(os.path.dirname(absolute), _Package())
            package.analysed.append(absolute)
        elif os.path.lexists(absolute):
            notices.append(Notice(display_path(given), "not a regular file or directory; skipped"))
        else:
            notices.append(Notice(display_path(given), "no such file or directory"))
    for package in packages.values():
        package.analysed = sorted(set(package.analysed))
    return packages, notices


def _walk(root: str, options: Options, notices: list[Notice] | None = None) -> Iterable[tuple[str, list[str]]]:
    def unreadable(exc: OSError) -> None:  # a directory that cannot be listed is bad input
        if notices is not None:
            where = display_path(exc.filename) if exc.filename else display_path(root)
            notices.append(Notice(where, f"cannot read directory: {exc.strerror or exc}; skipped"))

    for directory, dirnames, filenames in os.walk(root, onerror=unreadable):
        dirnames[:] = sorted(d for d in dirnames if _wanted_directory(directory, d, options))
        files = [
            os.path.join(directory, f) for f in sorted(filenames) if _wanted_in_directory(f, options, directory)
        ]
        if files:
            yield directory, files


def _wanted_file(path: str, options: Options) -> bool:
    """Whether discovery of a directory would pick the file at ``path``: its name (``.go``,
    ``_test.go``, excludes) and each directory from the working directory down to it
    (``vendor/``, ``testdata/``, hidden and ``_`` directories, excludes). For
    ``--force-exclude``: pre-commit passes every staged file by name."""
    directory, name = os.path.split(path)
    if not _wanted_in_directory(name, options, directory):
        return False
    parent = os.getcwd()
    relative = os.path.relpath(directory, parent)
    if relative == os.curdir or relative.split(os.sep)[0] == os.pardir:
        return True  # no directories to check below the working directory
    for part in relative.split(os.sep):
        if not _wanted_directory(parent, part, options):
            return False
        parent = os.path.join(parent, part)
    return True


def _siblings(directory: str, analysed: Sequence[str], options: Options) -> list[SourceFile]:
    """Other files of the package, read for facts only (never reported on)."""
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return []
    taken = set(analysed)
    siblings: list[SourceFile] = []
    for name in names:
        path = os.path.join(directory, name)
        if path in taken or not name.endswith(".go") or name.endswith("_test.go"):
            continue
        loaded = load_source(path, options)
        if isinstance(loaded, SourceFile) and not is_generated(loaded.data):
            siblings.append(loaded)
    return siblings


def run(
    paths: Sequence[str],
    rules: Sequence[type[Rule]],
    options: Options | None = None,
    stdin: tuple[bytes, str] | None = None,
) -> RunResult:
    """Lint ``paths`` (or ``stdin`` = (data, filename)) with ``rules``."""
    options = options or Options()
    linter = _Linters(rules, options.config)
    result = RunResult()
    with _batch_collector():
        _run(paths, linter, options, stdin, result)
    result.diagnostics.sort(key=Diagnostic.sort_key)
    result.notices.sort(key=lambda n: n.path)
    return result


def _run(
    paths: Sequence[str], linter: _Linters, options: Options, stdin: tuple[bytes, str] | None, result: RunResult
) -> None:
    if stdin is not None:
        data, filename = stdin
        _check_stdin(linter, data, filename, options, result)
    else:
        packages, notices = discover(paths, options)
        result.notices.extend(notices)
        jobs = _job_count(options, packages)
        if jobs > 1 and len(packages) > 1:
            for partial in _in_workers(linter, packages, options, _largest_first(packages), jobs):
                result.merge(partial)
        else:
            for directory in sorted(packages):
                _check_directory(linter, directory, packages[directory], options, result)


@contextmanager
def _batch_collector() -> Iterator[None]:
    """Tune the cyclic garbage collector for one run.

    The analysis allocates many small objects (nodes, facts, contexts that point at
    each other), and with the default thresholds the collector runs full collections
    over everything alive, every imported module included, several times per run:
    about 9% of a large run. What is alive when the run starts (modules, rules,
    compiled queries) is moved out of the collector's view for the run (and, with
    forked workers, stays untouched in shared pages), and young collections run less
    often; cyclic garbage is still collected.
    """
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


PARALLEL_MIN_FILES = 40
"""Below this many files a worker pool costs more than it saves."""

_WORK: tuple[_Linters, dict[str, _Package], Options] | None = None
"""What forked workers inherit: set just before the pool starts."""


def _job_count(options: Options, packages: dict[str, _Package]) -> int:
    if options.jobs:
        return options.jobs
    files = sum(len(p.analysed) for p in packages.values())
    if files < PARALLEL_MIN_FILES:
        return 1
    import multiprocessing  # only large runs pay for it (pre-commit runs are small)

    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return min(os.cpu_count() or 1, 8)


def _largest_first(packages: dict[str, _Package]) -> list[list[str]]:
    """One batch per package, largest first: workers take the next batch as they
    finish, so a few heavy packages cannot leave one worker busy alone at the end."""
    weights = {d: sum(_size(p) for p in pkg.analysed) for d, pkg in packages.items()}
    return [[d] for d in sorted(packages, key=lambda d: (-weights[d], d))]


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def _in_workers(
    linter: _Linters, packages: dict[str, _Package], options: Options, batches: list[list[str]], jobs: int
) -> list[RunResult]:
    import concurrent.futures
    import concurrent.futures.process
    import multiprocessing

    global _WORK
    _WORK = (linter, packages, options)
    try:
        context = multiprocessing.get_context("fork")
        with concurrent.futures.ProcessPoolExecutor(min(jobs, len(batches)), mp_context=context) as pool:
            return list(pool.map(_check_batch, batches))
    except (OSError, concurrent.futures.process.BrokenProcessPool):
        result = RunResult()  # no workers to be had here: do it in this process
        for batch in batches:
            result.merge(_check_batch(batch))
        return [result]
    finally:
        _WORK = None


def _check_batch(batch: list[str]) -> RunResult:
    assert _WORK is not None, "workers inherit the run's state by fork"
    linter, packages, options = _WORK
    result = RunResult()
    for directory in batch:
        _check_directory(linter, directory, packages[directory], options, result)
    return result


class _Linters:
    """One ``Linter`` per distinct rule set (configuration selects rules per directory)."""

    def __init__(self, rules: Sequence[type[Rule]], config: Resolver | None) -> None:
        self.rules = tuple(rules)
        self.config = config
        self.cache: dict[tuple[type[Rule], ...], Linter] = {}

    def check(
        self, directory: str, sources: list[SourceFile], absolute: Sequence[str], siblings: Sequence[SourceFile], result: RunResult
    ) -> None:
        """Lint one package (``absolute``: the real paths of ``sources``) into ``result``."""
        settings: Settings | None = self.config.settings_for(directory) if self.config is not None else None
        rules = settings.rules if settings is not None else self.rules
        linter = self.cache.get(rules)
        if linter is None:
            linter = self.cache[rules] = Linter(rules)
        ignored = None
        if settings is not None and settings.per_file_ignores:
            ignored = {s.path: settings.ignored_codes(p) for s, p in zip(sources, absolute, strict=True)}
        outcome = linter.check_package(directory, sources, siblings, ignored)
        if settings is not None:
            settings.adjust(outcome.diagnostics)
            result.fail_on.update((s.path, settings.fail_on) for s in sources)
        result.files_checked += len(sources)
        result.keep(sources, outcome.diagnostics)
        result.internal_errors += outcome.internal_errors
        result.suppressed += outcome.suppressed


def _check_directory(linter: _Linters, directory: str, package: _Package, options: Options, result: RunResult) -> None:
    sources: list[SourceFile] = []
    absolute: list[str] = []
    for path in package.analysed:
        loaded = load_source(path, options)
        if isinstance(loaded, Notice):
            result.notices.append(loaded)
        elif (
            (package.whole_directory or options.force_exclude)
            and not options.include_generated
            and is_generated(loaded.data)
        ):
            continue
        else:
            sources.append(loaded)
            absolute.append(path)
    if not sources:
        return
    siblings = [] if package.whole_directory else _siblings(directory, package.analysed, options)
    linter.check(directory, sources, absolute, siblings, result)


def _check_stdin(linter: _Linters, data: bytes, filename: str, options: Options, result: RunResult) -> None:
    loaded = source_from_bytes(data, filename, options)
    if isinstance(loaded, Notice):
        result.notices.append(loaded)
        return
    directory = os.path.dirname(os.path.abspath(filename))
    siblings = _siblings(directory, [os.path.abspath(filename)], options)
    linter.check(directory, [loaded], [os.path.abspath(filename)], siblings, result)
