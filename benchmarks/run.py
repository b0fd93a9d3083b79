#!/usr/bin/env python3
"""Time wasm-go-lint on a corpus and compare it with a bare tree-sitter parse.

    python benchmarks/run.py [--corpus DIR] [--repeat N] [--json]

Generates the default corpus (``gen_corpus.py`` defaults) when DIR has no Go files,
then measures, ``--repeat`` times each (interleaved, after one untimed warm-up):

- the linter: ``wasm-go-lint check DIR --output-format json`` as a subprocess, output
  discarded, exit code 0 or 1 accepted; wall time and peak RSS;
- a bare parse: a fresh Python process that lists the same .go files, reads them and
  parses each once with tree_sitter + tree_sitter_go; its wall time (interpreter start
  included) and the time it measures itself for listing + reading + parsing.

Every process is started by a small measuring wrapper (another Python process), so
the wall clock starts just before the fork/exec and ends when the child is reaped, and
``getrusage(RUSAGE_CHILDREN).ru_maxrss`` in the wrapper is the peak RSS of that one
child. README.md in this folder explains each number.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DEFAULT_CORPUS = HERE / "corpus"
MB = 1_000_000
EXCLUDED_DIRS = ("vendor", "testdata", "node_modules")

# Runs one command, reaps it, and prints JSON with its wall time and peak RSS. The
# wrapper's only child is the measured process, so RUSAGE_CHILDREN is that process.
MEASURE = r"""
import json, resource, subprocess, sys, time
mode, cmd = sys.argv[1], sys.argv[2:]
out = subprocess.PIPE if mode == "capture" else subprocess.DEVNULL
start = time.perf_counter()
proc = subprocess.run(cmd, stdout=out, stderr=subprocess.PIPE)
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({
    "rc": proc.returncode,
    "wall": wall,
    "maxrss": usage.ru_maxrss,
    "user": usage.ru_utime,
    "sys": usage.ru_stime,
    "stdout": proc.stdout.decode("utf-8", "replace") if mode == "capture" else "",
    "stderr": proc.stderr.decode("utf-8", "replace")[-4000:],
}))
"""

# The bare parse: the same file discovery as the linter (no _test.go, no vendor/,
# testdata/, node_modules/, hidden or _-prefixed directories), one Parser, each file
# read and parsed once. Times itself from after the imports to the last parse.
BARE_PARSE = r"""
import json, os, sys, time
t_start = time.perf_counter()
import tree_sitter_go
from tree_sitter import Language, Parser
parser = Parser(Language(tree_sitter_go.language()))
t_ready = time.perf_counter()
excluded = set(sys.argv[2].split(","))
files = []
for directory, dirnames, filenames in os.walk(sys.argv[1]):
    dirnames[:] = sorted(d for d in dirnames if not d.startswith((".", "_")) and d not in excluded)
    files += [os.path.join(directory, f) for f in sorted(filenames)
              if f.endswith(".go") and not f.endswith("_test.go")]
total = errors = 0
for path in files:
    with open(path, "rb") as handle:
        data = handle.read()
    total += len(data)
    errors += parser.parse(data).root_node.has_error
t_done = time.perf_counter()
print(json.dumps({"files": len(files), "bytes": total, "in_process": t_done - t_ready,
                  "setup": t_ready - t_start, "files_with_errors": errors,
                  "packages": len({os.path.dirname(f) for f in files})}))
"""


@dataclass
class Sample:
    wall: float
    maxrss_bytes: int
    cpu: float
    rc: int
    stdout: str = ""
    stderr: str = ""


@dataclass
class Series:
    samples: list[Sample] = field(default_factory=list)
    extra: list[dict[str, Any]] = field(default_factory=list)

    def walls(self) -> list[float]:
        return [s.wall for s in self.samples]


_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
"""Both commands run as installed code does: with cached bytecode, not recompiling
every module on each start (some sandboxes set PYTHONDONTWRITEBYTECODE)."""


def measure(cmd: list[str], capture: bool = False) -> Sample:
    wrapper = [sys.executable, "-c", MEASURE, "capture" if capture else "discard", *cmd]
    done = subprocess.run(wrapper, capture_output=True, text=True, check=True, env=_ENV)
    data = json.loads(done.stdout)
    # ru_maxrss is in KiB on Linux and in bytes on macOS.
    scale = 1 if sys.platform == "darwin" else 1024
    return Sample(data["wall"], data["maxrss"] * scale, data["user"] + data["sys"], data["rc"],
                  data["stdout"], data["stderr"])


def stats(values: list[float]) -> dict[str, Any]:
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "runs": [round(v, 4) for v in values],
    }


def script_python(script: str) -> str | None:
    """The interpreter named in a console script's shebang, if it exists."""
    try:
        with open(script, "rb") as handle:
            first = handle.readline().decode("utf-8", "replace").strip()
    except OSError:
        return None
    if not first.startswith("#!"):
        return None
    parts = shlex.split(first[2:])
    if parts and "python" in os.path.basename(parts[0]) and os.path.exists(parts[0]):
        return parts[0]
    return None


