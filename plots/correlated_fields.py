"""correlated_fields (perfbook "Correlated Fields", Schrödinger's animals):
the cost of reading the measurement triple vs reader threads, the update
rate of one updater, and the bytes each update copies, for the triple behind
a pointer (solid), localized in the record (dashed) and the whole record
copied (dotted), per backend; in-place updates under an rwlock in grey. One
figure per placement and record size."""
from __future__ import annotations

from plots import data, rescues, style

TITLE = "correlated fields: pointer vs localized vs whole-record copy vs rwlock"
WORKLOAD = "correlated_fields"
RCU_VARIANTS = ["pointer", "localized", "copy"]
LABELS = {"pointer": "RCU: triple behind a pointer", "localized": "RCU: localized copy, 2 GPs per update",
          "copy": "RCU: whole record copied"}
BASELINES = {"rwlock": "rwlock, updated in place"}
PANELS = (("ns_per_read", 1e-9, "cost per read of the triple", "reads", "s", False),
          ("updates_per_s", 1.0, "updates (updates/s)", "updates (1 updater)", "", False),
          ("bytes_per_update", 1.0, "bytes copied per update", "copying", "B", True))


def render(sets, out_dir):
    written = []
    for placement, at in data.by_placement(sets, WORKLOAD):
        for size in data.levels(at, "record_bytes"):
            fig, axes = style.figure(len(PANELS), width_per_panel=3.8)
            backends = set()
            for ax, (metric, scale, ylabel, title, unit, symlog) in zip(axes, PANELS):
                drawn, xs, ys = rescues.draw_variants(ax, at, metric, "readers", RCU_VARIANTS, BASELINES,
                                                      lambda p: p.params.get("record_bytes") == size, scale)
                backends |= drawn
                style.value_axis(ax, ys, unit=unit)
                if symlog:  # pointer and rwlock copy nothing
                    ax.set_yscale("symlog", linthresh=1)
                    ax.set_ylim(bottom=0)
                    ax.yaxis.set_major_formatter(style.EngFormatter(unit=unit, sep=" "))
                ax.set_ylabel(ylabel)
                ax.set_title(title)
                style.threads_axis(ax, sorted(xs) or [1], "reader threads")
            title = f"Correlated fields, {size:,}-byte animal record ({placement} placement)"
            note = "colour: backend; error bars: 95% bootstrap CI of the median"
            extra = rescues.variant_handles(RCU_VARIANTS, LABELS) + rescues.baseline_handles(BASELINES.values())
            written += style.finish(fig, out_dir, f"correlated_fields-record{size}-{style.slug(placement)}", title,
                                    sets, backends, note, extra, wspace=0.45)
    return written
