"""Fixture cases with a ``.golden`` sibling: applying every fix gives exactly the golden.

``fixtures/WG201/counters.go`` + ``fixtures/WG201/counters.go.golden`` (or, in a
multi-file case, ``fixtures/WGxxx/case/main.go.golden``): all fixes, safe and unsafe,
are applied with the same merge and re-lint rounds as ``--fix --unsafe-fixes``. The
golden must then be stable: fixing it again changes nothing (idempotence).

To create or refresh a golden after checking the fix by hand:
``python -m tests.test_fix_goldens --write fixtures/WG201/counters.go``.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import pytest

from linter.diagnostics import Diagnostic
from linter.fix import FileFixes, fix_file
from tests.fixture_harness import FIXTURES, case_files, case_paths, lint_case


def golden_of(path: Path) -> Path:
    return path.with_name(path.name + ".golden")


def golden_cases() -> list[tuple[Path, Path]]:
    return [(case, path) for case in case_paths() for path in case_files(case) if golden_of(path).exists()]


def fix_fixture(case: Path, target: Path, data: bytes | None = None) -> FileFixes:
    """Apply every fix (safe and unsafe) to ``target`` of ``case``, in memory.

    The case is linted exactly as the fixture test lints it (``lint_case``: its
    configuration, suppressions and all rules), on a temporary copy that holds the
    content of each round.
    """
    data = target.read_bytes() if data is None else data
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / case.name
        if case.is_dir():
            shutil.copytree(case, copy)
            copied_target = copy / target.name
        else:
            copied_target = copy
        path = str(copied_target)

        def lint(content: bytes) -> list[Diagnostic]:
            copied_target.write_bytes(content)
            return [d for d in lint_case(copy) if d.path == path]

        fixed = fix_file(path, data, lint(data), lambda _path, new: lint(new), unsafe=True)
    return fixed


CASES = golden_cases()
IDS = [str(path.relative_to(FIXTURES)) for _, path in CASES]


def test_there_are_golden_cases() -> None:
    codes = {path.relative_to(FIXTURES).parts[0] for _, path in CASES}
    assert "WG201" in codes


@pytest.mark.parametrize(("case", "target"), CASES, ids=IDS)
def test_fixes_give_the_golden(case: Path, target: Path) -> None:
    fixed = fix_fixture(case, target)
    assert not fixed.refused, [r.one_line() for r in fixed.refused]
    assert fixed.applied, f"{target.name}: no fix was applied, but it has a golden"
    expected = golden_of(target).read_bytes()
    assert fixed.fixed.decode() == expected.decode(), (
        f"fixing {target.relative_to(FIXTURES)} does not give its golden; if the new output is right, run "
        f"python -m tests.test_fix_goldens --write {target.relative_to(FIXTURES.parent)}"
    )


@pytest.mark.parametrize(("case", "target"), CASES, ids=IDS)
def test_golden_is_a_fixed_point(case: Path, target: Path) -> None:
    golden = golden_of(target).read_bytes()
    again = fix_fixture(case, target, golden)
    assert again.fixed == golden
    assert not again.applied, [f"{d.code} {d.message}" for d in again.applied]


if __name__ == "__main__":  # python -m tests.test_fix_goldens --write fixtures/WGxxx/case.go ...
    if sys.argv[1:2] != ["--write"] or len(sys.argv) < 3:
        sys.exit("usage: python -m tests.test_fix_goldens --write FIXTURE.go ...")
    for name in sys.argv[2:]:
        path = Path(name).resolve()
        case = path.parent if path.parent.parent != FIXTURES else path
        result = fix_fixture(case, path)
        golden_of(path).write_bytes(result.fixed)
        print(f"wrote {golden_of(path)} ({len(result.applied)} fixes, {len(result.refused)} refused)")
