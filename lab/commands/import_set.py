"""`rculab import DIR|TARBALL`: result sets from another host into results/
(and their host profiles into hw-profiles/), validated first, never overwriting."""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

from lab.base import paths
from lab.records.combine import import_tree

HELP = "copy a result set folder or a tarball of results/ (+ hw-profiles/) into this repository"
DESCRIPTION = """\
SOURCE is a set folder, or a folder or tarball holding results/<profile>/<set>/
and optionally hw-profiles/<profile>/. Every set is validated first; nothing
is copied if any set is invalid or any target already exists (a host profile
that exists with the same content is left alone)."""


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("import", help=HELP, description=DESCRIPTION)
    parser.add_argument("source", type=Path, metavar="DIR|TARBALL")
    parser.set_defaults(handler=main)


def main(args, extra: Sequence[str] = ()) -> int:
    for target in import_tree(args.source, paths.results_root(), paths.hw_profiles_root()):
        print(f"imported {target}")
    return 0
