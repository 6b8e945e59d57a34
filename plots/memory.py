"""Memory backlog: the largest queued-not-invoked call_rcu backlog
(cb_backlog_peak) vs updaters, per enqueue interval, with the workload's
throttle cap; and objects still unreclaimed when the threads stopped.
Median lines, every repetition a dot, failed points as ×."""
from __future__ import annotations

from matplotlib.lines import Line2D

from lab.records import catalogue
from plots import data, style

TITLE = "memory backlog"
WORKLOAD = "call_rcu"
CAP_STYLE = {"color": "#444444", "linewidth": 0.8, "linestyle": (0, (4, 2))}


def backlog_cap() -> int:
    """The backlog at which call_rcu's updaters pause (its descriptor's bound, 2^20)."""
    described = catalogue.workload(WORKLOAD)
    bounds = {c.name: c.most for c in described.counters} if described else {}
    return int(bounds.get("cb_backlog_peak") or 1 << 20)


def cap_text(cap: int) -> str:
    return f"throttle cap (2^{cap.bit_length() - 1})" if cap & (cap - 1) == 0 else f"throttle cap ({cap:,})"


def cap_handle() -> Line2D:
    return Line2D([], [], label=cap_text(backlog_cap()), **CAP_STYLE)


def render(sets, out_dir):
    written = []
    for placement, at, failed in data.by_placement(sets, WORKLOAD, why=" (the backlog comes from call_rcu)"):
        intervals = data.levels(at, "interval_ns")
        panels = [(iv, "cb_backlog_peak") for iv in intervals] + [(iv, "unreclaimed_final") for iv in intervals]
        fig, axes = style.figure(len(panels), width_per_panel=3.2)
        total = data.Drawn()
        for ax, (interval, metric) in zip(axes, panels):
            here = data.line_panel(ax, at, failed, metric, "updaters",
                                   lambda p, iv=interval: p.params.get("interval_ns") == iv)
            total.update(here)
            if metric == "cb_backlog_peak":
                ax.axhline(backlog_cap(), **CAP_STYLE)
            ax.set_yscale("symlog", linthresh=1)  # a backlog can be 0
            ax.set_ylim(bottom=0)
            style.si_axis(ax.yaxis)
            pace = "flat out" if interval == 0 else f"one per {style.si_text(interval, 'ns')}"
            what = "backlog peak" if metric == "cb_backlog_peak" else "unreclaimed at close"
            ax.set_title(f"{what}, {pace}")
            ax.set_ylabel("callbacks queued, not yet invoked" if metric == "cb_backlog_peak"
                          else "retired objects not yet freed")
            style.threads_axis(ax, sorted(here.xs) or [1], "updater threads")
        title = f"call_rcu memory backlog ({placement} placement)"
        written += style.finish(fig, out_dir, f"memory_backlog-{style.slug(placement)}", title,
                                sets, total.backends, style.REPETITIONS_NOTE, total.legend_extra() + [cap_handle()],
                                wspace=0.4, failed=total.failed)
    return written
