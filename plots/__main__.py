"""The chart families and the HTML report as a program of their own:

    python3 -m plots charts SET... --out DIR   every family, the sets overlaid
    python3 -m plots report SET                SET/report/index.html + charts

The plots are the lab's last stage: they read result sets through lab.records
and lab.analysis, and the lab (`rculab plot`, `report`, `run`) runs this
program as a child process rather than importing it, so nothing in lab/
depends on plots/. Output folders are replaced as a whole (publish.py).
Errors: one line on stderr, the lab's exit code; exit 3 when the plotting
packages (matplotlib) are missing."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import List, Optional

from lab.analysis.publish import replace_dir
from lab.base.errors import LabError
from lab.records import reader

MISSING_PACKAGES = 3
ERROR_PREFIX = "plots: error: "


def draw_charts(set_paths: List[Path], out: Path) -> None:
    import plots
    sets = [reader.load_set(p) for p in set_paths]
    outcome = replace_dir(out, lambda staging: plots.render_all(sets, staging))
    for family, result in outcome.items():
        print(f"{family}: skipped: {result}" if isinstance(result, str) else f"{family}: {len(result)} files")
    print(f"charts: {out}")


def write_report(set_path: Path) -> None:
    from plots import report
    rs = reader.load_set(set_path)
    target = rs.path / "report"
    replace_dir(target, lambda staging: report.write(rs, staging))
    print(f"report: {target / 'index.html'}")


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m plots")
    commands = parser.add_subparsers(dest="command", required=True)
    charts = commands.add_parser("charts")
    charts.add_argument("sets", nargs="+", type=Path)
    charts.add_argument("--out", type=Path, required=True)
    report = commands.add_parser("report")
    report.add_argument("set", type=Path)
    args = parser.parse_args(argv)
    try:
        if args.command == "charts":
            draw_charts(args.sets, args.out)
        else:
            write_report(args.set)
    except LabError as err:
        print(f"{ERROR_PREFIX}{err}", file=sys.stderr)
        return err.exit_code
    except ImportError as err:
        print(f"{ERROR_PREFIX}{err} (rculab setup installs python3-matplotlib and co.)", file=sys.stderr)
        return MISSING_PACKAGES
    return 0


if __name__ == "__main__":
    sys.exit(main())
