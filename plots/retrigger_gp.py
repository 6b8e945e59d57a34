"""retrigger_gp (perfbook "Retriggered Grace Periods"): open()/close() calls
per second from the updaters' storm, grace periods waited for per successful
close, last close -> cleanup latency and the readers' cost, vs reader
threads. The retrigger state machine (one rcu_head, call_rcu) and close()
waiting in synchronize() one line per backend; the rwlock version (no RCU)
in grey. One figure per placement and gap_us (0: back-to-back storm)."""
from __future__ import annotations

from plots import data, rescues, style

TITLE = "retriggered grace periods: one rcu_head state machine vs synchronize vs rwlock"
WORKLOAD = "retrigger_gp"
PANELS = (("updates_per_s", 1.0, "open() + close() calls/s", "open/close storm", "/s", False),
          ("gps_per_close", 1.0, "grace periods per successful close", "grace periods per close", "", False),
          ("lat_p50_ns", 1e-9, "last close → cleanup p50", "close → cleanup latency", "s", False),
          ("ns_per_read", 1e-9, "read cost per reader", "reader: use while open", "s", False))


def title(gap_us, placement, at):
    updaters = "/".join(map(str, data.levels(at, "updaters")))
    pace = "back to back" if not gap_us else f"{gap_us} µs apart"
    return f"Retriggered grace periods: {updaters} updaters open/close at random, {pace} ({placement} placement)"


def render(sets, out_dir):
    return rescues.render_family(sets, out_dir, WORKLOAD, PANELS, title=title,
                                 note="coloured: RCU per backend (solid: retrigger state machine, open markers: "
                                      "synchronize in close); " + style.REPETITIONS_NOTE)
