"""call_rcu: callbacks/s with updaters enqueueing flat out (interval 0), and
enqueue-to-invocation latency with paced updaters (interval > 0), vs updaters."""
from __future__ import annotations

from plots import data, style

TITLE = "call_rcu throughput and latency vs updaters"
WORKLOAD = "call_rcu"


def panels(at):
    """(title, metric, scale, y label, interval) per panel."""
    out = []
    for interval in data.levels(at, "interval_ns"):
        if interval == 0:
            out.append(("flat out: callbacks invoked", "callbacks_per_s", 1.0, "callbacks invoked (callbacks/s)", 0))
        else:
            out.append((f"one callback per {interval / 1000:g} µs per updater: latency p50", "lat_p50_ns", 1e-3,
                        "enqueue → invocation p50 (µs)", interval))
    return out


def render(sets, out_dir):
    found = data.points(sets, WORKLOAD)
    if not found:
        raise style.NoData(f"no ok {WORKLOAD} points")
    written = []
    for placement in data.levels(found, "placement"):
        at = [f for f in found if f[2].params.get("placement") == placement]
        chosen = panels(at)
        fig, axes = style.figure(len(chosen), width_per_panel=3.8)
        backends, xs = set(), set()
        for ax, (title, metric, scale, ylabel, interval) in zip(axes, chosen):
            lines = data.series(at, metric, "updaters", lambda p, iv=interval: p.params.get("interval_ns") == iv)
            for (i, backend), line in sorted(lines.items(), key=lambda kv: (kv[0][0], style.backend_sort_key(kv[0][1]))):
                x = [item[0] for item in line]
                s = [item[1] for item in line]
                xs.update(x)
                ax.errorbar(x, [v.median * scale for v in s], yerr=data.error_bars(s, scale),
                            **style.line_kwargs(backend, i))
                backends.add(backend)
            style.value_axis(ax, [item[1].median * scale for line in lines.values() for item in line])
            ax.set_ylabel(ylabel)
            ax.set_title(title)
            style.threads_axis(ax, sorted(xs) or [1], "updater threads")
        fig.suptitle(f"call_rcu, 1 reader running ({placement} placement)", y=1.02)
        style.legend(fig, backends, [rs.label for rs in sets])
        style.caption(fig, sets, "error bars: 95% bootstrap CI of the median over repetitions")
        fig.subplots_adjust(wspace=0.35)
        written += style.save(fig, out_dir, f"call_rcu-{style.slug(placement)}")
    return written
