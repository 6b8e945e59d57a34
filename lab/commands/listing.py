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
    parser.add_argument("--json", action="store_true", help="print the listing as one JSON object")
    options.add_preset_flag(parser)
    parser.set_defaults(handler=main)


def main(args, extra: Sequence[str] = ()) -> int:
    prepare(args.preset)
    binary = core.require_core(args.preset)
    return proc.run([str(binary), "list"] + (["--json"] if args.json else []))
