"""Read throughput vs reader threads, one line per backend (`none` = the ideal
line) through the medians, every repetition a dot, error bars = CI of the
median, failed points as ×, oversubscription (readers + updaters + call_rcu
workers > PUs) shaded. One panel per updater mode, one figure per placement."""
from __future__ import annotations

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


def in_mode(updaters, reclaim):
    return lambda p: p.params.get("updaters") == updaters and p.params.get("reclaim") == reclaim


def render(sets, out_dir):
    written = []
    for placement, at, failed in data.by_placement(sets, WORKLOAD):
        modes = sorted({(p.params.get("updaters"), p.params.get("reclaim")) for _, _, p in at}, key=mode_order)
        fig, axes = style.figure(len(modes))
        total = data.Drawn()
        for ax, (updaters, reclaim) in zip(axes, modes):
            here = data.line_panel(ax, at, failed, "reads_per_s", "readers", in_mode(updaters, reclaim))
            total.update(here)
            style.value_axis(ax, here.ys)
            ax.set_title(mode_title(updaters, reclaim))
            style.threads_axis(ax, sorted(here.xs) or [1], "reader threads")
        axes[0].set_ylabel("read throughput, all readers (reads/s)")
        title = f"Read-side scalability ({placement} placement)"
        written += style.finish(fig, out_dir, f"read_scalability-{style.slug(placement)}", title,
                                sets, total.backends, style.REPETITIONS_NOTE, total.legend_extra(),
                                failed=total.failed)
    return written
