"""`rculab bench`: the Google Benchmark driver rculab-bench, every flag forwarded."""
from __future__ import annotations

from lab import core, provenance
from lab.forward import add_forwarding_parser

USAGE = "rculab bench [-h] [--preset P] [rculab-bench flags...]"
HELP = "run the micro-benchmarks (forwards every flag but --preset to rculab-bench)"
EPILOG = """\
flags forwarded to rculab-bench unchanged (it validates them; bad ones exit 2):
  Google Benchmark's: --benchmark_filter=REGEX, --benchmark_repetitions=N,
    --benchmark_out=FILE --benchmark_out_format=json, --benchmark_format=console|json,
    --benchmark_list_tests, ...
  the lab's: --backends=a,b  --readers=1,2  --updaters=1,2  --duration=S  --warmup=S
    --placement=compact|scatter|cores|smt  --reader_placement=P  --updater_placement=P
    --worker_placement=P  --tolerate_bind_failure  --smoke  --list_counters
RCULAB_COMMIT is set to `git rev-parse --short=12 HEAD` (+ -dirty) for the JSON
context. The exit status is rculab-bench's.
example: rculab bench --smoke --backends=qsbr --benchmark_format=json"""


def add_parser(subparsers) -> None:
    add_forwarding_parser(subparsers, "bench", USAGE, HELP, EPILOG, require=core.require_bench,
                          leading=(), env=provenance.bench_env)
