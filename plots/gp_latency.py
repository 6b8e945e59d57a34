"""Grace-period (synchronize) latency from the harness's histograms.

Percentile plots (gp_latency_cdf-*): latency on a log axis against the
percentile on a "nines" axis (x = -log10(1 - p): 50, 90, 99, 99.9, ...), so
the tail gets as much room as the body; each repetition a thin line, the
repetitions merged a thick one; one panel per number of concurrent
updaters, one figure per readers level. Latencies longer than the
measurement window (a synchronize that outlived it) are counted and marked
at the top instead of stretching the axis.

Summary (gp_latency_summary-*): p50 and p99 vs concurrent updaters, median
lines with every repetition a dot."""
from __future__ import annotations

import math
from typing import Dict, List, Optional, Tuple

from matplotlib.lines import Line2D
from matplotlib.ticker import FixedFormatter, FixedLocator, NullLocator

from lab.analysis import histogram
from plots import data, style

TITLE = "grace-period latency percentiles"
WORKLOAD = "gp_latency"
PERCENT_TICKS = (50, 90, 99, 99.9, 99.99, 99.999, 99.9999, 99.99999)
UPRIGHT_TICKS = 5  # beyond this many, the long labels (99.999) are slanted to fit
WINDOW_STYLE = {"color": "#444444", "linewidth": 0.9, "linestyle": (0, (5, 2))}
BEYOND_MARK = {"marker": "^", "markersize": 7, "markeredgecolor": "#222222", "markeredgewidth": 0.6,
               "linestyle": "none", "clip_on": False, "zorder": 6}


def nines(p: float) -> float:
    """Position of percentile p (0..1) on the nines axis: 90% -> 1, 99% -> 2."""
    return -math.log10(1 - p)


def counts_of(histograms) -> Dict[int, int]:
    return histogram.merge(h for h in histograms if h)


def largest(point, reps=None) -> Optional[int]:
    found = [r.max_ns for r in (reps or point.repetitions) if r.max_ns]
    return max(found) if found else None


def percentile_steps(counts: Dict[int, int], max_ns: Optional[int]) -> Tuple[List[float], List[float]]:
    """Latency (ns) against nines as steps (drawn `post`): each non-empty
    bucket from the percentile at which it starts, the last running to the
    largest sample's plotting position, 1 - 0.5/N. Bucket values are their
    upper bounds, the last capped at the measured maximum."""
    items = sorted((i, c) for i, c in counts.items() if c > 0)
    total = sum(c for _, c in items)
    xs, ys, seen = [], [], 0
    for index, count in items:
        bound = histogram.upper_bound_of(index)
        xs.append(nines(seen / total))
        ys.append(min(bound, max_ns) if max_ns else bound)
        seen += count
    xs.append(nines(1 - 0.5 / total))
    ys.append(ys[-1])
    return xs, ys


def post_steps(xs: List[float], ys: List[float]) -> Tuple[List[float], List[float]]:
    """The corners of a step line drawn `post` (each y held until the next x)."""
    corner_x, corner_y = [xs[0]], [ys[0]]
    for x, y_before, y in zip(xs[1:], ys, ys[1:]):
        corner_x += [x, x]
        corner_y += [y_before, y]
    return corner_x, corner_y


def lower_bound_of(index: int) -> int:
    return histogram.upper_bound_of(index - 1) + 1 if index > 0 else 0


def beyond(counts: Dict[int, int], max_ns: Optional[int], window_ns: float) -> int:
    """Samples longer than the window: those in buckets wholly above it, or
    at least the maximum when only its bucket straddles the window."""
    n = sum(c for i, c in counts.items() if lower_bound_of(i) > window_ns)
    return n or (1 if max_ns and max_ns > window_ns else 0)


def window_of(point) -> float:
    """The measurement window (ns): the longest wall_ns of its repetitions."""
    return max((r.counters.get("wall_ns", 0) for r in point.repetitions), default=0)


def nines_axis(ax, right: float) -> None:
    ticks = [p for p in PERCENT_TICKS if nines(p / 100) <= right * 1.0001]
    ax.set_xlim(0, right * 1.02)
    ax.xaxis.set_major_locator(FixedLocator([nines(p / 100) for p in ticks]))
    ax.xaxis.set_major_formatter(FixedFormatter([f"{p:g}" for p in ticks]))
    ax.xaxis.set_minor_locator(NullLocator())
    if len(ticks) > UPRIGHT_TICKS:
        ax.tick_params(axis="x", labelrotation=35)
    ax.set_xlabel("percentile (nines scale)")


def draw_point(ax, point, set_index: int, window_ns: float):
    """The point's repetitions (thin) and their merge (thick); returns
    (rightmost x, samples beyond the window, x where the curve first passes it)."""
    kwargs = style.line_kwargs(point.backend, set_index)
    kwargs.pop("marker")
    kwargs.pop("linewidth", None)
    thin_x, thin_y = [], []
    for rep in point.repetitions:
        if rep.histogram:  # all repetitions one line, NaN between them: one artist, not nine, to draw
            xs, ys = post_steps(*percentile_steps(counts_of([rep.histogram]), rep.max_ns))
            thin_x += xs + [math.nan]
            thin_y += [y * 1e-9 for y in ys] + [math.nan]
    ax.plot(thin_x, thin_y, linewidth=0.6, alpha=0.35, **kwargs)
    counts = counts_of(r.histogram for r in point.repetitions)
    max_ns = largest(point)
    xs, ys = percentile_steps(counts, max_ns)
    ax.step(xs, [y * 1e-9 for y in ys], where="post", linewidth=1.6, **kwargs)
    first_beyond = next((x for x, y in zip(xs, ys) if y > window_ns), None)
    return xs[-1], beyond(counts, max_ns, window_ns), first_beyond


