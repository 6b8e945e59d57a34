"""`rculab report [SET...]`: one static HTML page per set."""
from __future__ import annotations

from typing import Sequence

from lab.errors import LabError

HELP = "write a static HTML report per result set (charts, tables, provenance; works offline)"


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("report", help=HELP, description=HELP + (
        ": results/<profile>/<set>/report/index.html with its charts in report/charts/. "
        "No SET: every set under results/."))
    parser.add_argument("sets", nargs="*", metavar="SET", help="set id (under results/*/) or set folder")
    parser.set_defaults(handler=main)


def main(args, extra: Sequence[str] = ()) -> int:
    from lab.analysis import load, report
    from lab.analysis.publish import replace_dir
    if args.sets:
        sets = [load.load(arg) for arg in args.sets]
    else:
        folders = load.all_sets()
        if not folders:
            raise LabError(f"no result sets under {load.RESULTS_ROOT}/*/")
        sets = [load.load_set(folder) for folder in folders]
    for rs in sets:
        target = rs.path / "report"
        replace_dir(target, lambda staging, rs=rs: report.write(rs, staging))
        print(f"report: {target / 'index.html'}")
    return 0
