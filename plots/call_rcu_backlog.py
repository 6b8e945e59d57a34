"""call_rcu backlog over the window: callbacks queued and not yet invoked,
sampled about every millisecond (the record's `backlog` series), with the
updaters enqueueing flat out. A reclaimer that keeps up draws a flat line
near zero; one that falls behind, a ramp that grows for as long as the run
lasts (until the workload's cap throttles the updaters). One panel per
updater count (at most three), one line per backend, first repetition with a series."""
from __future__ import annotations

from plots import data, style

TITLE = "call_rcu backlog over time, saturated"
WORKLOAD = "call_rcu"


def has_backlog(point) -> bool:
    return point.params.get("interval_ns") == 0 and any("backlog" in r.series for r in point.repetitions)


def render(sets, out_dir):
    written = []
    for placement, at in data.by_placement(sets, WORKLOAD, has_backlog, " with a backlog series"):
        counts = style.pick_levels([p.params.get("updaters") for _, _, p in at if "updaters" in p.params])
        fig, axes = style.figure(len(counts), width_per_panel=3.8)
        backends = set()
        for ax, updaters in zip(axes, counts):
            for i, _, p in sorted(at, key=lambda f: (f[0], style.backend_sort_key(f[2].backend))):
                if p.params.get("updaters") != updaters:
                    continue
                period_ns, values = next(r.series["backlog"] for r in p.repetitions if "backlog" in r.series)
                times_ms = [k * period_ns * 1e-6 for k in range(len(values))]
                kwargs = style.line_kwargs(p.backend, i)
                kwargs["marker"] = ""
                ax.plot(times_ms, values, **kwargs)
                backends.add(p.backend)
            ax.set_xlabel("time in the window (ms)")
            ax.set_ylabel("callbacks queued, not invoked")
            ax.set_title(f"{updaters} updater{'s' if updaters != 1 else ''}")
            ax.set_ylim(bottom=0)
        title = f"call_rcu backlog over time, flat out ({placement} placement)"
        note = "first repetition with a series of each point; the workload caps the backlog at 2^20 (updaters then yield)"
        written += style.finish(fig, out_dir, f"call_rcu_backlog-{style.slug(placement)}", title,
                                sets, backends, note, markers=False, wspace=0.35)
    return written
