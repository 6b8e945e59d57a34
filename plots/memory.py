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
    found = data.points(sets, WORKLOAD)
    if not found:
        raise style.NoData(f"no ok {WORKLOAD} points (the backlog comes from call_rcu)")
    written = []
    for placement in data.levels(found, "placement"):
        at = [f for f in found if f[2].params.get("placement") == placement]
        intervals = data.levels(at, "interval_ns")
        panels = [(iv, "cb_backlog_peak") for iv in intervals] + [(iv, "unreclaimed_final") for iv in intervals]
        fig, axes = style.figure(len(panels), width_per_panel=3.2)
        backends, xs = set(), set()
        for ax, (interval, metric) in zip(axes, panels):
            lines = data.series(at, metric, "updaters", lambda p, iv=interval: p.params.get("interval_ns") == iv)
            for (i, backend), line in sorted(lines.items(), key=lambda kv: (kv[0][0], style.backend_sort_key(kv[0][1]))):
                x = [item[0] for item in line]
                s = [item[1] for item in line]
                xs.update(x)
                ax.errorbar(x, [v.median for v in s], yerr=data.error_bars(s), **style.line_kwargs(backend, i))
                backends.add(backend)
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
        fig.suptitle(f"call_rcu memory backlog ({placement} placement)", y=1.02)
        style.legend(fig, backends, [rs.label for rs in sets], [cap])
        style.caption(fig, sets, "median over repetitions, 95% bootstrap CI")
        fig.subplots_adjust(wspace=0.4)
        written += style.save(fig, out_dir, f"memory_backlog-{style.slug(placement)}")
    return written
