"""stat_counter (perfbook count_end vs count_end_rcu): read_count() cost vs
reader threads, the cost of one increment, and the exit latency (one grace
period for RCU) with counting threads exiting throughout. RCU lines per
backend; the global-lock version in grey. One figure per placement and life
(increments per counting thread's life)."""
from __future__ import annotations

from plots import data, rescues, style

TITLE = "per-thread statistical counters: RCU vs global lock"
WORKLOAD = "stat_counter"
PANELS = (("ns_per_read", 1e-9, "read_count() cost per reader", "read_count()", "s", False),
          ("ns_per_update", 1e-9, "cost per increment, per counting thread", "inc_count(), exits included", "s",
           False),
          ("lat_p50_ns", 1e-9, "thread exit latency p50", "thread exit (unregister)", "s", False))


def title(life, placement, at):
    updaters = "/".join(map(str, data.levels(at, "updaters")))
    return (f"Statistical counters: counting threads ({updaters} at a time) each exit after {life:,} increments "
            f"({placement} placement)")


def render(sets, out_dir):
    return rescues.render_family(sets, out_dir, WORKLOAD, PANELS, title=title,
                                 note="coloured: RCU (count_end_rcu) per backend; "
                                      + style.REPETITIONS_NOTE)
