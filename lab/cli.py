"""Entry point: `./rculab <command> ...` runs `python3 -m lab.cli <command> ...`."""
from __future__ import annotations

import argparse
import os
import sys
from typing import List, NoReturn, Optional

from lab.base.errors import LabError
from lab.commands import (bench, bundle, compare, crosscheck, export_jobs, import_set, listing, merge, new_backend,
                          plot, profile, quick, report, run, setup, sweep, test, torture, validate)

COMMANDS = (run, test, bench, listing, torture, quick, crosscheck, profile, setup, sweep, validate, merge, import_set,
            compare, plot, report, bundle, export_jobs, new_backend)
USAGE_EXIT = 2


class OneLineErrorParser(argparse.ArgumentParser):
    """argparse prints usage plus the error; we want exactly one line on stderr."""

    def error(self, message: str) -> NoReturn:
        fail(f"{message} (see: {self.prog} --help)", USAGE_EXIT)


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineErrorParser(
        prog="rculab",
        description="rculab: RCU benchmark lab. Start with `rculab run` or `rculab test`.")
    # Subparsers inherit OneLineErrorParser (argparse uses type(parser) by default).
    subparsers = parser.add_subparsers(dest="command", metavar="<command>", required=True)
    for command in COMMANDS:
        command.add_parser(subparsers)
    for subparser in subparsers.choices.values():
        subparser.set_defaults(command_parser=subparser)  # so errors point at `rculab CMD --help`
    return parser


def parse(argv: List[str]):
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    # Only forwarding commands (bench, torture, quick) pass on flags it does not know; elsewhere they are mistakes.
    if extra and not getattr(args, "passes_extra_args", False):
        args.command_parser.error(f"unrecognized arguments: {' '.join(extra)}")
    return args, extra


def fail(message: str, exit_code: int) -> NoReturn:
    print(f"rculab: error: {message}", file=sys.stderr, flush=True)
    sys.exit(exit_code)


def main(argv: Optional[List[str]] = None) -> int:
    args, extra = parse(sys.argv[1:] if argv is None else argv)
    try:
        return args.handler(args, extra)
    except LabError as err:
        fail(str(err), err.exit_code)
    except KeyboardInterrupt:
        print("rculab: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # Reader went away (e.g. `| head`): stop quietly like other Unix tools.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())
