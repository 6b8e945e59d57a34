"""`rculab setup`: only the set-up (Debian packages, configure, build)."""
from __future__ import annotations

from typing import Sequence

from lab.setup import build, deps
from lab.commands import options
from lab.base import paths

HELP = "install missing Debian packages, configure and build (nothing else)"


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("setup", help=HELP, description=HELP + ".")
    options.add_preset_flag(parser)
    parser.set_defaults(handler=main)


def main(args, extra: Sequence[str] = ()) -> int:
    # Deliberately ignores RCULAB_SKIP_SETUP: set-up is this command's whole job.
    deps.ensure_packages()
    build.configure_and_build(args.preset)
    print(f"rculab: set-up done; core binary: {paths.core_path(args.preset)}")
    return 0
