"""Update rate vs read throughput: each backend's line joins its delay_ns
points (short delay = many updates), so the cost updates impose on readers
shows as the line's drop. One panel per batch size, one figure per readers level."""
from __future__ import annotations

from plots import data, style

TITLE = "update rate vs read throughput"
WORKLOAD = "update_rate"


def render(sets, out_dir):
    written = []
    for placement, at in data.by_placement(sets, WORKLOAD):
        for readers in style.pick_levels(data.levels(at, "readers")):
            batches = data.levels([f for f in at if f[2].params.get("readers") == readers], "batch")
            fig, axes = style.figure(len(batches), width_per_panel=3.8)
            backends, ys = set(), []
            for ax, batch in zip(axes, batches):
                match = lambda p, b=batch: p.params.get("readers") == readers and p.params.get("batch") == b
                reads = data.series(at, "reads_per_s", "delay_ns", match)
                updates = data.series(at, "updates_per_s", "delay_ns", match)
                for (i, backend), line in data.ordered(reads):
                    by_delay = {item[0]: item[1] for item in updates.get((i, backend), [])}
                    pairs = sorted(((by_delay[d], s) for d, s, _ in line if d in by_delay), key=lambda t: t[0].median)
                    if not pairs:
                        continue
                    u = [t[0] for t in pairs]
                    r = [t[1] for t in pairs]
                    ax.errorbar([v.median for v in u], [v.median for v in r], xerr=data.error_bars(u),
                                yerr=data.error_bars(r), **style.line_kwargs(backend, i))
                    backends.add(backend)
                    ys += [v.median for v in r]
                ax.set_xscale("log")
                ax.xaxis.set_major_formatter(style.EngFormatter(sep=" "))
                style.value_axis(ax, ys)
                ax.set_xlabel("update throughput (updates/s)")
                ax.set_title(f"batch {batch} (objects retired per grace period)")
            axes[0].set_ylabel("read throughput, all readers (reads/s)")
            title = f"Updates vs reads, {readers} reader threads, 1 updater ({placement} placement)"
            note = "points: delay between updates (0, 1 µs, 100 µs); " + style.CI_NOTE
            written += style.finish(fig, out_dir, f"update_rate-readers{readers}-{style.slug(placement)}", title,
                                    sets, backends, note)
    return written
