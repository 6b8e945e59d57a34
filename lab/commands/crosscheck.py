"""`rculab crosscheck`: the lab's read cost and call_rcu figures beside small
independent programs that use liburcu alone (bench/minimal/), interleaved,
with a verdict per figure (lab/analysis/crosscheck.py). `rculab run` runs
its short form."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import List, Sequence

from lab.analysis import crosscheck
from lab.base import paths
from lab.base.errors import LabError
from lab.base.table import format_table
from lab.commands import options
from lab.setup import core
from lab.setup.prepare import prepare

HELP = "hold the lab's figures against independent liburcu programs (bare read loops, a minimal call_rcu loop)"
FLAVORS = ("qsbr", "mb", "memb", "signal", "bp")
SHORT_FLAVORS = ("qsbr", "memb")


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("crosscheck", help=HELP, description=HELP + (
        ": per liburcu flavor, read_cost/backend:urcu-F/readers:1 against the bare loop a user would write "
        "(rculab-minimal-read-F); call_rcu/backend:urcu-memb with 1 reader and 1 updater flat out against "
        "rculab-minimal-callrcu (workers unpinned in both). Interleaved rounds; a figure agrees when the "
        "medians differ by at most 20% or by less than the lab resolves. Exit 1 if any DIFFERS."))
    parser.add_argument("--rounds", type=options.whole_number(1, 100), default=3, metavar="N",
                        help="interleaved rounds of lab and yardstick (default 3)")
    parser.add_argument("--seconds", type=options.seconds(60), default=0.3, metavar="S",
                        help="measured time per run (default 0.3)")
    options.add_preset_flag(parser)
    parser.set_defaults(handler=main)


def run_json(cmd: List[str]) -> dict:
    done = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        raise LabError(f"{Path(cmd[0]).name} failed: {(done.stderr.strip().splitlines() or ['no output'])[-1]}")
    return json.loads(done.stdout)


def run_words(cmd: List[str]) -> dict:
    """`key value key value ...` output of the minimal programs."""
    done = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    words = done.stdout.split()
    if done.returncode != 0 or len(words) % 2:
        raise LabError(f"{Path(cmd[0]).name} failed: {(done.stderr.strip().splitlines() or ['no output'])[-1]}")
    return {k: float(v) for k, v in zip(words[::2], words[1::2])}


def lab_row(bench: Path, pattern: str, seconds: float, extra: Sequence[str] = ()) -> dict:
    rows = run_json([str(bench), f"--benchmark_filter={pattern}", "--readers=1", "--updaters=1",
                     f"--duration={seconds:g}", "--worker_placement=free", "--benchmark_format=json", *extra])
    found = [r for r in rows["benchmarks"] if r.get("run_type", "iteration") == "iteration"]
    if len(found) != 1 or found[0].get("error_occurred"):
        raise LabError(f"rculab-bench: {pattern} ran {len(found)} points")
    return found[0]


def read_check(bench: Path, build: Path, flavor: str, rounds: int, seconds: float) -> crosscheck.Check:
    bare = build / f"rculab-minimal-read-{flavor}"
    if not bare.is_file():
        raise LabError(f"{bare} is missing; build it with: ./rculab setup")
    lab, yardstick, ticks = [], [], []
    for _ in range(rounds):
        row = lab_row(bench, f"^read_cost/backend:urcu-{flavor}/readers:1/", seconds)
        lab.append(row["wall_ns"] * row["reader_threads"] / row["reader_ops"])
        ticks.append(row.get("tsc_per_ns", 0))
        yardstick.append(run_words([str(bare), f"{seconds:g}"])["ns_per_section"])
    resolution = 1 / max(ticks) if max(ticks) > 0 else None
    return crosscheck.Check(f"read_cost urcu-{flavor}, 1 reader", "ns", lab, yardstick, resolution)


def call_rcu_check(bench: Path, build: Path, rounds: int, seconds: float) -> crosscheck.Check:
    minimal = build / "rculab-minimal-callrcu"
    lab, yardstick = [], []
    for _ in range(rounds):
        row = lab_row(bench, "^call_rcu/backend:urcu-memb/readers:1/updaters:1/interval_ns:0/", seconds)
        lab.append(row["cb_invoked_window"] / row["wall_ns"] * 1e9 / 1e6)
        yardstick.append(run_words([str(minimal), "1", f"{seconds:g}", "1"])["callbacks/s"] / 1e6)
    return crosscheck.Check("call_rcu urcu-memb, 1 updater flat out", "M/s", lab, yardstick)


def run_checks(preset: str, flavors: Sequence[str], rounds: int, seconds: float) -> List[crosscheck.Check]:
    bench = core.require_bench(preset)
    build = paths.build_dir(preset)
    checks = [read_check(bench, build, f, rounds, seconds) for f in flavors]
    return checks + [call_rcu_check(bench, build, rounds, seconds)]


def report(checks: List[crosscheck.Check]) -> str:
    return format_table(crosscheck.HEADERS, crosscheck.table_rows(checks), right_aligned=range(1, 5))


def main(args, extra: Sequence[str] = ()) -> int:
    prepare(args.preset)
    checks = run_checks(args.preset, FLAVORS, args.rounds, args.seconds)
    print(report(checks))
    differs = [c.what for c in checks if not c.agrees]
    print(f"crosscheck: {len(checks) - len(differs)} of {len(checks)} agree"
          + (f"; DIFFERS: {', '.join(differs)}" if differs else ""))
    return 1 if differs else 0
