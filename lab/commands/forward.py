"""Commands that build if needed and hand every other flag to one of the C++
drivers (an `rculab-core` subcommand, or `rculab-bench` itself), which validates
them and owns the exit status."""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Callable, Dict, Optional, Sequence

from lab.setup import core
from lab.commands import options
from lab.base import proc
from lab.setup.prepare import prepare


def add_forwarding_parser(subparsers, name: str, usage: str, help_text: str, epilog: str,
                          require: Callable[[str], Path] = core.require_core,
                          leading: Optional[Sequence[str]] = None,
                          env: Optional[Callable[[], Dict[str, str]]] = None) -> None:
    """`require(preset)` gives the binary; `leading` goes before the forwarded flags
    (default: the command's name, i.e. the rculab-core subcommand); `env()`, if
    given, is the child's environment."""
    parser = subparsers.add_parser(name, help=help_text, usage=usage, description=help_text + ".",
                                   epilog=epilog, formatter_class=argparse.RawDescriptionHelpFormatter,
                                   allow_abbrev=False)
    options.add_preset_flag(parser)
    prefix = [name] if leading is None else list(leading)

    def run(args, extra: Sequence[str] = ()) -> int:
        prepare(args.preset)
        binary = require(args.preset)
        return proc.run([str(binary), *prefix, *extra], env=env() if env else None)

    parser.set_defaults(handler=run, passes_extra_args=True)
