"""Grace-period (synchronize) latency CDFs from the harness's histograms, all
repetitions merged; one panel per number of concurrent updaters, one figure
per readers level."""
from __future__ import annotations

from matplotlib.ticker import FuncFormatter

from lab.analysis import histogram
from plots import data, style

TITLE = "grace-period latency CDFs"
WORKLOAD = "gp_latency"


def merged_cdf(point):
    counts = histogram.merge(rep.histogram for rep in point.repetitions if rep.histogram)
    return histogram.cdf(counts) if counts else None


def render(sets, out_dir):
    written = []
    for placement, at in data.by_placement(sets, WORKLOAD, lambda p: any(r.histogram for r in p.repetitions),
                                           " with a latency_histogram"):
        for readers in style.pick_levels(data.levels(at, "readers")):
            here = [f for f in at if f[2].params.get("readers") == readers]
            updater_levels = style.pick_levels(data.levels(here, "updaters"), at_most=4)
            fig, axes = style.figure(len(updater_levels), width_per_panel=3.4, share=True)
            backends = set()
            for ax, updaters in zip(axes, updater_levels):
                chosen = [f for f in here if f[2].params.get("updaters") == updaters]
                for i, _, p in sorted(chosen, key=lambda f: (f[0], style.backend_sort_key(f[2].backend))):
                    curve = merged_cdf(p)
                    if curve is None:
                        continue
                    xs, ys = curve
                    kwargs = style.line_kwargs(p.backend, i)
                    kwargs.pop("marker")
                    ax.step([x / 1000 for x in xs], ys, where="post", **kwargs)
                    backends.add(p.backend)
                ax.set_xscale("log")
                ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
                ax.set_ylim(0, 1.02)
                ax.set_xlabel("synchronize latency (µs)")
                ax.set_title(f"{updaters} concurrent updater{'s' if updaters != 1 else ''}")
            axes[0].set_ylabel("fraction of synchronize calls ≤ x")
            title = f"Grace-period latency CDF, {readers} reader threads ({placement} placement)"
            note = "histogram buckets ±6.25% (bench/harness/histogram.h); repetitions merged"
            written += style.finish(fig, out_dir, f"gp_latency_cdf-readers{readers}-{style.slug(placement)}", title,
                                    sets, backends, note, markers=False)
    return written
