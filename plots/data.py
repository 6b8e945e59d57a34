"""What the chart families read from result sets: per-point summaries of a
metric (memoized: several charts share points), grouped into series, drawn
as median lines with every repetition as a dot; failed points and
oversubscription (threads > the host's PUs) marked where the lines are."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Callable, Dict, List, NamedTuple, Optional, Sequence, Set, Tuple

from lab.analysis import metrics, stats
from lab.records.reader import Point, ResultSet
from plots import style


def memo(point: Point, name: str, compute: Callable[[], object]):
    """A value computed once per point and name, kept on the point itself.
    (Keyed by id(point) in a module dict, a point freed after one chart left
    its summaries to whichever new point got its id: another set's numbers,
    now and then, in the next chart drawn in the same process.)"""
    cache = point.__dict__.setdefault("_summaries", {})
    if name not in cache:
        cache[name] = compute()
    return cache[name]


def repetition_values(point: Point, metric_name: str) -> List[float]:
    """The metric of every repetition that yields it, in repetition order."""
    return memo(point, "values:" + metric_name,
                lambda: [v for v, _ in metrics.values(point, metrics.METRICS[metric_name])])


def summary(point: Point, metric_name: str) -> Optional[stats.Summary]:
    return memo(point, metric_name, lambda: stats.summarize(repetition_values(point, metric_name)))


def points(sets: Sequence[ResultSet], workload: str, ok: bool = True) -> List[Tuple[int, ResultSet, Point]]:
    """(set index, set, point) for every ok (or, ok=False, failed) point of
    the workload, in key order."""
    out = []
    for i, rs in enumerate(sets):
        for key in sorted(rs.points):
            p = rs.points[key]
            if p.workload == workload and p.ok == ok:
                out.append((i, rs, p))
    return out


def by_placement(sets: Sequence[ResultSet], workload: str, keep: Callable[[Point], bool] = lambda p: True,
                 why: str = ""):
    """[(placement, found, failed)]: the workload's ok points that `keep`
    accepts and its failed points (whatever they lack), per placement;
    NoData when there is no ok point (`why` adds to the reason)."""
    found = [f for f in points(sets, workload) if keep(f[2])]
    if not found:
        raise style.NoData(f"no ok {workload} points{why}")
    failed = points(sets, workload, ok=False)
    return [(placement, [f for f in found if f[2].params.get("placement") == placement],
             [f for f in failed if f[2].params.get("placement") == placement])
            for placement in levels(found, "placement")]


def reason(point: Point) -> str:
    """Why a failed point failed (RECORDS.md: crash, timeout, starved, implausible, ...)."""
    return str((point.error or {}).get("reason") or "failed")


def ordered(lines: "Series"):
    """Series items by set, then in the legend's backend order."""
    return sorted(lines.items(), key=lambda kv: (kv[0][0], style.backend_sort_key(kv[0][1])))


@dataclass
class Drawn:
    """What panels drew, for the axes and the legend: backends, x values, y
    values (medians and repetitions), failure reasons, and the PU counts of
    hosts whose oversubscribed points were shaded."""
    backends: Set[str] = field(default_factory=set)
    xs: Set[float] = field(default_factory=set)
    ys: List[float] = field(default_factory=list)
    failed: Set[str] = field(default_factory=set)
    pus: Set[int] = field(default_factory=set)

    def update(self, other: "Drawn") -> "Drawn":
        self.backends |= other.backends
        self.xs |= other.xs
        self.ys += other.ys
        self.failed |= other.failed
        self.pus |= other.pus
        return self

    def legend_extra(self, medians: bool = True) -> list:
        """How to read the marks: repetitions and CI, then shading."""
        return ((style.median_handles() if medians else [])
                + ([style.oversubscribed_handle(sorted(self.pus))] if self.pus else []))


# Repetitions fan out over +-6% of their point's x (a log axis: a ratio) so
# that they show beside the median's marker rather than under it.
SPREAD = 0.06


def fanned(x: float, k: int, n: int) -> float:
    return x * (1 + SPREAD) ** ((2 * k - (n - 1)) / max(n - 1, 1)) if n > 1 else x


def draw_repetitions(ax, line: "Line", dots: dict, scale: float = 1.0) -> List[float]:
    """Every repetition of a line's points as a dot beside its x; returns their values."""
    xs = [fanned(item.x, k, len(item.values)) for item in line for k in range(len(item.values))]
    ys = [v * scale for item in line for v in item.values]
    if ys:
        ax.plot(xs, ys, **dots)
    return ys


def draw_line(ax, line: "Line", kwargs: dict, dots: dict, scale: float = 1.0) -> List[float]:
    """Medians with their CIs joined by a line, the repetitions as dots; returns the y values."""
    s = [item.summary for item in line]
    medians = [v.median * scale for v in s]
    ax.errorbar([item.x for item in line], medians, yerr=error_bars(s, scale), **kwargs)
    return medians + draw_repetitions(ax, line, dots, scale)


def draw(ax, lines: "Series", scale: float = 1.0, restyle: Callable[[dict], dict] = lambda kwargs: kwargs) -> Drawn:
    """One line of medians per (set, backend) in its style (`restyle` may
    change it), its repetitions as dots."""
    drawn = Drawn()
    for (i, backend), line in ordered(lines):
        drawn.ys += draw_line(ax, line, restyle(style.line_kwargs(backend, i)), style.dot_kwargs(backend), scale)
        drawn.backends.add(backend)
        drawn.xs.update(item.x for item in line)
    return drawn


