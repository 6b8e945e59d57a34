"""Commands that build if needed and hand every other flag to one
`rculab-core` subcommand, which validates them and owns the exit status."""
from __future__ import annotations

import argparse
from typing import Sequence

from lab import core, options, proc
from lab.prepare import prepare


def add_forwarding_parser(subparsers, name: str, usage: str, help_text: str, epilog: str) -> None:
    parser = subparsers.add_parser(name, help=help_text, usage=usage, description=help_text + ".",
                                   epilog=epilog, formatter_class=argparse.RawDescriptionHelpFormatter,
                                   allow_abbrev=False)
    options.add_preset_flag(parser)

    def run(args, extra: Sequence[str] = ()) -> int:
        prepare(args.preset)
        binary = core.require_core(args.preset)
        return proc.run([str(binary), name, *extra])

    parser.set_defaults(handler=run, passes_extra_args=True)
