"""long_reader: one long traversal protected four ways (global section, its
own SRCU domain, a reference per element, per-chunk sections) vs the
unrelated updaters' grace-period latency, the memory of retired elements
waiting for reclamation, and the long reader's own throughput. One figure
per structure size; x: the mode, one line per backend."""
from __future__ import annotations

from plots import data, style

TITLE = "long_reader: what a long reader costs others, four ways"
WORKLOAD = "long_reader"
MODES = ("global", "srcu", "ref", "chunk")
PANELS = (
    ("unrelated updaters: synchronize p50", "lat_p50_ns", 1e-3, "grace-period latency p50 (µs)"),
    ("unrelated updaters: synchronize p99", "lat_p99_ns", 1e-3, "grace-period latency p99 (µs)"),
    ("retired elements not yet freed", "pending_bytes_peak", 1.0, "peak memory waiting (bytes)"),
    ("long reader throughput", "long_elements_per_s", 1.0, "elements visited (elements/s)"),
)


def render(sets, out_dir):
    written = []
    for placement, at in data.by_placement(sets, WORKLOAD):
        for elements in data.levels(at, "elements"):
            found = [f for f in at if f[2].params.get("elements") == elements]
            fig, axes = style.figure(len(PANELS), width_per_panel=3.4)
            backends = set()
            for ax, (title, metric, scale, ylabel) in zip(axes, PANELS):
                lines = {}
                for i, _, p in found:
                    mode = p.params.get("mode")
                    s = data.summary(p, metric)
                    if mode in MODES and s is not None:
                        lines.setdefault((i, p.backend), []).append((MODES.index(mode), s, p))
                ys = []
                for (i, backend), line in data.ordered(lines):
                    line.sort(key=lambda item: item[0])
                    summaries = [item[1] for item in line]
                    ax.errorbar([item[0] for item in line], [v.median * scale for v in summaries],
                                yerr=data.error_bars(summaries, scale), **style.line_kwargs(backend, i))
                    backends.add(backend)
                    ys += [v.median * scale for v in summaries]
                style.value_axis(ax, ys)
                ax.set_xticks(range(len(MODES)))
                ax.set_xticklabels(MODES)
                ax.set_xlim(-0.4, len(MODES) - 0.6)
                ax.set_xlabel("how the long reader is protected (mode)")
                ax.set_ylabel(ylabel)
                ax.set_title(title)
            title = f"long_reader, {elements} elements per traversal ({placement} placement)"
            note = ("1 long reader, 1 replacer (one element per 10 µs), unrelated short readers and updaters; "
                    "error bars: 95% bootstrap CI of the median over repetitions")
            written += style.finish(fig, out_dir, f"long_reader-{elements}-{style.slug(placement)}", title,
                                    sets, backends, note, wspace=0.45)
    return written
