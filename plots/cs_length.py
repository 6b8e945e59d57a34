"""Read-side cost vs critical-section length: where rwlock and ptmutex catch up
with RCU. Left: wall time per read-side section per thread (median line,
every repetition a dot); right: read throughput relative to `none` (or
qsbr) at the same section length. One figure per readers level."""
from __future__ import annotations

from matplotlib.ticker import FixedLocator, NullLocator

from plots import data, style

TITLE = "read cost vs critical-section length"
WORKLOAD = "cs_length"


def cs_axis(ax, values) -> None:
    # cs_ns includes 0: symlog is linear below 10 ns and logarithmic above.
    ax.set_xscale("symlog", linthresh=10, linscale=1.0)
    ax.set_xlim(0, max(values) * 1.5)
    ax.xaxis.set_major_locator(FixedLocator(sorted(set(values))))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(style.SIFormatter("ns"))
    ax.set_xlabel("busy work inside the section")


def relative_panel(ax, through: data.Series, reference) -> None:
    """Each backend's median throughput over the reference's, per section length."""
    for (i, backend), line in data.ordered(through):
        base = {item.x: item.summary.median for item in through.get((i, reference), [])}
        rel = [(item.x, item.summary.median / base[item.x]) for item in line if base.get(item.x)]
        if rel and backend != reference:
            ax.plot([r[0] for r in rel], [r[1] for r in rel], **style.line_kwargs(backend, i))
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(style.SIFormatter())
    ax.axhline(1.0, color="#000000", linewidth=0.8)
    ax.set_ylabel(f"read throughput / {reference}'s" if reference else "relative throughput")
    ax.set_title(f"relative to {reference} (1 = no overhead)" if reference else "no reference backend")


def render(sets, out_dir):
    written = []
    for placement, at, failed in data.by_placement(sets, WORKLOAD):
        for readers in style.pick_levels(data.levels(at, "readers")):
            with_readers = lambda p, r=readers: p.params.get("readers") == r
            through = data.series(at, "reads_per_s", "cs_ns", with_readers)
            present = {b for _, b in through}
            reference = "none" if "none" in present else "qsbr" if "qsbr" in present else None
            fig, (cost_ax, rel_ax) = style.figure(2, width_per_panel=4.0)
            drawn = data.line_panel(cost_ax, at, failed, "ns_per_read", "cs_ns", with_readers, shade=False)
            cost_ax.set_yscale("log")
            cost_ax.yaxis.set_major_formatter(style.SIFormatter("ns"))
            cost_ax.set_ylabel("wall time per read-side section, per thread")
            cost_ax.set_title("read-side cost")
            relative_panel(rel_ax, through, reference)
            for ax in (cost_ax, rel_ax):
                cs_axis(ax, drawn.xs)
            title = f"Critical-section length, {style.plural(readers, 'reader thread')} ({placement} placement)"
            note = ("left: " + style.REPETITIONS_NOTE + "; right: ratio of medians"
                    + data.oversubscription_note([f for f in at if with_readers(f[2])]))
            written += style.finish(fig, out_dir, f"cs_length-readers{readers}-{style.slug(placement)}", title,
                                    sets, present | drawn.backends, note, drawn.legend_extra(), wspace=0.35,
                                    failed=drawn.failed)
    return written
