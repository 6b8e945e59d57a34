"""`rculab run`: the main job. Set up and build, describe this host
(hw-profiles/), run the `quick` sweep into a result set, print the comparison
table, draw the charts and the report, then the torture gate."""
from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path
from typing import List, Optional, Sequence

from lab.setup import core, provenance
from lab.records import reader
from lab.host import this_host
from lab.commands import crosscheck, options
from lab.commands.plot import PlotsUnavailable, draw, run_plots
from lab.base import paths
from lab.analysis import precision, summary
from lab.torture import gate
from lab.base.errors import LabError
from lab.setup.prepare import prepare
from lab.runner import sweep
from lab.spec import parse, plan as planning

HELP = "set up, build, profile this host, run the quick sweep (table, charts, report), torture gate"
DESCRIPTION = """\
Installs missing Debian packages (apt-get when root, else prints the command),
configures and builds the C++ side, then:
  1. the host profile: hw-profiles/<id>/ (kept if it exists; `rculab profile`);
  2. the `quick` sweep (every workload x backend, 1 reader / 1 updater) into
     results/<profile>/<set>/, one record per point;
  3. the comparison table (read cost vs `none` and vs the liburcu twin,
     synchronize p50/p99, call_rcu latency and reclaim rate);
  4. charts (results/<profile>/<set>/charts/) and the HTML report (report/);
  5. the torture gate: `rculab-core torture` on every backend safe for updates.
Exit 1 if a point failed or reported violations, or a backend failed the
torture gate."""


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("run", help=HELP, description=DESCRIPTION,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=options.seconds(options.BENCH_MAX_SECONDS), default=None, metavar="S",
                        help="measured window per point, seconds (default: the quick preset's)")
    parser.add_argument("--backends", type=options.name_list, default=None, metavar="A,B",
                        help="only these backends (default: every one rculab-core lists)")
    parser.add_argument("--seconds", type=options.seconds(options.CORE_MAX_SECONDS), default=2.0,
                        help="torture duration per backend (default: %(default)g)")
    parser.add_argument("--readers", type=options.whole_number(1, options.CORE_MAX_READERS), default=4,
                        help="reader threads per torture run (default: %(default)s)")
    parser.add_argument("--skip-torture", action="store_true", help="no torture gate")
    parser.add_argument("--skip-crosscheck", action="store_true",
                        help="no short crosscheck against the independent liburcu programs")
    parser.add_argument("--no-charts", action="store_true", help="no charts and no report")
    options.add_preset_flag(parser)
    parser.set_defaults(handler=main)


def main(args, extra: Sequence[str] = ()) -> int:
    prepare(args.preset)
    core_binary = core.require_core(args.preset)
    bench_binary = core.require_bench(args.preset)
    backends = chosen_backends(core.list_backends(core_binary), args.backends)
    profile_id = profile_section(args.preset)
    set_dir, bench_ok = sweep_section(bench_binary, backends, args.duration, profile_id)
    if not args.skip_crosscheck:
        crosscheck_section(args.preset)
    if not args.no_charts:
        charts_section(set_dir)
    torture_failed: List[str] = []
    if not args.skip_torture:
        print()
        torture_failed = gate.run_gate(core_binary, backends, args.seconds, args.readers)
    print()
    print(f"result set: {set_dir}")
    if not args.no_charts:
        print(f"charts:     {set_dir / 'charts'}")
        print(f"report:     {set_dir / 'report' / 'index.html'}")
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


def profile_section(build_preset: str) -> str:
    """This host's profile (written once, kept afterwards); its id names the set's
    folder. A profile that cannot be written is reported, and the run goes on."""
    from lab.commands import profile
    try:
        return profile.ensure_profile(build_preset)
    except LabError as err:
        print(f"rculab: warning: host profile not written: {err}", file=sys.stderr)
        return this_host.current_profile_id()


def quick_plan(bench: Path, backends: List[core.Backend], duration: Optional[float], env) -> dict:
    source = "preset quick"
    spec = parse.load(parse.preset_path("quick"), source)
    names = [b.name for b in backends if b.available]
    if not names:
        raise LabError("no available backend to benchmark")
    for group in spec["group"]:  # the preset's choice of backends, of those available (and asked for)
        group["backends"] = names if group["backends"] == "all" else [b for b in group["backends"] if b in names]
    spec["group"] = [group for group in spec["group"] if group["backends"]]
    if not spec["group"]:
        raise LabError("none of the backends asked for runs in the quick preset")
    if duration is not None:
        spec["duration"] = duration
    resolved = parse.resolve(spec, this_host.pu_count(), source, random.SystemRandom().randrange(2 ** 31))
    return planning.make_plan(resolved, planning.expand(resolved, bench, source, env), None)


def sweep_section(bench: Path, backends: List[core.Backend], duration: Optional[float],
                  profile_id: str):
    """Run the quick sweep, print the table; (set folder, no point failed or flagged)."""
    env = provenance.bench_env()
    the_plan = quick_plan(bench, backends, duration, env)
    spec = the_plan["spec"]
    print(f"quick sweep: {len(the_plan['points'])} points, {spec['duration']:g} s window "
          f"(+{spec['warmup']:g} s warm-up), estimated {planning.estimate_seconds(the_plan):.0f} s",
          flush=True)
    tool = {"rculab_commit": env.get(provenance.COMMIT_ENV), "bench_binary": str(bench)}
    outcome = sweep.start(the_plan, str(bench), paths.results_root(), profile_id, tool, env, precision.judge())
    points = list(reader.load_set(outcome.set_dir).points.values())
    notes = {b.name: f"skipped ({core.skip_reason(b)})" for b in backends if not b.available}
    rows = summary.summarize(points, [b.name for b in backends], notes)
    print()
    print(summary.format_summary(rows))
    print()
    print(summary.LEGEND)
    print()
    failed = [f"{p.key} ({(p.error or {}).get('reason', 'failed')})" for p in points if not p.ok]
    flagged = [r.backend for r in rows if r.flagged]
    if failed or flagged:
        print(f"quick sweep FAILED: {len(failed)} failed point(s)"
              + (f": {', '.join(failed[:5])}" + (" ..." if len(failed) > 5 else "") if failed else "")
              + (f"; violations on {', '.join(flagged)}" if flagged else ""))
    else:
        print(f"quick sweep OK: {len(points)} points, no violations")
    return outcome.set_dir, not failed and not flagged


def crosscheck_section(preset: str) -> None:
    """The short crosscheck: two flavors' read cost and call_rcu against the
    independent programs, one round. Its verdicts are printed, not fatal: one
    short round on a busy host can differ by chance; `rculab crosscheck`
    runs the full one."""
    print()
    try:
        checks = crosscheck.run_checks(preset, crosscheck.SHORT_FLAVORS, rounds=1, seconds=0.2)
    except LabError as err:
        print(f"crosscheck skipped: {err}", file=sys.stderr)
        return
    print(crosscheck.report(checks))
    differs = [c.what for c in checks if not c.agrees]
    print("crosscheck: the lab agrees with the independent programs" if not differs else
          f"crosscheck: DIFFERS for {', '.join(differs)} (one short round; ./rculab crosscheck runs three)")


def charts_section(set_dir: Path) -> None:
    """Charts and report for the set. Missing plotting packages are reported, not fatal:
    the numbers are already safe in the set."""
    try:
        print()
        draw([set_dir], set_dir / "charts")
        run_plots("report", str(set_dir))
    except PlotsUnavailable as err:
        print(f"charts and report skipped: {err}", file=sys.stderr)
