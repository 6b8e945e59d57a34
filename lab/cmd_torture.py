"""`rculab torture`: the grace-period torture gate on one backend."""
from __future__ import annotations

from lab.forward import add_forwarding_parser

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
    add_forwarding_parser(subparsers, "torture", USAGE, HELP, EPILOG)
