"""`rculab run`: set up, build, a short micro-benchmark pass over every backend
(one comparison table), then the torture gate (a second, shorter table)."""
from __future__ import annotations

import argparse
from typing import Dict, List, Optional, Sequence

from lab import bench_pass, core, gbjson, options, paths, provenance, results, summary, torture_gate
from lab.errors import LabError
from lab.prepare import prepare

HELP = "set up, build (release), benchmark every backend briefly, then run the torture gate"
DESCRIPTION = """\
Installs missing Debian packages (apt-get when root, else prints the command),
configures and builds the C++ side, then:
  1. micro-benchmarks: rculab-bench once per available backend (read_cost with
     1 reader, gp_latency with 1 reader + 1 updater, call_rcu with 1 updater),
     one comparison table; the raw Google Benchmark JSON goes to
     results/runs/<UTC timestamp>/bench.json;
  2. the torture gate: `rculab-core torture` briefly on every available backend
     that is safe for updates, one table.
Exit 1 if a benchmark reported violations or failed, or a backend failed the
torture gate."""

BENCH_FILE = "bench.json"


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("run", help=HELP, description=DESCRIPTION,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=options.positive_float, default=0.2, metavar="S",
                        help="measured window per benchmark, seconds (default: %(default)g)")
    parser.add_argument("--backends", type=options.name_list, default=None, metavar="A,B",
                        help="only these backends (default: every one rculab-core lists)")
    parser.add_argument("--seconds", type=options.positive_float, default=2.0,
                        help="torture duration per backend (default: %(default)g)")
    parser.add_argument("--readers", type=options.positive_int, default=4,
                        help="reader threads per torture run (default: %(default)s)")
    parser.add_argument("--skip-torture", action="store_true", help="only the micro-benchmarks")
    options.add_preset_flag(parser)
    parser.set_defaults(handler=main)


def main(args, extra: Sequence[str] = ()) -> int:
    prepare(args.preset)
    core_binary = core.require_core(args.preset)
    bench_binary = core.require_bench(args.preset)
    backends = chosen_backends(core.list_backends(core_binary), args.backends)
    bench_ok = benchmark_section(bench_binary, backends, args.duration)
    torture_failed: List[str] = []
    if not args.skip_torture:
        print()
        torture_failed = torture_gate.run_gate(core_binary, backends, args.seconds, args.readers)
    return 0 if bench_ok and not torture_failed else 1


def chosen_backends(listed: List[core.Backend], wanted: Optional[List[str]]) -> List[core.Backend]:
    """The listing, or the named subset of it (in listing order)."""
    if wanted is None:
        return listed
    names = [b.name for b in listed]
    unknown = [name for name in wanted if name not in names]
    if unknown:
        raise LabError(f"--backends: unknown backend '{unknown[0]}' (one of: {', '.join(names)})",
                       exit_code=2)
    return [b for b in listed if b.name in wanted]


def benchmark_section(binary, backends: List[core.Backend], duration: float) -> bool:
    """Run the pass, print its table and where the JSON went; False if a backend
    failed (no result, or violations) or the JSON could not be saved."""
    outcomes = run_pass(binary, backends, duration)
    doc = bench_pass.merged_document(outcomes)
    recs = gbjson.records(doc) if doc else []
    notes = notes_for(backends, outcomes)
    rows = summary.summarize(recs, [b.name for b in backends], notes)
    print()
    print(summary.format_summary(rows))
    print()
    print(summary.LEGEND)
    print()
    saved = True
    if doc is not None:
        try:
            print(f"raw Google Benchmark JSON: {save(doc)}")
        except (LabError, OSError) as err:  # report it, and still run the torture gate
            print(f"raw Google Benchmark JSON NOT saved: {err}")
            saved = False
    failed = [o.backend for o in outcomes if not o.ok]
    failed += [s.backend for s in rows if s.flagged and s.backend not in failed]
    print(bench_summary(rows, outcomes, failed))
    return saved and not failed


def run_pass(binary, backends: List[core.Backend], duration: float) -> List[bench_pass.PassOutcome]:
    print(f"micro-benchmarks: {', '.join(bench_pass.WORKLOADS)}; 1 reader, 1 updater; "
          f"{duration:g} s window (+{bench_pass.WARMUP_SECONDS:g} s warm-up) per benchmark")
    env = provenance.bench_env()
    outcomes = []
    for index, backend in enumerate(backends, start=1):
        prefix = torture_gate.progress_prefix(index, len(backends), backend.name)
        if not backend.available:
            print(f"{prefix} skipped (not available in this build)", flush=True)
            continue
        print(f"{prefix} running...", end="", flush=True)
        outcome = bench_pass.run_backend(binary, backend.name, duration, env)
        outcomes.append(outcome)
        print(" " + progress_result(outcome), flush=True)
    return outcomes


def progress_result(outcome: bench_pass.PassOutcome) -> str:
    if not outcome.ok:
        return f"{outcome.status} in {outcome.seconds:.1f} s ({outcome.detail})"
    recs = gbjson.records(outcome.doc)
    found = summary.violations(recs, outcome.backend)
    text = f"{len(recs)} benchmark{'' if len(recs) == 1 else 's'} in {outcome.seconds:.1f} s"
    return text + (f", {found} VIOLATIONS" if found else "")


def notes_for(backends: List[core.Backend], outcomes: List[bench_pass.PassOutcome]) -> Dict[str, str]:
    notes = {b.name: "skipped (not available in this build)" for b in backends if not b.available}
    for outcome in outcomes:
        if not outcome.ok:
            notes[outcome.backend] = f"{outcome.status}: {outcome.detail}"
    return notes


def save(doc: dict) -> str:
    run_dir = results.new_run_dir(paths.RUNS_ROOT)
    path = run_dir / BENCH_FILE
    results.write_new_json(path, doc)
    return str(path)


def bench_summary(rows, outcomes, failed: List[str]) -> str:
    ran = len(outcomes)
    skipped = len(rows) - ran
    if not failed:
        return f"micro-benchmarks OK on all {ran} backends run ({skipped} skipped), no violations"
    reasons = []
    by_name = {o.backend: o for o in outcomes}
    for s in rows:
        if s.backend not in failed:
            continue
        outcome = by_name.get(s.backend)
        if outcome is not None and not outcome.ok:
            reasons.append(f"{s.backend} ({outcome.status})")
        else:
            reasons.append(f"{s.backend} ({s.violations} violations)")
    return f"micro-benchmarks FAILED on {len(failed)} of {ran} backends run: {', '.join(reasons)}"
