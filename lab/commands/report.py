"""`rculab report [SET...]`: one static HTML page per set (drawn by the plots
program, lab/commands/plot.py:run_plots)."""
from __future__ import annotations

from typing import Sequence

from lab.commands.plot import run_plots

HELP = "write a static HTML report per result set (charts, tables, provenance; works offline)"


def add_parser(subparsers) -> None:
    from lab.records import reader
    parser = subparsers.add_parser("report", help=HELP, description=HELP + (
        ": results/<profile>/<set>/report/index.html with its charts in report/charts/. "
        "No SET: every set under results/."))
    reader.add_sets_argument(parser)
    parser.set_defaults(handler=main)


def main(args, extra: Sequence[str] = ()) -> int:
    from lab.records import reader
    for rs in reader.load_many(args.sets):
        run_plots("report", str(rs.path))
    return 0
