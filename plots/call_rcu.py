"""call_rcu: callbacks/s with updaters enqueueing flat out (interval 0), and
enqueue-to-invocation latency with paced updaters (interval > 0), vs updaters."""
from __future__ import annotations

from plots import data, style

TITLE = "call_rcu throughput and latency vs updaters"
WORKLOAD = "call_rcu"


def panels(at):
    """(title, metric, scale, y label, interval) per panel."""
    out = []
    for interval in data.levels(at, "interval_ns"):
        if interval == 0:
            out.append(("flat out: callbacks invoked", "callbacks_per_s", 1.0, "callbacks invoked (callbacks/s)", 0))
        else:
            out.append((f"one callback per {interval / 1000:g} µs per updater: latency p50", "lat_p50_ns", 1e-3,
                        "enqueue → invocation p50 (µs)", interval))
    return out


def render(sets, out_dir):
    written = []
    for placement, at in data.by_placement(sets, WORKLOAD):
        chosen = panels(at)
        fig, axes = style.figure(len(chosen), width_per_panel=3.8)
        backends = set()
        for ax, (title, metric, scale, ylabel, interval) in zip(axes, chosen):
            lines = data.series(at, metric, "updaters", lambda p, iv=interval: p.params.get("interval_ns") == iv)
            drawn, xs, ys = data.draw(ax, lines, scale)
            backends |= drawn
            style.value_axis(ax, ys)
            ax.set_ylabel(ylabel)
            ax.set_title(title)
            style.threads_axis(ax, sorted(xs) or [1], "updater threads")
        title = f"call_rcu, 1 reader running ({placement} placement)"
        note = "error bars: CI of the median (95% if n ≥ 6, else min–max)"
        written += style.finish(fig, out_dir, f"call_rcu-{style.slug(placement)}", title,
                                sets, backends, note, wspace=0.35)
    return written
