"""ref_call_rcu (QEMU's RCU + a real reference count): read-op cost, update
throughput and how long the updater holds its big lock, vs reader threads;
variant:sync (synchronize under the lock) and variant:call (call_rcu) one line
per backend, the rwlock idiom (no RCU) as a black dashed reference line.

Also the helpers the other workloads-from-the-documents families share:
metrics computed here from raw counters (the lab's metric table stays as it is)
and a reference line for a backend-independent (non-RCU) variant."""
from __future__ import annotations

from statistics import median
from typing import Callable, Dict, Optional

from matplotlib.lines import Line2D

from lab.analysis import stats
from lab.records.reader import Repetition
from plots import data, style

TITLE = "ref_call_rcu: RCU + reference count, synchronize vs call_rcu vs the rwlock idiom"
WORKLOAD = "ref_call_rcu"

RepFn = Callable[[Repetition], Optional[float]]


def raw(counter: str) -> RepFn:
    def value(rep):
        v = rep.counters.get(counter)
        return None if v is None or v < 0 else float(v)
    return value


def per_op_ns(ops: str, threads: str) -> RepFn:
    """Wall ns x threads / ops: what one operation costs one thread."""
    def value(rep):
        c = rep.counters
        if not c.get(ops, 0) > 0 or not c.get(threads, 0) > 0 or "wall_ns" not in c:
            return None
        return c["wall_ns"] * c[threads] / c[ops]
    return value


def rate(count: str) -> RepFn:
    def value(rep):
        c = rep.counters
        if not c.get("wall_ns", 0) > 0 or c.get(count, -1) < 0:
            return None
        return c[count] / c["wall_ns"] * 1e9
    return value


def sampled(counter: str, samples: str) -> RepFn:
    """A percentile counter, None when its histogram had no sample."""
    def value(rep):
        c = rep.counters
        return float(c[counter]) if c.get(samples, 0) > 0 and counter in c else None
    return value


def summary(point, name: str, fn: RepFn):
    return data.memo(point, "ref_call_rcu:" + name, lambda: stats.summarize(
        [v for v in (fn(r) for r in point.repetitions) if v is not None]))


def series(found, name: str, fn: RepFn, x_param: str, where) -> data.Series:
    """Like data.series, for a metric computed here."""
    out: data.Series = {}
    for i, _, p in found:
        if not where(p) or x_param not in p.params:
            continue
        s = summary(p, name, fn)
        if s is not None:
            out.setdefault((i, p.backend), []).append((p.params[x_param], s, p))
    for line in out.values():
        line.sort(key=lambda item: item[0])
    return out


def reference_line(ax, found, name: str, fn: RepFn, x_param: str, where, scale: float = 1.0):
    """A variant that does not use the backend: the median over backends of
    its per-point medians, per x, one black dashed line. Returns the y values."""
    by_x: Dict[float, list] = {}
    for _, _, p in found:
        if where(p) and x_param in p.params:
            s = summary(p, name, fn)
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


READ_NS = ("ns_per_read", per_op_ns("reader_ops", "reader_threads"))
UPDATES = ("updates_per_s", rate("updater_ops"))
HOLD_P50 = ("hold_p50_ns", sampled("hold_p50_ns", "hold_samples"))
DESTROY_P50 = ("lat_p50_ns", sampled("lat_p50_ns", "lat_samples"))

# (title, metric, scale, y label, RCU variant)
PANELS = (
    ("read op (section + ref + unref), call_rcu", READ_NS, 1.0, "ns per read op per thread", "call"),
    ("updates, synchronize under the lock", UPDATES, 1.0, "updates/s", "sync"),
    ("updates, call_rcu under the lock", UPDATES, 1.0, "updates/s", "call"),
    ("big-lock hold p50, synchronize", HOLD_P50, 1e-3, "lock held per update p50 (µs)", "sync"),
    ("big-lock hold p50, call_rcu", HOLD_P50, 1e-3, "lock held per update p50 (µs)", "call"),
    ("last unref → destroy p50, call_rcu", DESTROY_P50, 1e-3, "destroy latency p50 (µs)", "call"),
)


def render(sets, out_dir):
    written = []
    for placement, at in data.by_placement(sets, WORKLOAD):
        fig, axes = style.figure(len(PANELS), width_per_panel=3.4)
        backends = set()
        for ax, (title, (name, fn), scale, ylabel, v) in zip(axes, PANELS):
            lines = series(at, name, fn, "readers", variant_is(v))
            drawn, xs, ys = data.draw(ax, lines, scale)
            backends |= drawn
            ys += reference_line(ax, at, name, fn, "readers", variant_is("rwlock"), scale)
            style.value_axis(ax, ys)
            ax.set_ylabel(ylabel)
            ax.set_title(title)
            style.threads_axis(ax, sorted(xs) or [1], "reader threads")
        title = f"ref_call_rcu: QEMU's RCU + reference count, 1 updater ({placement} placement)"
        note = ("black dashed: the rwlock idiom (no RCU; the writer unrefs under write_lock), median over "
                "backends; error bars: 95% bootstrap CI of the median over repetitions")
        written += style.finish(fig, out_dir, f"ref_call_rcu-{style.slug(placement)}", title, sets, backends,
                                note, extra=[reference_handle("rwlock idiom (no RCU)")], wspace=0.45)
    return written
