"""ref_call_rcu (QEMU's RCU + a real reference count): read-op cost, update
throughput and how long the updater holds its big lock, vs reader threads;
variant:sync (synchronize under the lock) and variant:call (call_rcu) one line
per backend, the rwlock idiom (no RCU) as a black dashed reference line: the
median over backends of a variant that does not use the backend."""
from __future__ import annotations

from statistics import median
from typing import Dict

from matplotlib.lines import Line2D

from plots import data, style

TITLE = "ref_call_rcu: RCU + reference count, synchronize vs call_rcu vs the rwlock idiom"
WORKLOAD = "ref_call_rcu"


def reference_line(ax, found, metric: str, x_param: str, where, scale: float = 1.0):
    """A variant that does not use the backend: the median over backends of
    its per-point medians, per x, one black dashed line. Returns the y values."""
    by_x: Dict[float, list] = {}
    for _, _, p in found:
        if where(p) and x_param in p.params:
            s = data.summary(p, metric)
            if s is not None:
                by_x.setdefault(p.params[x_param], []).append(s.median * scale)
    xs = sorted(by_x)
    ys = [median(by_x[x]) for x in xs]
    if xs:
        ax.plot(xs, ys, color="#000000", linestyle="--", linewidth=2.0, marker="")
    return ys


def reference_handle(text: str) -> Line2D:
    return Line2D([], [], color="#000000", linestyle="--", linewidth=2.0, label=text)


def variant_is(v: str):
    return lambda p: p.params.get("variant") == v


# (title, metric, scale, y label, RCU variant)
PANELS = (
    ("read op (section + ref + unref), call_rcu", "ns_per_read", 1.0, "ns per read op per thread", "call"),
    ("updates, synchronize under the lock", "updates_per_s", 1.0, "updates/s", "sync"),
    ("updates, call_rcu under the lock", "updates_per_s", 1.0, "updates/s", "call"),
    ("big-lock hold p50, synchronize", "hold_p50_ns", 1e-3, "lock held per update p50 (µs)", "sync"),
    ("big-lock hold p50, call_rcu", "hold_p50_ns", 1e-3, "lock held per update p50 (µs)", "call"),
    ("last unref → destroy p50, call_rcu", "lat_p50_ns", 1e-3, "destroy latency p50 (µs)", "call"),
)


def render(sets, out_dir):
    written = []
    for placement, at, failed in data.by_placement(sets, WORKLOAD):
        fig, axes = style.figure(len(PANELS), width_per_panel=3.4)
        total = data.Drawn()
        for ax, (title, metric, scale, ylabel, v) in zip(axes, PANELS):
            drawn = data.line_panel(ax, at, failed, metric, "readers", variant_is(v), scale)
            drawn.ys += reference_line(ax, at, metric, "readers", variant_is("rwlock"), scale)
            total.update(drawn)
            style.value_axis(ax, drawn.ys)
            ax.set_ylabel(ylabel)
            ax.set_title(title)
            style.threads_axis(ax, sorted(drawn.xs) or [1], "reader threads")
        title = f"ref_call_rcu: QEMU's RCU + reference count, 1 updater ({placement} placement)"
        note = ("black dashed: the rwlock idiom (no RCU; the writer unrefs under write_lock), median over "
                "backends; " + style.REPETITIONS_NOTE)
        written += style.finish(fig, out_dir, f"ref_call_rcu-{style.slug(placement)}", title, sets, total.backends,
                                note, extra=[reference_handle("rwlock idiom (no RCU)")] + total.legend_extra(),
                                wspace=0.45, failed=total.failed)
    return written
