"""Standalone runner for hosts with only python3 (the bundle):

    python3 -m lab.runner run PLAN.json --bench DIR/rculab-bench [--results DIR]
    python3 -m lab.runner resume SET_DIR --bench DIR/rculab-bench [--retry-failed]

PLAN.json comes from `./rculab sweep ... --plan-out PLAN.json` on a lab host.
Exit 0: every point ok; 1: some point failed (recorded); 2: bad input."""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from lab.host import this_host
from lab.base.errors import LabError
from lab.runner import sweep


RESUME = "python3 -m lab.runner resume --bench BENCH"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m lab.runner")
    sub = parser.add_subparsers(dest="action", required=True)
    run = sub.add_parser("run", help="run a resolved plan into a new set")
    run.add_argument("plan", type=Path)
    run.add_argument("--results", type=Path, default=Path("results"), help="results root (default: ./results)")
    run.add_argument("--profile-id", default=None, help="default: computed from this host")
    again = sub.add_parser("resume", help="run the points of a set that have no record")
    again.add_argument("set_dir", type=Path)
    again.add_argument("--retry-failed", action="store_true")
    for p in (run, again):
        p.add_argument("--bench", required=True, help="the rculab-bench binary")
    args = parser.parse_args(argv)
    try:
        if args.action == "run":
            plan = json.loads(args.plan.read_text())
            tool = {"rculab_commit": os.environ.get("RCULAB_COMMIT"), "bench_binary": args.bench}
            outcome = sweep.start(plan, args.bench, args.results, args.profile_id or this_host.current_profile_id(), tool,
                                  resume_command=RESUME)
        else:
            outcome = sweep.resume(args.set_dir, args.bench, retry_failed=args.retry_failed, resume_command=RESUME)
    except (LabError, OSError, ValueError, KeyError) as err:
        print(f"rculab: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return outcome.exit_status


if __name__ == "__main__":
    sys.exit(main())
