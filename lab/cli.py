"""Entry point: `./rculab <command> ...` runs `python3 -m lab.cli <command> ...`."""
from __future__ import annotations

import argparse
import os
import sys
from typing import List, NoReturn, Optional

from lab import (cmd_bench, cmd_bundle, cmd_compare, cmd_export_jobs, cmd_import, cmd_list, cmd_merge,
                 cmd_plot, cmd_profile, cmd_quick, cmd_report, cmd_run, cmd_setup, cmd_sweep, cmd_test,
                 cmd_torture, cmd_validate)
from lab.errors import LabError

COMMANDS = (cmd_run, cmd_test, cmd_bench, cmd_list, cmd_torture, cmd_quick, cmd_profile, cmd_setup,
            cmd_sweep, cmd_validate, cmd_merge, cmd_import, cmd_compare, cmd_plot, cmd_report,
            cmd_bundle, cmd_export_jobs)
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
