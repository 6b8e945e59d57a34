"""removable_device (perfbook "Counters for Removable I/O Devices"): I/O
starts per second vs I/O threads, device removal latency (grace period plus
drain), and the share of I/Os cancelled because a removal was in progress
(the throughput dip). RCU fast path per backend; the rwlock fast path in
grey. One figure per placement and present_us (device lifetime between
removals)."""
from __future__ import annotations

from plots import data, rescues, style

TITLE = "removable-device I/O counters: RCU vs rwlock"
WORKLOAD = "removable_device"
BASELINES = {"rwlock": "rwlock fast path (read_lock)"}
PANELS = (("io_completed_per_s", 1.0, "I/Os completed, all I/O threads (I/Os/s)", "I/O throughput", ""),
          ("lat_p50_ns", 1e-9, "removal latency p50", "device removal (GP + drain)", "s"),
          ("cancelled_share", 100.0, "I/Os cancelled by a removal (% of attempts)", "throughput lost to removals",
           "%"))


def render(sets, out_dir):
    written = []
    for placement, at in data.by_placement(sets, WORKLOAD):
        for present in data.levels(at, "present_us"):
            fig, axes = style.figure(len(PANELS), width_per_panel=3.8)
            backends = set()
            for ax, (metric, scale, ylabel, title, unit) in zip(axes, PANELS):
                drawn, xs, ys = rescues.draw_variants(ax, at, metric, "readers", ["rcu"], BASELINES,
                                                      lambda p: p.params.get("present_us") == present, scale)
                backends |= drawn
                style.value_axis(ax, ys, unit=unit if unit != "%" else "")
                ax.set_ylabel(ylabel)
                ax.set_title(title)
                style.threads_axis(ax, sorted(xs) or [1], "I/O threads")
            title = (f"Removable device: removed and re-inserted every {present:,} µs of presence "
                     f"({placement} placement)")
            note = "coloured: RCU fast path per backend; error bars: 95% bootstrap CI of the median"
            written += style.finish(fig, out_dir, f"removable_device-present{present}-{style.slug(placement)}",
                                    title, sets, backends, note, rescues.baseline_handles(BASELINES.values()),
                                    wspace=0.45)
    return written
