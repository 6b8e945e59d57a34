"""Read throughput vs reader threads, one line per backend (`none` = the ideal
line), error bars = 95% CI of the median, oversubscription (threads > PUs)
shaded. One panel per updater mode, one figure per placement."""
from __future__ import annotations

from matplotlib.patches import Patch

from plots import data, style

TITLE = "read throughput vs threads"
WORKLOAD = "read_scalability"
MODES = {("0", "none"): "read-only", ("1", "sync"): "1 updater, synchronize",
         ("1", "call"): "1 updater, call_rcu"}
MODE_ORDER = list(MODES)


def mode_title(updaters, reclaim) -> str:
    return MODES.get((str(updaters), str(reclaim)), f"{updaters} updaters, reclaim {reclaim}")


def mode_order(mode):
    key = (str(mode[0]), str(mode[1]))
    return (MODE_ORDER.index(key) if key in MODE_ORDER else len(MODE_ORDER), key)


def shade_oversubscription(ax, sets, x_min, x_max) -> list:
    """Shade readers > PUs (the host's PUs; several hosts: the smallest)."""
    ax.set_xlim(x_min / 1.25, x_max * 1.25)
    counts = [c for c in (data.pus(rs) for rs in sets) if c]
    if not counts or x_max <= min(counts):
        return []
    pus = min(counts)
    ax.axvspan(pus * 1.1, x_max * 1.25, color="#999999", alpha=0.15, linewidth=0)
    return [Patch(color="#999999", alpha=0.3, label=f"oversubscribed (> {pus} PUs)")]


def render(sets, out_dir):
    written = []
    for placement, at in data.by_placement(sets, WORKLOAD):
        modes = sorted({(p.params.get("updaters"), p.params.get("reclaim")) for _, _, p in at}, key=mode_order)
        fig, axes = style.figure(len(modes))
        backends, extra = set(), []
        for ax, (updaters, reclaim) in zip(axes, modes):
            lines = data.series(at, "reads_per_s", "readers",
                                lambda p: p.params.get("updaters") == updaters and p.params.get("reclaim") == reclaim)
            drawn, xs, ys = data.draw(ax, lines)
            backends |= drawn
            style.value_axis(ax, ys)
            ax.set_title(mode_title(updaters, reclaim))
            style.threads_axis(ax, sorted(xs) or [1], "reader threads")
            extra = shade_oversubscription(ax, sets, min(xs or [1]), max(xs or [1])) or extra
        axes[0].set_ylabel("read throughput, all readers (reads/s)")
        title = f"Read-side scalability ({placement} placement)"
        note = "error bars: CI of the median (95% if n ≥ 6, else min–max)"
        written += style.finish(fig, out_dir, f"read_scalability-{style.slug(placement)}", title,
                                sets, backends, note, extra)
    return written
