"""Memory backlog: the largest queued-not-invoked call_rcu backlog
(cb_backlog_peak) vs updaters, per enqueue interval, with the harness's 2^20
throttle cap; and objects still unreclaimed when the threads stopped."""
from __future__ import annotations

from matplotlib.lines import Line2D

from plots import data, style

TITLE = "memory backlog"
WORKLOAD = "call_rcu"
THROTTLE_CAP = 1 << 20  # call_rcu workload: enqueueing pauses at this backlog


def render(sets, out_dir):
    written = []
    for placement, at in data.by_placement(sets, WORKLOAD, why=" (the backlog comes from call_rcu)"):
        intervals = data.levels(at, "interval_ns")
        panels = [(iv, "cb_backlog_peak") for iv in intervals] + [(iv, "unreclaimed_final") for iv in intervals]
        fig, axes = style.figure(len(panels), width_per_panel=3.2)
        backends = set()
        for ax, (interval, metric) in zip(axes, panels):
            lines = data.series(at, metric, "updaters", lambda p, iv=interval: p.params.get("interval_ns") == iv)
            drawn, xs, _ = data.draw(ax, lines)
            backends |= drawn
            if metric == "cb_backlog_peak":
                ax.axhline(THROTTLE_CAP, color="#444444", linewidth=0.8, linestyle=(0, (4, 2)))
            ax.set_yscale("symlog", linthresh=1)  # a backlog can be 0
            ax.set_ylim(bottom=0)
            pace = "flat out" if interval == 0 else f"one per {interval / 1000:g} µs"
            what = "backlog peak" if metric == "cb_backlog_peak" else "unreclaimed at close"
            ax.set_title(f"{what}, {pace}")
            ax.set_ylabel("callbacks queued, not yet invoked" if metric == "cb_backlog_peak"
                          else "retired objects not yet freed")
            style.threads_axis(ax, sorted(xs) or [1], "updater threads")
        cap = Line2D([], [], color="#444444", linewidth=0.8, linestyle=(0, (4, 2)), label="throttle cap (2^20)")
        title = f"call_rcu memory backlog ({placement} placement)"
        note = "median over repetitions; error bars: CI of the median (95% if n ≥ 6, else min–max)"
        written += style.finish(fig, out_dir, f"memory_backlog-{style.slug(placement)}", title,
                                sets, backends, note, [cap], wspace=0.4)
    return written