def default_linter() -> list[str]:
    beside = Path(sys.executable).parent / "wasm-go-lint"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("wasm-go-lint")
    if found:
        return [found]
    return [sys.executable, "-m", "linter"]


def ensure_corpus(corpus: Path, quiet: bool) -> None:
    if corpus.is_dir() and any(corpus.rglob("*.go")):
        return
    log(f"no Go files in {corpus}: generating the default corpus", quiet)
    subprocess.run([sys.executable, str(HERE / "gen_corpus.py"), "--out", str(corpus), "-q"], check=True)


def log(message: str, quiet: bool) -> None:
    if not quiet:
        print(message, file=sys.stderr, flush=True)


def check_linter(sample: Sample, cmd: list[str]) -> None:
    if sample.rc not in (0, 1):
        sys.exit(f"linter exited with {sample.rc}: {shlex.join(cmd)}\n{sample.stderr}")


def versions() -> dict[str, str]:
    found = {}
    for dist in ("wasm-go-lint", "tree-sitter", "tree-sitter-go"):
        try:
            found[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            found[dist] = "not installed here"
    return found


def git_commit() -> str | None:
    try:
        head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--", "linter", "rules"],
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + ("+dirty" if dirty else "")


def run(args: argparse.Namespace) -> dict[str, Any]:
    corpus: Path = args.corpus.resolve()
    ensure_corpus(corpus, args.json)
    linter_cmd = shlex.split(args.linter) if args.linter else default_linter()
    lint = [*linter_cmd, "check", str(corpus), "--output-format", "json"]
    if args.select:
        lint += ["--select", args.select]
    python = args.python or script_python(linter_cmd[0]) or sys.executable
    parse = [python, "-c", BARE_PARSE, str(corpus), ",".join(EXCLUDED_DIRS)]

    log(f"warm-up: {shlex.join(lint)}", args.json)
    warm = measure(lint, capture=True)
    check_linter(warm, lint)
    findings: Counter[str] = Counter(d["code"] for d in json.loads(warm.stdout or "[]"))
    warm_parse = measure(parse, capture=True)
    if warm_parse.rc != 0:
        sys.exit(f"bare parse failed with {warm_parse.rc}: {warm_parse.stderr}")
    corpus_info = json.loads(warm_parse.stdout)

    linter, bare, startup = Series(), Series(), Series()
    with tempfile.TemporaryDirectory(prefix="wgl-empty-") as empty:
        idle = [*linter_cmd, "check", empty, "--output-format", "json"]
        for i in range(args.repeat):
            log(f"run {i + 1}/{args.repeat}", args.json)
            sample = measure(idle)
            check_linter(sample, idle)
            startup.samples.append(sample)
            sample = measure(lint)
            check_linter(sample, lint)
            linter.samples.append(sample)
            sample = measure(parse, capture=True)
            if sample.rc != 0:
                sys.exit(f"bare parse failed with {sample.rc}: {sample.stderr}")
            bare.samples.append(sample)
            bare.extra.append(json.loads(sample.stdout))
    per_rule = rule_costs(linter_cmd, lint, args) if args.per_rule else None

    lint_wall = statistics.median(linter.walls())
    parse_wall = statistics.median(bare.walls())
    in_process = [e["in_process"] for e in bare.extra]
    parse_in = statistics.median(in_process)
    files, size = corpus_info["files"], corpus_info["bytes"]
    return {
        "corpus": {
            "path": str(corpus),
            "files": files,
            "bytes": size,
            "mb": round(size / MB, 3),
            "packages": corpus_info["packages"],
            "files_with_syntax_errors": corpus_info["files_with_errors"],
        },
        "repeat": args.repeat,
        "linter": {
            "command": lint,
            "wall_s": stats(linter.walls()),
            "cpu_s_median": statistics.median(s.cpu for s in linter.samples),
            "peak_rss_mib": round(max(s.maxrss_bytes for s in linter.samples) / 2**20, 1),
            "exit_codes": sorted({s.rc for s in linter.samples}),
            "startup_s": stats(startup.walls()),
        },
        "bare_parse": {
            "python": python,
            "wall_s": stats(bare.walls()),
            "in_process_s": stats(in_process),
            "setup_s_median": statistics.median(e["setup"] for e in bare.extra),
            "peak_rss_mib": round(max(s.maxrss_bytes for s in bare.samples) / 2**20, 1),
        },
        "ratios": {
            "linter_wall_over_parse_wall": lint_wall / parse_wall,
            "linter_wall_over_parse_in_process": lint_wall / parse_in,
        },
        "throughput": {"files_per_s": files / lint_wall, "mb_per_s": size / MB / lint_wall},
        "findings": {"total": sum(findings.values()), "by_code": dict(sorted(findings.items()))},
        "per_rule": per_rule,
        "environment": {
            "python": platform.python_version(),
            "implementation": platform.python_implementation(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "versions": versions(),
            "git": git_commit(),
        },
    }


def rule_costs(linter_cmd: list[str], lint: list[str], args: argparse.Namespace) -> dict[str, Any]:
    """Median wall time with only one rule selected, for every rule.

    ``--select WG000`` is the floor: discovery, reading, parsing and the import
    model, with the shared walk skipped when no selected rule subscribes to nodes.
    Model work that several rules share (local types, the lifecycle analysis) is paid
    in full by each of them when it runs alone, so the extra costs do not add up to
    the all-rules time.
    """
    listing = subprocess.run([*linter_cmd, "rules", "--format", "json"], capture_output=True, text=True, check=True)
    codes = [r["code"] for r in json.loads(listing.stdout)]
    walls: dict[str, float] = {}
    for code in codes:
        cmd = [*lint, "--select", code]
        log(f"per-rule: {code}", args.json)
        runs = []
        for _ in range(args.repeat):
            sample = measure(cmd)
            check_linter(sample, cmd)
            runs.append(sample.wall)
        walls[code] = statistics.median(runs)
    floor = walls.get("WG000", min(walls.values()))
    return {
        "floor_code": "WG000",
        "floor_s": floor,
        "rules": {code: {"wall_s": wall, "over_floor_s": wall - floor} for code, wall in walls.items()},
    }


def table(r: dict[str, Any]) -> str:
    c, lt, bp = r["corpus"], r["linter"], r["bare_parse"]

    def span(s: dict[str, Any]) -> str:
        return f"{s['median']:8.3f} s   ({s['min']:.3f}-{s['max']:.3f})"

    by_code = ", ".join(f"{k} {v}" for k, v in r["findings"]["by_code"].items()) or "none"
    rows = [
        ("linter wall (process, incl. start-up)", span(lt["wall_s"])),
        ("linter start-up (empty directory)", span(lt["startup_s"])),
        ("bare parse wall (process, incl. start-up)", span(bp["wall_s"])),
        ("bare parse in-process (list+read+parse)", span(bp["in_process_s"])),
        ("ratio linter wall / bare-parse wall", f"{r['ratios']['linter_wall_over_parse_wall']:8.2f} x"),
        ("ratio linter wall / in-process parse", f"{r['ratios']['linter_wall_over_parse_in_process']:8.2f} x"),
        ("linter throughput", f"{r['throughput']['files_per_s']:8.1f} files/s, {r['throughput']['mb_per_s']:.2f} MB/s"),
        ("linter CPU time (user+sys)", f"{lt['cpu_s_median']:8.3f} s"),
        ("linter peak RSS", f"{lt['peak_rss_mib']:8.1f} MiB"),
        ("bare parse peak RSS", f"{bp['peak_rss_mib']:8.1f} MiB"),
        ("findings (warm-up run)", f"{r['findings']['total']:8d}   ({by_code})"),
    ]
    width = max(len(k) for k, _ in rows)
    head = (f"wasm-go-lint benchmark: {c['path']}\n"
            f"{c['files']} files, {c['mb']:.2f} MB, {c['packages']} packages; "
            f"median of {r['repeat']} runs (min-max); git {r['environment']['git']}, "
            f"Python {r['environment']['python']}, {r['environment']['cpus']} CPUs")
    lines = [head, "-" * len(head.splitlines()[-1])]
    lines += [f"{k.ljust(width)}  {v}" for k, v in rows]
    if r.get("per_rule"):
        pr = r["per_rule"]
        lines += ["", f"one rule at a time (--select CODE), median wall; floor = --select WG000 = {pr['floor_s']:.3f} s"]
        ranked = sorted(pr["rules"].items(), key=lambda kv: -kv[1]["wall_s"])
        lines += [f"  {code}  {v['wall_s']:7.3f} s   +{v['over_floor_s']:6.3f} s over floor" for code, v in ranked]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Benchmark wasm-go-lint against a bare tree-sitter parse.")
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS,
                    help="directory of Go files (default: benchmarks/corpus, generated when missing)")
    ap.add_argument("--repeat", type=int, default=5, help="timed runs of each command (default 5)")
    ap.add_argument("--json", action="store_true", help="print machine-readable results instead of the table")
    ap.add_argument("--linter", help="linter command (default: wasm-go-lint beside this Python, or on PATH)")
    ap.add_argument("--select", help="rules to run (the check command's --select), e.g. a set of issue's rules")
    ap.add_argument("--python", help="interpreter for the bare parse (default: the linter's own interpreter)")
    ap.add_argument("--per-rule", action="store_true",
                    help="also time the linter with one rule selected at a time (repeat runs per rule)")
    args = ap.parse_args(argv)
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")
    results = run(args)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
