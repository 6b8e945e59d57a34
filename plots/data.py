"""What the chart families read from result sets: per-point summaries of a
metric (memoized: several charts share points), grouped into series."""
from __future__ import annotations

from typing import Callable, Dict, List, Optional, Sequence, Tuple

from lab.analysis import metrics, stats
from lab.records.reader import Point, ResultSet
from plots import style

def memo(point: Point, name: str, compute: Callable[[], Optional[stats.Summary]]) -> Optional[stats.Summary]:
    """A summary computed once per point and name, kept on the point itself.
    (Keyed by id(point) in a module dict, a point freed after one chart left
    its summaries to whichever new point got its id: another set's numbers,
    now and then, in the next chart drawn in the same process.)"""
    cache = point.__dict__.setdefault("_summaries", {})
    if name not in cache:
        cache[name] = compute()
    return cache[name]


def summary(point: Point, metric_name: str) -> Optional[stats.Summary]:
    return memo(point, metric_name, lambda: stats.summarize(
        [v for v, _ in metrics.values(point, metrics.METRICS[metric_name])]))


def points(sets: Sequence[ResultSet], workload: str) -> List[Tuple[int, ResultSet, Point]]:
    """(set index, set, point) for every ok point of the workload, in key order."""
    out = []
    for i, rs in enumerate(sets):
        for key in sorted(rs.points):
            p = rs.points[key]
            if p.workload == workload and p.ok:
                out.append((i, rs, p))
    return out


def by_placement(sets: Sequence[ResultSet], workload: str, keep: Callable[[Point], bool] = lambda p: True,
                 why: str = ""):
    """[(placement, found)] for the workload's ok points that `keep` accepts;
    NoData when there are none (`why` adds to the reason)."""
    found = [f for f in points(sets, workload) if keep(f[2])]
    if not found:
        raise style.NoData(f"no ok {workload} points{why}")
    return [(placement, [f for f in found if f[2].params.get("placement") == placement])
            for placement in levels(found, "placement")]


def ordered(lines: "Series"):
    """Series items by set, then in the legend's backend order."""
    return sorted(lines.items(), key=lambda kv: (kv[0][0], style.backend_sort_key(kv[0][1])))


def draw(ax, lines: "Series", scale: float = 1.0):
    """One errorbar line per (set, backend); returns (backends, x values, y medians)."""
    backends, xs, ys = set(), set(), []
    for (i, backend), line in ordered(lines):
        x = [item[0] for item in line]
        s = [item[1] for item in line]
        ax.errorbar(x, [v.median * scale for v in s], yerr=error_bars(s, scale), **style.line_kwargs(backend, i))
        backends.add(backend)
        xs.update(x)
        ys += [v.median * scale for v in s]
    return backends, xs, ys


def levels(found, param: str) -> list:
    return sorted({p.params.get(param) for _, _, p in found if param in p.params}, key=str_or_num)


def str_or_num(value):
    return (0, value, "") if isinstance(value, (int, float)) else (1, 0, str(value))


Series = Dict[Tuple[int, str], List[Tuple[float, stats.Summary, Point]]]


def series(found, metric_name: str, x_param: str, where: Callable[[Point], bool] = lambda p: True) -> Series:
    """(set index, backend) -> [(x, summary, point)] sorted by x."""
    out: Series = {}
    for i, _, p in found:
        if not where(p) or x_param not in p.params:
            continue
        s = summary(p, metric_name)
        if s is not None:
            out.setdefault((i, p.backend), []).append((p.params[x_param], s, p))
    for line in out.values():
        line.sort(key=lambda item: item[0])
    return out


def pus(rs: ResultSet) -> Optional[int]:
    """Processing units of the set's host (context key topology_pus)."""
    try:
        return int(rs.context.get("topology_pus"))
    except (TypeError, ValueError):
        return None


def error_bars(summaries: Sequence[stats.Summary], scale: float = 1.0):
    """matplotlib yerr (below, above) from CIs of the median."""
    return ([(s.median - s.ci_low) * scale for s in summaries], [(s.ci_high - s.median) * scale for s in summaries])
