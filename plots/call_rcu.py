"""call_rcu: callbacks/s with updaters enqueueing flat out (interval 0), and
enqueue-to-invocation latency with paced updaters (interval > 0), vs updaters:
median lines, every repetition a dot, failed points as ×, oversubscription
(reader + updaters + call_rcu workers > PUs) shaded."""
from __future__ import annotations

from plots import data, style

TITLE = "call_rcu throughput and latency vs updaters"
WORKLOAD = "call_rcu"


def panels(at):
    """(title, metric, scale, y label, unit, interval) per panel."""
    out = []
    for interval in data.levels(at, "interval_ns"):
        if interval == 0:
            out.append(("flat out: callbacks invoked", "callbacks_per_s", 1.0, "callbacks invoked (callbacks/s)", "",
                        0))
        else:
            out.append((f"one callback per {style.si_text(interval, 'ns')} per updater: latency p50", "lat_p50_ns",
                        1.0, "enqueue → invocation p50", "ns", interval))
    return out


def render(sets, out_dir):
    written = []
    for placement, at, failed in data.by_placement(sets, WORKLOAD):
        chosen = panels(at)
        fig, axes = style.figure(len(chosen), width_per_panel=3.8)
        total = data.Drawn()
        for ax, (title, metric, scale, ylabel, unit, interval) in zip(axes, chosen):
            here = data.line_panel(ax, at, failed, metric, "updaters",
                                   lambda p, iv=interval: p.params.get("interval_ns") == iv, scale)
            total.update(here)
            style.value_axis(ax, here.ys, unit)
            ax.set_ylabel(ylabel)
            ax.set_title(title)
            style.threads_axis(ax, sorted(here.xs) or [1], "updater threads")
        title = f"call_rcu, 1 reader running ({placement} placement)"
        written += style.finish(fig, out_dir, f"call_rcu-{style.slug(placement)}", title, sets, total.backends,
                                style.REPETITIONS_NOTE, total.legend_extra(), wspace=0.35, failed=total.failed)
    return written
