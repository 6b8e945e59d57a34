"""Read-side cost vs critical-section length: where rwlock and ptmutex catch up
with RCU. Left: ns per read per thread; right: read throughput relative to
`none` (or qsbr) at the same section length. One figure per readers level."""
from __future__ import annotations

from matplotlib.ticker import FixedLocator, NullLocator, ScalarFormatter

from plots import data, style

TITLE = "read cost vs critical-section length"
WORKLOAD = "cs_length"


def cs_axis(ax, values) -> None:
    # cs_ns includes 0: symlog is linear below 10 ns and logarithmic above.
    ax.set_xscale("symlog", linthresh=10, linscale=1.0)
    ax.set_xlim(0, max(values) * 1.5)
    ax.xaxis.set_major_locator(FixedLocator(sorted(set(values))))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(ScalarFormatter())
    ax.set_xlabel("busy work inside the section (ns)")


def render(sets, out_dir):
    written = []
    for placement, at in data.by_placement(sets, WORKLOAD):
        for readers in style.pick_levels(data.levels(at, "readers")):
            lines = data.series(at, "ns_per_read", "cs_ns", lambda p: p.params.get("readers") == readers)
            through = data.series(at, "reads_per_s", "cs_ns", lambda p: p.params.get("readers") == readers)
            present = {b for _, b in lines}
            reference = "none" if "none" in present else "qsbr" if "qsbr" in present else None
            fig, (cost_ax, rel_ax) = style.figure(2, width_per_panel=4.0)
            _, xs, _ = data.draw(cost_ax, lines)
            for (i, backend), _ in data.ordered(lines):
                base = {item[0]: item[1].median for item in through.get((i, reference), [])}
                rel = [(cs, item[1].median / base[cs]) for cs, item in
                       ((item[0], item) for item in through.get((i, backend), [])) if base.get(cs)]
                if rel and backend != reference:
                    rel_ax.plot([r[0] for r in rel], [r[1] for r in rel], **style.line_kwargs(backend, i))
            cost_ax.set_yscale("log")
            cost_ax.set_ylabel("wall time per read-side section, per thread (ns)")
            cost_ax.set_title("read-side cost")
            rel_ax.set_yscale("log")
            rel_ax.axhline(1.0, color="#000000", linewidth=0.8)
            rel_ax.set_ylabel(f"read throughput / {reference}'s" if reference else "relative throughput")
            rel_ax.set_title(f"relative to {reference} (1 = no overhead)" if reference else "no reference backend")
            for ax in (cost_ax, rel_ax):
                cs_axis(ax, xs)
            title = f"Critical-section length, {readers} reader threads ({placement} placement)"
            note = "left: median with its CI of the median (95% if n ≥ 6, else min–max); right: ratio of medians"
            written += style.finish(fig, out_dir, f"cs_length-readers{readers}-{style.slug(placement)}", title,
                                    sets, present, note, wspace=0.35)
    return written
