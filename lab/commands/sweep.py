"""`rculab sweep`: a preset or TOML spec -> a plan of exact benchmark points ->
the runner, one rculab-bench process per point, into results/<profile>/<set>/."""
from __future__ import annotations

import argparse
import random
import re
from pathlib import Path
from typing import Sequence

from lab.setup import core, provenance
from lab.host import this_host
from lab.commands import options
from lab.base import paths
from lab.records import results
from lab.base.errors import LabError
from lab.setup.prepare import prepare
from lab.records.sets import find_set
from lab.analysis import precision
from lab.runner import sweep
from lab.spec import parse, plan as planning

HELP = "run a sweep (preset or TOML spec) point by point into a result set"
DESCRIPTION = """\
Expands a preset (lab/presets/*.toml) or a TOML spec into the exact benchmark
names rculab-bench lists, then runs each point as its own rculab-bench process
(randomized order, seed recorded) into results/<profile-id>/<set-id>/: the
manifest first, then one record per point, each written atomically (see
lab/RECORDS.md). Failed points are recorded with status failed. Ctrl-C or a
kill leaves a consistent set; --resume SET runs exactly the missing points.
Exit 0: every point ok; 1: some point failed; 2: bad input."""
SHARD = re.compile(r"(\d+)/(\d+)")


def shard(text: str) -> dict:
    match = SHARD.fullmatch(text)
    if not match or not 1 <= int(match.group(1)) <= int(match.group(2)):
        raise argparse.ArgumentTypeError(f"expected i/N with 1 <= i <= N, got {text!r}")
    return {"index": int(match.group(1)), "count": int(match.group(2))}


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("sweep", help=HELP, description=DESCRIPTION,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--preset", metavar="NAME", help=f"a shipped spec: {', '.join(parse.preset_names())}")
    what.add_argument("--spec", type=Path, metavar="FILE", help="a TOML spec (see lab/spec/parse.py)")
    what.add_argument("--resume", metavar="SET", help="run the missing points of a set (id or path)")
    parser.add_argument("--dry-run", action="store_true",
                        help="print the number of points and an estimated time; write nothing")
    parser.add_argument("--shard", type=shard, metavar="i/N", help="only shard i of N (round-robin by key)")
    parser.add_argument("--seed", type=options.whole_number(0), help="run-order seed (default: the spec's, else random)")
    parser.add_argument("--pus", type=options.positive_int, metavar="N",
                        help="plan for a host with N PUs (default: host profile, else this process's CPUs)")
    parser.add_argument("--plan-out", type=Path, metavar="FILE",
                        help="write the resolved plan (JSON, for `python3 -m lab.runner run`) and stop")
    parser.add_argument("--retry-failed", action="store_true",
                        help="with --resume: also re-run failed points (old records go to points/.superseded/)")
    parser.add_argument("--build-preset", choices=paths.PRESETS, default=paths.DEFAULT_PRESET,
                        help="CMake preset whose rculab-bench runs (default: %(default)s)")
    parser.set_defaults(handler=main)


def main(args, extra: Sequence[str] = ()) -> int:
    if args.resume:
        return resume(args)
    if args.retry_failed:
        raise LabError("--retry-failed goes with --resume SET", exit_code=2)
    if args.preset:
        spec_path, source = parse.preset_path(args.preset), f"preset {args.preset}"
    else:
        spec_path, source = args.spec, str(args.spec)
    spec = parse.load(spec_path, source)
    pus = args.pus or this_host.pu_count()
    run_seed = next(s for s in (args.seed, spec["seed"], random.SystemRandom().randrange(2 ** 31)) if s is not None)
    resolved = parse.resolve(spec, pus, source, run_seed)
    prepare(args.build_preset)
    bench = core.require_bench(args.build_preset)
    env = provenance.bench_env()
    plan = planning.make_plan(resolved, planning.expand(resolved, bench, source, env), args.shard)
    if args.dry_run:
        print(dry_run_text(plan))
        return 0
    if args.plan_out:
        results.write_new_json(args.plan_out, plan)
        print(f"plan: {len(plan['points'])} points written to {args.plan_out}")
        return 0
    if not plan["points"]:
        raise LabError(f"shard {args.shard['index']}/{args.shard['count']} has no points "
                       f"(the sweep has fewer points than shards)")
    tool = {"rculab_commit": env.get(provenance.COMMIT_ENV), "bench_binary": str(bench)}
    return sweep.start(plan, str(bench), paths.results_root(), this_host.current_profile_id(), tool, env,
                       precision.judge()).exit_status


def resume(args) -> int:
    for flag in ("dry_run", "shard", "seed", "pus", "plan_out"):
        if getattr(args, flag):
            raise LabError(f"--{flag.replace('_', '-')} cannot be combined with --resume "
                           "(a set keeps the plan it was started with)", exit_code=2)
    set_dir = find_set(args.resume)
    prepare(args.build_preset)
    bench = core.require_bench(args.build_preset)
    return sweep.resume(set_dir, str(bench), provenance.bench_env(), args.retry_failed,
                        precision.judge()).exit_status


def duration_text(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 3600}h{seconds // 60 % 60:02d}m{seconds % 60:02d}s" if seconds >= 3600 \
        else f"{seconds // 60}m{seconds % 60:02d}s"


def dry_run_text(plan: dict) -> str:
    spec = plan["spec"]
    shard_text = f", shard {plan['shard']['index']}/{plan['shard']['count']}" if plan["shard"] else ""
    return (f"{spec['name']}: {len(plan['points'])} points{shard_text} x {spec['repetitions']} repetitions "
            f"x ({spec['duration']:g} s window + {spec['warmup']:g} s warm-up) + "
            f"{planning.PER_POINT_OVERHEAD_S:g} s per process, planned for {spec['pus']} PUs; "
            f"estimated {duration_text(planning.estimate_seconds(plan))}; seed {plan['seed']}")
