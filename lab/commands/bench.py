"""`rculab bench`: the Google Benchmark driver rculab-bench, every flag
forwarded; the console shows the lab's columns per point (raw: --raw)."""
from __future__ import annotations

import argparse
from typing import Sequence

from lab.analysis import bench_console
from lab.setup import core, provenance
from lab.commands import options
from lab.base import proc
from lab.setup.prepare import prepare

USAGE = "rculab bench [-h] [--preset P] [--raw] [rculab-bench flags...]"
HELP = "run the micro-benchmarks (forwards every flag but --preset/--raw to rculab-bench)"
EPILOG = """\
flags forwarded to rculab-bench unchanged (it validates them; bad ones exit 2):
  Google Benchmark's: --benchmark_filter=REGEX, --benchmark_repetitions=N,
    --benchmark_out=FILE --benchmark_out_format=json, --benchmark_format=console|json,
    --benchmark_list_tests, ...
  the lab's: --backends=a,b  --readers=1,2  --updaters=1,2  --duration=S  --warmup=S
    --placement=compact|scatter|cores|smt  --reader_placement=P  --updater_placement=P
    --worker_placement=P  --tolerate_bind_failure  --smoke  --list_counters
The console shows one progress line per point, then one table: the point, its
rate (reads/s, updates/s, syncs/s or callbacks/s from the raw counters), the rate
relative to `none` and to the liburcu twin at the same parameters, latency p50 and
p99, violations. --raw (or --benchmark_format=..., --benchmark_list_tests,
--list_counters, --help) shows rculab-bench's own console instead.
RCULAB_COMMIT is set to `git rev-parse --short=12 HEAD` (+ -dirty) for the JSON
context. The exit status is rculab-bench's.
example: rculab bench --smoke --backends=qsbr,urcu-qsbr,none"""


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("bench", help=HELP, usage=USAGE, description=HELP + ".", epilog=EPILOG,
                                   formatter_class=argparse.RawDescriptionHelpFormatter, allow_abbrev=False)
    options.add_preset_flag(parser)
    parser.add_argument("--raw", action="store_true", help="rculab-bench's own console output")
    parser.set_defaults(handler=main, passes_extra_args=True)


def main(args, extra: Sequence[str] = ()) -> int:
    prepare(args.preset)
    binary = core.require_bench(args.preset)
    env = provenance.bench_env()
    if args.raw or bench_console.wants_raw(extra):
        return proc.run([str(binary), *extra], env=env)
    return bench_console.run(binary, extra, env)
