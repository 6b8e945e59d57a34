"""`rculab torture`: the grace-period torture gate on one backend (forwarded to
rculab-core torture), or with --soak the whole matrix (lab/torture/soak.py)."""
from __future__ import annotations

import argparse
from typing import Sequence

from lab.setup import core
from lab.commands import options
from lab.base import proc
from lab.torture import soak
from lab.setup.prepare import prepare

USAGE = ("rculab torture [-h] [--preset P] --backend B [--seconds S] [--readers N]\n"
         "                      [--seed X] [--extra-updaters K] [--gp-style G] [--churn] [--json]\n"
         "       rculab torture [--preset P] --soak DURATION [--backends A,B] [--readers 1,2,4,8]")
HELP = "run one torture test (forwards its flags to rculab-core torture), or the soak matrix"
EPILOG = """\
flags forwarded to rculab-core torture (it validates them):
  --backend B          backend name (see: rculab list)
  --seconds S          how long to run
  --readers N          reader threads
  --seed X             random seed
  --extra-updaters K   additional updater threads
  --gp-style G         synchronize, call_rcu or mixed (default)
  --churn              threads are replaced by new registered ones throughout
  --json               one JSON object on stdout
exit status: 0 PASS, 1 FAIL, 2 bad arguments

--soak DURATION (30s, 10m, 1h, or seconds) runs every backend safe for updates
x readers (--readers, default 1,2,4,8) x gp style {synchronize, call_rcu, mixed}
x churn {off, on}, DURATION split evenly over the cells (one rculab-core process
each), then prints a table with reads, updates and grace periods per cell.
--backends A,B limits it to those backends. Exit 1 if any cell FAILs."""


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("torture", help=HELP, usage=USAGE, description=HELP + ".",
                                   epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
                                   allow_abbrev=False)
    options.add_preset_flag(parser)
    parser.add_argument("--soak", type=soak_duration, default=None, metavar="DURATION",
                        help=argparse.SUPPRESS)
    parser.set_defaults(handler=main, passes_extra_args=True)


def soak_duration(text: str) -> float:
    try:
        return soak.parse_duration(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def main(args, extra: Sequence[str] = ()) -> int:
    if args.soak is None:
        prepare(args.preset)
        return proc.run([str(core.require_core(args.preset)), "torture", *extra])
    wanted, readers = soak.parse_soak_args(extra)  # bad flags fail before any build
    prepare(args.preset)
    binary = core.require_core(args.preset)
    return soak.run_soak(binary, core.list_backends(binary), wanted, readers, args.soak)
