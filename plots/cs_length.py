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
    found = data.points(sets, WORKLOAD)
    if not found:
        raise style.NoData(f"no ok {WORKLOAD} points")
    written = []
    for placement in data.levels(found, "placement"):
        at = [f for f in found if f[2].params.get("placement") == placement]
        for readers in style.pick_levels(data.levels(at, "readers")):
            lines = data.series(at, "ns_per_read", "cs_ns", lambda p: p.params.get("readers") == readers)
            through = data.series(at, "reads_per_s", "cs_ns", lambda p: p.params.get("readers") == readers)
            present = {b for _, b in lines}
            reference = "none" if "none" in present else "qsbr" if "qsbr" in present else None
            fig, (cost_ax, rel_ax) = style.figure(2, width_per_panel=4.0)
            xs = set()
            for (i, backend), line in sorted(lines.items(), key=lambda kv: (kv[0][0], style.backend_sort_key(kv[0][1]))):
                x = [item[0] for item in line]
                s = [item[1] for item in line]
                xs.update(x)
                cost_ax.errorbar(x, [v.median for v in s], yerr=data.error_bars(s), **style.line_kwargs(backend, i))
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
            fig.suptitle(f"Critical-section length, {readers} reader threads ({placement} placement)", y=1.02)
            style.legend(fig, present, [rs.label for rs in sets])
            style.caption(fig, sets, "left: median with 95% bootstrap CI; right: ratio of medians")
            fig.subplots_adjust(wspace=0.35)
            written += style.save(fig, out_dir, f"cs_length-readers{readers}-{style.slug(placement)}")
    return written
