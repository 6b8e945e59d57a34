"""percpu_ref (perfbook "Scalable Reference Count Two", Linux's percpu_ref):
the cost of a get + put pair per reader while the ref is live, and kill ->
release latency (a grace period for the per-thread mode), vs reader threads.
Per-thread and atomic mode (both RCU-protected) one line per backend; the
plain atomic refcount (no RCU) in grey. One figure per placement and
live_us (how long each generation stays live before the killer kills it)."""
from __future__ import annotations

from plots import rescues, style

TITLE = "percpu_ref: per-thread vs atomic-mode reference count vs a plain atomic"
WORKLOAD = "percpu_ref"
PANELS = (("ns_per_live_pair", 1e-9, "get + put per reader, live time", "tryget_live() + put()", "s", False),
          ("reads_per_s", 1.0, "get + put pairs/s, all readers", "throughput (dead spans included)", "/s",
           False),
          ("lat_p50_ns", 1e-9, "kill → release p50", "kill() latency", "s", False))


def title(live_us, placement, at):
    return f"percpu_ref: 1 killer, each generation live {live_us:,} µs, then kill → release → reinit ({placement} placement)"


def render(sets, out_dir):
    return rescues.render_family(sets, out_dir, WORKLOAD, PANELS, title=title,
                                 note="coloured: RCU-mediated percpu_ref per backend (solid: per-thread mode, "
                                      "open markers: atomic mode); " + style.REPETITIONS_NOTE)
