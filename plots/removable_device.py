"""removable_device (perfbook "Counters for Removable I/O Devices"): I/Os
completed per second vs I/O threads, device removal latency (grace period
plus drain), and the share of I/Os cancelled because a removal was in
progress (the throughput dip). RCU fast path per backend; the rwlock fast
path in grey. One figure per placement and present_us (device lifetime
between removals)."""
from __future__ import annotations

from plots import rescues, style

TITLE = "removable-device I/O counters: RCU vs rwlock"
WORKLOAD = "removable_device"
PANELS = (("io_completed_per_s", 1.0, "I/Os completed, all I/O threads (I/Os/s)", "I/O throughput", "", False),
          ("lat_p50_ns", 1e-9, "removal latency p50", "device removal (GP + drain)", "s", False),
          ("cancelled_share", 100.0, "I/Os cancelled by a removal (% of attempts)", "throughput lost to removals",
           "", False))


def title(present, placement, at):
    return f"Removable device: removed and re-inserted every {present:,} µs of presence ({placement} placement)"


def render(sets, out_dir):
    return rescues.render_family(sets, out_dir, WORKLOAD, PANELS, title=title,
                                 x_label="I/O threads",
                                 note="coloured: RCU fast path per backend; "
                                      + style.REPETITIONS_NOTE)
