"""`rculab plot [SET...] [--out DIR]`: regenerate every chart (PNG and SVG)."""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

from lab.base.errors import LabError

HELP = "draw every chart family of result sets (PNG and SVG, deterministic)"


def add_parser(subparsers) -> None:
    from lab.records import reader
    parser = subparsers.add_parser("plot", help=HELP, description=HELP + (
        ". Several SETs are overlaid (line style per set) into the first one's charts/ folder; "
        "no SET redraws each set under results/ into its own results/<profile>/<set>/charts/."))
    reader.add_sets_argument(parser)
    parser.add_argument("--out", type=Path, metavar="DIR",
                        help="write the charts here (replaced as a whole) instead of <first set>/charts/")
    parser.set_defaults(handler=main)


def draw(sets, out: Path) -> None:
    import plots
    from lab.analysis.publish import replace_dir
    outcome = replace_dir(out, lambda staging: plots.render_all(sets, staging))
    for family, result in outcome.items():
        if isinstance(result, str):
            print(f"{family}: skipped: {result}")
        else:
            print(f"{family}: {len(result)} files")
    print(f"charts: {out}")


def main(args, extra: Sequence[str] = ()) -> int:
    from lab.records import reader
    if args.out and not args.sets:
        raise LabError("plot --out needs at least one SET", 2)
    sets = reader.load_many(args.sets)
    if args.sets:
        draw(sets, args.out or sets[0].path / "charts")
        return 0
    for rs in sets:
        draw([rs], rs.path / "charts")
    return 0
