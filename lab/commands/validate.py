"""`rculab validate [PATH...]`: check result sets and records against
lab/RECORDS.md; one `rculab: error:` line per problem, exit 1 if any."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

from lab.base import paths
from lab.records.validate import check_paths

HELP = "check result sets / records against lab/RECORDS.md and its JSON Schemas"
DESCRIPTION = """\
Checks each record and manifest against lab/schema/*.json, then what a schema
cannot express: the point key matches the file name and the benchmark, records
agree with their manifest, no record outside the manifest, every manifest point
has a record (else: incomplete set), and no ok record holds a value no correct
run can produce (a wrapped or negative counter, a backlog above its cap, no
operations, a latency longer than the window: lab/RECORDS.md "Plausibility"). PATHs are record or manifest files, set
folders, or folders holding sets (default: every set under results/).
Every problem is one `rculab: error: FILE: FIELD: ...` line on stderr; exit 1
if there is any."""


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("validate", help=HELP, description=DESCRIPTION,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    parser.set_defaults(handler=main)


def main(args, extra: Sequence[str] = ()) -> int:
    targets = args.paths or [paths.results_root()]
    if not args.paths and not targets[0].is_dir():
        print(f"no result sets: {targets[0]} does not exist")
        return 0
    problems, sets, records = check_paths(targets)
    for problem in problems:
        print(f"rculab: error: {problem}", file=sys.stderr)
    verdict = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}" if problems else "OK"
    print(f"validate: {sets} set{'s' if sets != 1 else ''}, {records} record{'s' if records != 1 else ''}: {verdict}")
    return 1 if problems else 0
