"""`rculab report [SET...]`: one static HTML page per set."""
from __future__ import annotations

from typing import Sequence


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
    from plots import report
    from lab.analysis.publish import replace_dir
    for rs in reader.load_many(args.sets):
        target = rs.path / "report"
        replace_dir(target, lambda staging, rs=rs: report.write(rs, staging))
        print(f"report: {target / 'index.html'}")
    return 0