def mark_failed(ax, failed, x_param: str, where: Callable[[Point], bool] = lambda p: True) -> Drawn:
    """A × on the axis' bottom at the x of every failed point `where` accepts."""
    drawn, stacked = Drawn(), {}
    for _, _, p in sorted(failed, key=lambda f: (f[0], style.backend_sort_key(f[2].backend))):
        if not where(p) or x_param not in p.params:
            continue
        x = p.params[x_param]
        style.mark_failed_at(ax, x, p.backend, stacked.get(x, 0))
        stacked[x] = stacked.get(x, 0) + 1
        drawn.xs.add(x)
        drawn.failed.add(reason(p))
        drawn.backends.add(p.backend)
    return drawn


def levels(found, param: str) -> list:
    return sorted({p.params.get(param) for _, _, p in found if param in p.params}, key=str_or_num)


def str_or_num(value):
    return (0, value, "") if isinstance(value, (int, float)) else (1, 0, str(value))


class Item(NamedTuple):
    x: float
    summary: stats.Summary
    point: Point
    values: List[float]  # the metric per repetition


Line = List[Item]
Series = Dict[Tuple[int, str], Line]


def series(found, metric_name: str, x_param: str, where: Callable[[Point], bool] = lambda p: True) -> Series:
    """(set index, backend) -> [Item] sorted by x."""
    out: Series = {}
    for i, _, p in found:
        if not where(p) or x_param not in p.params:
            continue
        s = summary(p, metric_name)
        if s is not None:
            out.setdefault((i, p.backend), []).append(Item(p.params[x_param], s, p,
                                                           repetition_values(p, metric_name)))
    for line in out.values():
        line.sort(key=lambda item: item.x)
    return out


def pus(rs: ResultSet) -> Optional[int]:
    """Processing units of the set's host (context key topology_pus)."""
    return pus_of(rs.context)


def pus_of(context) -> Optional[int]:
    try:
        return int(context.get("topology_pus"))
    except (TypeError, ValueError):
        return None


# A call_rcu worker's CPU time (RECORDS.md: helper<i>_cpu_ns per worker the backend runs).
HELPER_CPU = re.compile(r"helper\d+_cpu_ns")


def number(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def threads_of(point: Point) -> int:
    """Threads the point ran at once: readers, updaters and the backend's
    call_rcu workers (counted from their helper<i>_cpu_ns counters), the
    most over its repetitions; the parameters when no repetition says."""
    planned = number(point.params.get("readers")) + number(point.params.get("updaters"))
    counted = [number(c.get("reader_threads")) + number(c.get("updater_threads"))
               + sum(1 for name in c if HELPER_CPU.fullmatch(name))
               for c in (rep.counters for rep in point.repetitions)]
    return max([planned] + counted)


def oversubscribed(point: Point) -> Optional[int]:
    """The host's PU count when the point ran more threads than it has PUs, else None."""
    host = pus_of(point.context)
    return host if host and threads_of(point) > host else None


def oversubscription_note(found) -> str:
    """For figures whose axes hold the thread counts fixed: a caption line
    when their points ran more threads than the host has PUs."""
    hosts = sorted({oversubscribed(p) for _, _, p in found} - {None})
    if not hosts:
        return ""
    most = max(threads_of(p) for _, _, p in found)
    return (f"\noversubscribed: up to {most} threads (readers + updaters + call_rcu workers) on "
            f"{'/'.join(map(str, hosts))} PUs")


def spans(flags: Dict[float, bool]) -> List[Tuple[float, float]]:
    """x ranges around the flagged xs of a log axis, each reaching halfway
    (geometrically) to its neighbours, or 1.25x past the end ones (the thread
    axis' margin); touching ranges merged."""
    xs = sorted(flags)
    out: List[Tuple[float, float]] = []
    for k, x in enumerate(xs):
        if not flags[x]:
            continue
        lo = math.sqrt(xs[k - 1] * x) if k else x / 1.25
        hi = math.sqrt(x * xs[k + 1]) if k + 1 < len(xs) else x * 1.25
        if out and out[-1][1] == lo:
            lo = out.pop()[0]
        out.append((lo, hi))
    return out


def shade_oversubscription(ax, lines: Series, failed=(), x_param: str = "") -> Drawn:
    """Shade the x where a point (drawn or failed) ran more threads than its host has PUs."""
    drawn, flags = Drawn(), {}
    candidates = [(item.x, item.point) for line in lines.values() for item in line]
    candidates += [(p.params[x_param], p) for _, _, p in failed if x_param in p.params]
    for x, p in candidates:
        host = oversubscribed(p)
        flags[x] = flags.get(x, False) or host is not None
        if host:
            drawn.pus.add(host)
    if all(x > 0 for x in flags):
        style.shade_spans(ax, spans(flags))
    return drawn


def line_panel(ax, found, failed, metric: str, x_param: str, where: Callable[[Point], bool] = lambda p: True,
               scale: float = 1.0, shade: bool = True, restyle: Callable[[dict], dict] = lambda kwargs: kwargs
               ) -> Drawn:
    """A panel of median lines against a parameter (`where` picks its
    points): repetitions as dots, failed points as ×, oversubscription shaded."""
    lines = series(found, metric, x_param, where)
    here = [f for f in failed if where(f[2])]
    drawn = draw(ax, lines, scale, restyle).update(mark_failed(ax, here, x_param))
    return drawn.update(shade_oversubscription(ax, lines, here, x_param)) if shade else drawn


def error_bars(summaries: Sequence[stats.Summary], scale: float = 1.0):
    """matplotlib yerr (below, above) from CIs of the median."""
    return ([(s.median - s.ci_low) * scale for s in summaries], [(s.ci_high - s.median) * scale for s in summaries])
