"""`rculab plot [SET...] [--out DIR]`: regenerate every chart (PNG and SVG).

Charts and reports are drawn by the plots program (`python3 -m plots`, the
lab's last stage), run as a child process: the lab reads and writes records,
plots/ reads them back, and no module of lab/ imports plots/."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Sequence

from lab.base.errors import LabError
from lab.base.paths import REPO_ROOT

HELP = "draw every chart family of result sets (PNG and SVG, deterministic)"
MISSING_PACKAGES = 3  # plots/__main__.py: matplotlib and co. are not installed


class PlotsUnavailable(LabError):
    """The plotting packages are missing; the numbers are safe in the set regardless."""


def run_plots(*argv: str) -> None:
    """Runs `python3 -m plots ARGV` with this interpreter; its output is
    printed as it would have been in process, its one error line raised."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, (str(REPO_ROOT), os.environ.get("PYTHONPATH")))))
    done = subprocess.run([sys.executable, "-m", "plots", *argv], capture_output=True, text=True, env=env)
    print(done.stdout, end="")
    if done.returncode == 0:
        return
    lines = done.stderr.strip().splitlines()
    message = lines[-1].removeprefix("plots: error: ") if lines else f"plots exited {done.returncode}"
    if done.returncode == MISSING_PACKAGES:
        raise PlotsUnavailable(message)
    raise LabError(message, done.returncode)


def add_parser(subparsers) -> None:
    from lab.records import reader
    parser = subparsers.add_parser("plot", help=HELP, description=HELP + (
        ". Several SETs are overlaid (line style per set) into the first one's charts/ folder; "
        "no SET redraws each set under results/ into its own results/<profile>/<set>/charts/."))
    reader.add_sets_argument(parser)
    parser.add_argument("--out", type=Path, metavar="DIR",
                        help="write the charts here (replaced as a whole) instead of <first set>/charts/")
    parser.set_defaults(handler=main)


def draw(set_paths: Sequence[Path], out: Path) -> None:
    run_plots("charts", *map(str, set_paths), "--out", str(out))


def main(args, extra: Sequence[str] = ()) -> int:
    from lab.records import reader
    if args.out and not args.sets:
        raise LabError("plot --out needs at least one SET", 2)
    sets = reader.load_many(args.sets)  # every set found and valid before anything is drawn
    if args.sets:
        draw([rs.path for rs in sets], args.out or sets[0].path / "charts")
        return 0
    for rs in sets:
        draw([rs.path], rs.path / "charts")
    return 0
