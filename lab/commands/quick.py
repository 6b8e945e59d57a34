"""`rculab quick`: a rough read-cost and synchronize-latency reading per backend."""
from __future__ import annotations

from lab.commands.forward import add_forwarding_parser

USAGE = "rculab quick [-h] [--preset P] [--backend B] [--iterations N] [--samples K] [--json]"
HELP = "rough read cost and synchronize latency per backend (forwards to rculab-core quick)"
EPILOG = """\
flags forwarded to rculab-core quick (it validates them):
  --backend B          only this backend (default: all available)
  --iterations N       read sections timed per backend (default 20000000)
  --samples K          synchronize calls timed per backend (default 200)
  --json               a JSON array on stdout
Unpinned and unrepeated: a bring-up reading, not the lab's measurement."""


def add_parser(subparsers) -> None:
    add_forwarding_parser(subparsers, "quick", USAGE, HELP, EPILOG)
