"""`rculab merge SET... --into NEW`: one set out of several (e.g. the shards
of a sweep run on several hosts of one kind)."""
from __future__ import annotations

from typing import Sequence

from lab.base import paths
from lab.records.combine import merge
from lab.records.sets import find_set

HELP = "combine result sets (e.g. shards) into a new set"
DESCRIPTION = """\
Validates each SET (id or path), then writes results/<profile>/<NEW>/ whose
manifest lists the union of their points and whose records are theirs.
Refuses sets of different hosts, a point defined or recorded differently in
two sets, and an existing NEW. Sets with missing records may be merged; the
merged set is then incomplete (finish it with `rculab sweep --resume NEW`)."""


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("merge", help=HELP, description=DESCRIPTION)
    parser.add_argument("sets", nargs="+", metavar="SET")
    parser.add_argument("--into", required=True, metavar="NEW", help="id of the new set")
    parser.set_defaults(handler=main)


def main(args, extra: Sequence[str] = ()) -> int:
    target = merge([find_set(s) for s in args.sets], args.into, paths.results_root())
    print(f"merged {len(args.sets)} sets into {target}")
    return 0
