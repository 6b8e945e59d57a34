"""`rculab compare SET_A SET_B` or `rculab compare SET --backends a,b`."""
from __future__ import annotations

import sys
from typing import Sequence

from lab.commands import options
from lab.base.errors import LabError

HELP = "compare two result sets point by point, or two backends within one set"


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("compare", help=HELP, description=HELP + (
        ": ratio of medians (B/A) with a 95%% bootstrap CI (from 10 repetitions a side), the "
        "Mann-Whitney U p-value (exact for small n; 'n too small' where no outcome could reach "
        "p < 0.05), flags for significance, too few repetitions and bimodal repetitions. SET: a set id (under "
        "results/*/) or a set folder."))
    parser.add_argument("sets", nargs="+", metavar="SET", help="one set with --backends, else two")
    parser.add_argument("--backends", type=options.name_list, metavar="A,B",
                        help="compare these two backends within the one SET")
    parser.add_argument("--metric", help="compare this derived metric instead of each workload's "
                                         "headline metric (reads_per_s, ns_per_read, lat_p99_ns, ...)")
    fmt = parser.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print one JSON object")
    fmt.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.set_defaults(handler=main)


def main(args, extra: Sequence[str] = ()) -> int:
    # Imported here so that commands that need no numpy/scipy start without them.
    from lab.analysis import compare, compare_output
    from lab.records import reader
    if args.backends is not None:
        if len(args.sets) != 1 or len(args.backends) != 2:
            raise LabError("compare --backends A,B takes exactly one SET and two backends", 2)
        comparison = compare.compare_backends(reader.load(args.sets[0]), *args.backends, args.metric)
    else:
        if len(args.sets) != 2:
            raise LabError("compare takes two SETs (or one SET with --backends A,B)", 2)
        comparison = compare.compare_sets(reader.load(args.sets[0]), reader.load(args.sets[1]), args.metric)
    render = (compare_output.to_json if args.json else
              compare_output.to_markdown if args.markdown else compare_output.to_text)
    sys.stdout.write(render(comparison))
    return 0
