"""stat_counter (perfbook count_end vs count_end_rcu): read_count() cost vs
reader threads, the cost of one increment, and the exit latency (one grace
period for RCU) with counting threads exiting throughout. RCU lines per
backend; the global-lock version in grey. One figure per placement and life
(increments per counting thread's life)."""
from __future__ import annotations

from plots import data, rescues, style

TITLE = "per-thread statistical counters: RCU vs global lock"
WORKLOAD = "stat_counter"
BASELINES = {"lock": "global lock (count_end)"}
PANELS = (("ns_per_read", 1e-9, "read_count() cost per reader", "read_count()"),
          ("ns_per_update", 1e-9, "cost per increment, per counting thread", "inc_count(), exits included"),
          ("lat_p50_ns", 1e-9, "thread exit latency p50", "thread exit (unregister)"))


def render(sets, out_dir):
    written = []
    for placement, at in data.by_placement(sets, WORKLOAD):
        for life in data.levels(at, "life"):
            fig, axes = style.figure(len(PANELS), width_per_panel=3.8)
            backends = set()
            for ax, (metric, scale, ylabel, title) in zip(axes, PANELS):
                drawn, xs, ys = rescues.draw_variants(ax, at, metric, "readers", ["rcu"], BASELINES,
                                                      lambda p: p.params.get("life") == life, scale)
                backends |= drawn
                style.value_axis(ax, ys, unit="s")
                ax.set_ylabel(ylabel)
                ax.set_title(title)
                style.threads_axis(ax, sorted(xs) or [1], "reader threads")
            updaters = data.levels([f for f in at if f[2].params.get("life") == life], "updaters")
            title = (f"Statistical counters: counting threads ({'/'.join(map(str, updaters))} at a time) "
                     f"each exit after {life:,} increments ({placement} placement)")
            note = "coloured: RCU (count_end_rcu) per backend; error bars: 95% bootstrap CI of the median"
            written += style.finish(fig, out_dir, f"stat_counter-life{life}-{style.slug(placement)}", title, sets,
                                    backends, note, rescues.baseline_handles(BASELINES.values()), wspace=0.4)
    return written
