"""`rculab torture`: build if needed, then hand every argument to
`rculab-core torture`, which validates them and owns the exit status."""
from __future__ import annotations

import argparse
from typing import Sequence

from lab import core, options, proc
from lab.prepare import prepare

USAGE = ("rculab torture [-h] [--preset P] --backend B [--seconds S] [--readers N]\n"
         "                      [--seed X] [--extra-updaters K] [--json]")
HELP = "run one torture test (forwards its flags to rculab-core torture)"
EPILOG = """\
flags forwarded to rculab-core torture (it validates them):
  --backend B          backend name (see: rculab list)
  --seconds S          how long to run
  --readers N          reader threads
  --seed X             random seed
  --extra-updaters K   additional updater threads
  --json               one JSON object on stdout
exit status: 0 PASS, 1 FAIL, 2 bad arguments"""


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("torture", help=HELP, usage=USAGE, description=HELP + ".", epilog=EPILOG,
                                   formatter_class=argparse.RawDescriptionHelpFormatter,
                                   allow_abbrev=False)
    options.add_preset_flag(parser)
    parser.set_defaults(handler=main, passes_extra_args=True)


def main(args, extra: Sequence[str] = ()) -> int:
    prepare(args.preset)
    binary = core.require_core(args.preset)
    return proc.run([str(binary), "torture", *extra])