def flag_beyond(ax, flagged, window_ns: float) -> None:
    """The window as a line; per backend that outlived it a ^ on the top
    edge where its curve leaves the axes, and how many samples did."""
    ax.axhline(window_ns * 1e-9, **WINDOW_STYLE)
    for row, (backend, x, n) in enumerate(flagged):
        color = style.backend_style(backend)[0]
        ax.plot([x], [1.0], transform=ax.get_xaxis_transform(), markerfacecolor=color, **BEYOND_MARK)
        ax.text(0.03, 0.95 - 0.07 * row, f"{backend}: {style.plural(n, 'sample')} > window", color="#222222",
                transform=ax.transAxes, fontsize=7, va="top",
                bbox={"facecolor": "white", "edgecolor": color, "alpha": 0.8, "pad": 1.0})


def percentile_panel(ax, chosen, failed_here, window_ns: float) -> Tuple[data.Drawn, float, list]:
    drawn, right, flagged = data.Drawn(), 0.0, []
    for i, _, p in sorted(chosen, key=lambda f: (f[0], style.backend_sort_key(f[2].backend))):
        if not any(r.histogram for r in p.repetitions):
            continue
        end, n, x = draw_point(ax, p, i, window_ns)
        right = max(right, end)
        drawn.backends.add(p.backend)
        if n:
            flagged.append((p.backend, x, n))
    style.list_failed(ax, [(p.backend, f"{p.backend}: {data.reason(p)}") for _, _, p in failed_here])
    drawn.failed |= {data.reason(p) for _, _, p in failed_here}
    drawn.backends |= {p.backend for _, _, p in failed_here}
    return drawn, right, flagged


def percentile_handles(window_ns: float, flagged: bool) -> list:
    handles = [Line2D([], [], color="#444444", linewidth=0.6, alpha=0.5, label="one repetition"),
               Line2D([], [], color="#444444", linewidth=1.6, label="repetitions merged")]
    if flagged:
        handles += [Line2D([], [], label=f"measurement window ({style.si_text(window_ns, 'ns')})", **WINDOW_STYLE),
                    Line2D([], [], markerfacecolor="#dddddd", label="samples longer than the window",
                           **dict(BEYOND_MARK, clip_on=True))]
    return handles


def percentile_figure(sets, out_dir, placement, here, failed, readers) -> List[str]:
    updater_levels = style.pick_levels(data.levels(here, "updaters"), at_most=4)
    fig, axes = style.figure(len(updater_levels), width_per_panel=3.4, share=True)
    window_ns = max(window_of(p) for _, _, p in here)
    total, right, any_flagged = data.Drawn(), 0.0, False
    for ax, updaters in zip(axes, updater_levels):
        match = lambda p, u=updaters: p.params.get("updaters") == u
        drawn, end, flagged = percentile_panel(ax, [f for f in here if match(f[2])],
                                               [f for f in failed if match(f[2])], window_ns)
        total.update(drawn)
        right = max(right, end)
        if flagged:
            flag_beyond(ax, flagged, window_ns)
            any_flagged = True
        ax.set_title(f"{style.plural(updaters, 'concurrent updater')}")
    axes[0].set_yscale("log")
    if any_flagged:
        axes[0].set_ylim(top=window_ns * 1e-9 * 2)
    style.si_axis(axes[0].yaxis, "s")
    axes[0].set_ylabel("synchronize latency")
    for ax in axes:
        nines_axis(ax, right or nines(0.99))
    title = (f"Grace-period latency by percentile, {style.plural(readers, 'reader thread')} "
             f"({placement} placement)")
    note = ("x: percentile on a nines scale (90 → 99 → 99.9 equally spaced); "
            "histogram buckets ±6.25% (bench/harness/histogram.h)" + data.oversubscription_note(here))
    return style.finish(fig, out_dir, f"gp_latency_cdf-readers{readers}-{style.slug(placement)}", title, sets,
                        total.backends, note, percentile_handles(window_ns, any_flagged), markers=False,
                        failed=total.failed)


SUMMARY_PANELS = (("synchronize latency p50", "lat_p50_ns"), ("synchronize latency p99", "lat_p99_ns"))


def summary_figure(sets, out_dir, placement, here, failed, readers) -> List[str]:
    fig, axes = style.figure(len(SUMMARY_PANELS), width_per_panel=3.6)
    total = data.Drawn()
    for ax, (panel_title, metric) in zip(axes, SUMMARY_PANELS):
        drawn = data.line_panel(ax, here, failed, metric, "updaters")
        total.update(drawn)
        style.value_axis(ax, drawn.ys, "ns")
        ax.set_title(panel_title)
        ax.set_ylabel(panel_title)
        style.threads_axis(ax, sorted(drawn.xs) or [1], "concurrent updaters")
    title = (f"Grace-period latency vs updaters, {style.plural(readers, 'reader thread')} "
             f"({placement} placement)")
    return style.finish(fig, out_dir, f"gp_latency_summary-readers{readers}-{style.slug(placement)}", title, sets,
                        total.backends, "dots: each repetition's own percentile; line: their median; " + style.CI_NOTE,
                        total.legend_extra(), wspace=0.35, failed=total.failed)


def render(sets, out_dir):
    written = []
    for placement, at, failed in data.by_placement(sets, WORKLOAD, lambda p: any(r.histogram for r in p.repetitions),
                                                   " with a latency_histogram"):
        for readers in style.pick_levels(data.levels(at, "readers")):
            match = lambda p: p.params.get("readers") == readers
            here, lost = [f for f in at if match(f[2])], [f for f in failed if match(f[2])]
            written += percentile_figure(sets, out_dir, placement, here, lost, readers)
            written += summary_figure(sets, out_dir, placement, here, lost, readers)
    return written
