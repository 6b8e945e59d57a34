"""Update rate vs read throughput: each backend's line joins its delay_ns
points (short delay = many updates), so the cost updates impose on readers
shows as the line's drop. A marker's fill says the delay between updates
(legend); every repetition is a dot at its own (updates/s, reads/s). One
panel per batch size, one figure per readers level; failed points listed
in their panel (their update rate is unknown, so they have no x)."""
from __future__ import annotations

from matplotlib.lines import Line2D

from lab.analysis import metrics
from plots import data, style

TITLE = "update rate vs read throughput"
WORKLOAD = "update_rate"
# Filled for back-to-back updates, emptier as the delay grows.
DELAY_FILLS = ("full", "left", "none", "bottom", "right", "top")


def delay_fill(delays, delay) -> str:
    return DELAY_FILLS[delays.index(delay) % len(DELAY_FILLS)]


def delay_text(delay) -> str:
    return "0 (back to back)" if not delay else style.si_text(delay, "ns")


def delay_handles(delays) -> list:
    return [Line2D([], [], color="#444444", marker="o", markersize=6, linestyle="none",
                   fillstyle=delay_fill(delays, d), label=f"delay between updates {delay_text(d)}") for d in delays]


def repetition_pairs(point):
    """(updates/s, reads/s) of every repetition that yields both."""
    pairs = []
    for rep in point.repetitions:
        u, r = metrics.METRICS["updates_per_s"].of(rep), metrics.METRICS["reads_per_s"].of(rep)
        if u is not None and r is not None:
            pairs.append((u, r))
    return pairs


def draw_backend(ax, backend: str, set_index: int, items, delays) -> list:
    """One backend's line through its (updates, reads) medians, a marker per
    delay, its repetitions as dots; returns the y values drawn."""
    u = [item[1] for item in items]
    r = [item[2] for item in items]
    kwargs = style.line_kwargs(backend, set_index)
    marker = kwargs.pop("marker") or "o"
    ax.errorbar([v.median for v in u], [v.median for v in r], xerr=data.error_bars(u), yerr=data.error_bars(r),
                marker="", **kwargs)
    for delay, us, rs, _ in items:
        ax.plot([us.median], [rs.median], color=kwargs["color"], marker=marker, markersize=6, linestyle="none",
                fillstyle=delay_fill(delays, delay), zorder=4)
    dots = [pair for *_, p in items for pair in repetition_pairs(p)]
    if dots:
        ax.plot([d[0] for d in dots], [d[1] for d in dots], **style.dot_kwargs(backend))
    return [v.median for v in r] + [d[1] for d in dots]


def panel(ax, at, failed, match, delays) -> data.Drawn:
    drawn = data.Drawn()
    reads = data.series(at, "reads_per_s", "delay_ns", match)
    updates = data.series(at, "updates_per_s", "delay_ns", match)
    for (i, backend), line in data.ordered(reads):
        by_delay = {item.x: item.summary for item in updates.get((i, backend), [])}
        items = sorted(((item.x, by_delay[item.x], item.summary, item.point) for item in line if item.x in by_delay),
                       key=lambda t: t[1].median)
        if items:
            drawn.ys += draw_backend(ax, backend, i, items, delays)
            drawn.backends.add(backend)
    lost = [p for _, _, p in failed if match(p)]
    style.list_failed(ax, [(p.backend, f"{p.backend}, delay {delay_text(p.params.get('delay_ns'))}: "
                                       f"{data.reason(p)}") for p in lost])
    drawn.failed |= {data.reason(p) for p in lost}
    drawn.backends |= {p.backend for p in lost}
    return drawn


def render(sets, out_dir):
    written = []
    for placement, at, failed in data.by_placement(sets, WORKLOAD):
        delays = data.levels(at, "delay_ns")
        for readers in style.pick_levels(data.levels(at, "readers")):
            batches = data.levels([f for f in at if f[2].params.get("readers") == readers], "batch")
            fig, axes = style.figure(len(batches), width_per_panel=3.8)
            total = data.Drawn()
            for ax, batch in zip(axes, batches):
                match = lambda p, b=batch: p.params.get("readers") == readers and p.params.get("batch") == b
                total.update(panel(ax, at, failed, match, delays))
                ax.set_xscale("log")
                style.si_axis(ax.xaxis)
                style.value_axis(ax, total.ys)
                ax.set_xlabel("update throughput (updates/s)")
                ax.set_title(f"batch {batch} (objects retired per grace period)")
            axes[0].set_ylabel("read throughput, all readers (reads/s)")
            title = (f"Updates vs reads, {style.plural(readers, 'reader thread')}, 1 updater "
                     f"({placement} placement)")
            note = ("one line per backend through its delays; marker fill: the delay between updates; "
                    "dots: every repetition; " + style.CI_NOTE + " (both axes)"
                    + data.oversubscription_note([f for f in at if f[2].params.get("readers") == readers]))
            written += style.finish(fig, out_dir, f"update_rate-readers{readers}-{style.slug(placement)}", title,
                                    sets, total.backends, note, total.legend_extra() + delay_handles(delays),
                                    failed=total.failed)
    return written
