"""`rculab export-jobs`: drivers that run a sweep as shards on many hosts."""
from __future__ import annotations

import argparse
import random
from pathlib import Path
from typing import Sequence

from lab.runner import jobs
from lab.commands import options
from lab.base.errors import LabError
from lab.spec import parse

HELP = "write a GNU parallel or SLURM driver running a sweep as shards on many hosts"
DESCRIPTION = """\
Writes a jobs folder (--out, must not exist) with a copy of the bundle, the
spec as JSON and the driver:
  --gnu-parallel  run-parallel.sh [SSHLOGINFILE]: GNU parallel, one job per host
                  at a time; each job's shard comes back as shard-<i>/results
  --slurm         sbatch.sh: an array of --shards tasks, one whole node each,
                  shard-<i>/results in the jobs folder (a shared file system)
Every shard plans for --pus PUs with one seed, so together they hold exactly
the points of the unsharded sweep; bring them home with `rculab import` and
combine them with `rculab merge`."""


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("export-jobs", help=HELP, description=DESCRIPTION,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    kind = parser.add_mutually_exclusive_group(required=True)
    kind.add_argument("--gnu-parallel", dest="kind", action="store_const", const="gnu-parallel")
    kind.add_argument("--slurm", dest="kind", action="store_const", const="slurm")
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--preset", metavar="NAME", help=f"a shipped spec: {', '.join(parse.preset_names())}")
    what.add_argument("--spec", type=Path, metavar="FILE", help="a TOML spec")
    parser.add_argument("--bundle", type=Path, required=True, metavar="TARBALL", help="from `rculab bundle`")
    parser.add_argument("--shards", type=options.positive_int, required=True, metavar="N")
    parser.add_argument("--pus", type=options.positive_int, required=True, metavar="N",
                        help="PUs of the target hosts (every shard plans the same points)")
    parser.add_argument("--seed", type=options.whole_number(0), help="run-order seed (default: random)")
    parser.add_argument("--sshloginfile", metavar="FILE", help="GNU parallel's host list (default: ':', this host)")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="jobs folder to create")
    parser.set_defaults(handler=main)


def main(args, extra: Sequence[str] = ()) -> int:
    if args.sshloginfile and args.kind != "gnu-parallel":
        raise LabError("--sshloginfile goes with --gnu-parallel", exit_code=2)
    path = parse.preset_path(args.preset) if args.preset else args.spec
    parse.load(path, f"preset {args.preset}" if args.preset else str(path))  # check it here, not on the hosts
    doc = parse.read_toml(path)
    doc.setdefault("name", Path(path).stem)
    seed = args.seed if args.seed is not None else doc.get("seed", random.SystemRandom().randrange(2 ** 31))
    script = jobs.write_jobs(args.kind, args.out, args.bundle, doc, args.shards, seed, args.pus,
                             args.sshloginfile or "")
    print(f"jobs: {script}")
    return 0
