"""`rculab compare SET_A SET_B` or `rculab compare SET --backends a,b`."""
from __future__ import annotations

import math
import os
import sys
from typing import Optional, Sequence

from lab.commands import options
from lab.base.errors import LabError

HELP = "compare two result sets point by point, or two backends within one set"
FORMATS = ("text", "md", "csv", "json")
USAGE_EXIT = 2


def add_parser(subparsers) -> None:
    # The description is printed as written (argparse %-formats only help strings): one "%" each.
    parser = subparsers.add_parser("compare", help=HELP, description=HELP + (
        ". First what differs between A and B (host, commit, build, spec, repetitions, window) and a "
        "verdict: comparable, comparable with caveats, or NOT comparable. Then per point, biggest effect "
        "first: the medians, the change of B against A in percent with better/worse for the metric's "
        "direction (only where the Mann-Whitney U test gives p < 0.05 and the difference is above the "
        "resolution; '≈' below it), the Hodges-Lehmann shift B/A with its 95% CI (from 4 repetitions a "
        "side), the p-value ('n too small' where no outcome could reach p < 0.05) and flags (too few "
        "repetitions, bimodal, noisy). Then geometric means per workload, per backend and overall, and "
        "the points not compared, counted per workload and reason. SET: a set id (under results/*/) or a "
        "set folder."))
    parser.add_argument("sets", nargs="+", metavar="SET", help="one set with --backends, else two")
    parser.add_argument("--backends", type=options.name_list, metavar="A,B",
                        help="compare these two backends within the one SET")
    parser.add_argument("--metric", help="compare this derived metric instead of each workload's "
                                         "headline metric (reads_per_s, ns_per_read, lat_p99_ns, ...)")
    fmt = parser.add_mutually_exclusive_group()
    fmt.add_argument("--format", choices=FORMATS, default=None,
                     help="text (default), md (Markdown), csv (one row per compared point) or json")
    fmt.add_argument("--json", action="store_const", const="json", dest="format", help="same as --format json")
    fmt.add_argument("--markdown", action="store_const", const="md", dest="format", help="same as --format md")
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                        help="colour better (green) and worse (red) in the text table; auto: when stdout "
                             "is a terminal and NO_COLOR is not set (default: %(default)s)")
    parser.add_argument("--verbose", "--list-not-compared", action="store_true",
                        help="list each point not compared, not only the counts per workload and reason")
    parser.add_argument("--fail-on-regression", metavar="PCT",
                        help="exit 1 if a point is significantly worse in B than in A (p < 0.05, above the "
                             "resolution) by more than PCT, a percentage like 5%%; the points are named "
                             "on stderr")
    parser.set_defaults(handler=main)


def regression_threshold(text: Optional[str]) -> Optional[float]:
    """`5%` -> 5.0. A percent sign is required, so 0.05 cannot be read as either 5% or 0.05%."""
    if text is None:
        return None
    number = text.strip()[:-1] if text.strip().endswith("%") else None
    try:
        value = float(number) if number else None
    except ValueError:
        value = None
    if value is None or not math.isfinite(value) or value < 0:
        raise LabError(f"--fail-on-regression: expected a percentage like 5%, got {text!r}", USAGE_EXIT)
    return value


def use_color(choice: str, stream=None, environ=None) -> bool:
    """--color auto: a terminal, and no NO_COLOR (https://no-color.org: set and not empty)."""
    if choice != "auto":
        return choice == "always"
    stream = sys.stdout if stream is None else stream
    environ = os.environ if environ is None else environ
    return stream.isatty() and not environ.get("NO_COLOR")


def render(comparison, args) -> str:
    from lab.analysis import compare_output
    fmt = args.format or "text"
    if fmt == "json":
        return compare_output.to_json(comparison)
    if fmt == "csv":
        return compare_output.to_csv(comparison)
    if fmt == "md":
        return compare_output.to_markdown(comparison, verbose=args.verbose)
    return compare_output.to_text(comparison, color=use_color(args.color), verbose=args.verbose)


def report_regressions(comparison, threshold: float) -> int:
    """1 and the rows on stderr where B regressed beyond the threshold, else 0."""
    from lab.analysis import compare, compare_output
    worse = compare.regressions(comparison, threshold)
    if not worse:
        return 0
    print(f"rculab compare: {len(worse)} significant regression(s) worse than {threshold:g}%:", file=sys.stderr)
    for row in worse:
        print(f"  {row.point}: {row.metric.name} {compare_output.fmt_change(row.change_pct)} "
              f"({compare_output.fmt_value(row.a.summary.median)} -> {compare_output.fmt_value(row.b.summary.median)} "
              f"{row.metric.unit}, p = {row.p_value:.4f})", file=sys.stderr)
    return 1


def main(args, extra: Sequence[str] = ()) -> int:
    threshold = regression_threshold(args.fail_on_regression)  # before any set is read
    # Imported here so that commands that need no numpy/scipy start without them.
    from lab.analysis import compare
    from lab.records import reader
    if args.backends is not None:
        if len(args.sets) != 1 or len(args.backends) != 2:
            raise LabError("compare --backends A,B takes exactly one SET and two backends", USAGE_EXIT)
        comparison = compare.compare_backends(reader.load(args.sets[0]), *args.backends, args.metric)
    else:
        if len(args.sets) != 2:
            raise LabError("compare takes two SETs (or one SET with --backends A,B)", USAGE_EXIT)
        comparison = compare.compare_sets(reader.load(args.sets[0]), reader.load(args.sets[1]), args.metric)
    sys.stdout.write(render(comparison, args))
    sys.stdout.flush()
    return 0 if threshold is None else report_regressions(comparison, threshold)
