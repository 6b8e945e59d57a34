"""resizable_array (perfbook "Array and Length", QEMU's RCU resizable arrays):
read throughput vs reader threads while one updater resizes back to back,
the resize rate, and the average bytes unpublished but not yet freed. Length
and array in one RCU structure (solid) and published separately with two
grace periods per resize (dashed, hollow markers) per backend; the rwlock in
grey. One figure per placement and maximum length."""
from __future__ import annotations

from plots import data, rescues, style

TITLE = "resizable array: one RCU structure vs split length/pointer vs rwlock"
WORKLOAD = "resizable_array"
RCU_VARIANTS = ["rcu", "split"]
LABELS = {"rcu": "RCU: length inside the array (the fix)", "split": "RCU: length and pointer apart, 2 GPs"}
BASELINES = {"rwlock": "rwlock around length and pointer"}
PANELS = (("reads_per_s", "read throughput, all readers (reads/s)", "indexed reads", ""),
          ("updates_per_s", "resizes (resizes/s)", "resizes (1 updater)", ""),
          ("pending_bytes_avg", "bytes awaiting reclamation, time average", "reclamation backlog", "B"))


def render(sets, out_dir):
    written = []
    for placement, at in data.by_placement(sets, WORKLOAD):
        for length in data.levels(at, "len"):
            fig, axes = style.figure(len(PANELS), width_per_panel=3.8)
            backends = set()
            for ax, (metric, ylabel, title, unit) in zip(axes, PANELS):
                drawn, xs, ys = rescues.draw_variants(ax, at, metric, "readers", RCU_VARIANTS, BASELINES,
                                                      lambda p: p.params.get("len") == length)
                backends |= drawn
                style.value_axis(ax, ys, unit=unit)
                ax.set_ylabel(ylabel)
                ax.set_title(title)
                style.threads_axis(ax, sorted(xs) or [1], "reader threads")
            title = f"Resizable array of up to {length:,} elements, resized back to back ({placement} placement)"
            note = "colour: backend; error bars: 95% bootstrap CI of the median"
            extra = rescues.variant_handles(RCU_VARIANTS, LABELS) + rescues.baseline_handles(BASELINES.values())
            written += style.finish(fig, out_dir, f"resizable_array-len{length}-{style.slug(placement)}", title,
                                    sets, backends, note, extra, wspace=0.45)
    return written
