"""`rculab list`: build if needed, then forward to `rculab-core list`."""
from __future__ import annotations

from typing import Sequence

from lab.setup import core
from lab.commands import options
from lab.base import proc
from lab.setup.prepare import prepare

HELP = "list the RCU backends and their traits (forwards to rculab-core list)"


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("list", help=HELP, description=HELP + ".")
    shape = parser.add_mutually_exclusive_group()
    shape.add_argument("--json", action="store_true", help="print the listing as one JSON object")
    shape.add_argument("--catalogue", action="store_true",
                       help="print only the workloads' descriptors (what bench/workloads/catalogue.json holds)")
    options.add_preset_flag(parser)
    parser.set_defaults(handler=main)


def main(args, extra: Sequence[str] = ()) -> int:
    prepare(args.preset)
    binary = core.require_core(args.preset)
    shape = ["--json"] if args.json else ["--catalogue"] if args.catalogue else []
    return proc.run([str(binary), "list", *shape])
