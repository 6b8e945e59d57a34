"""Charts whose x axis is a workload's variant (a name parameter such as
long_reader's mode or hash_scan's scan): one panel per metric, one line per
backend across the variants, one figure per level of `split` (if any)."""
from __future__ import annotations

from lab.records import catalogue
from plots import data, style


def draw_panel(ax, found, param: str, variants, metric: str, scale: float):
    """Lines of (variant index, median) per (set, backend); returns backends, y values."""
    lines = {}
    for i, _, p in found:
        variant = p.params.get(param)
        s = data.summary(p, metric)
        if variant in variants and s is not None:
            lines.setdefault((i, p.backend), []).append((variants.index(variant), s, p))
    backends, ys = set(), []
    for (i, backend), line in data.ordered(lines):
        line.sort(key=lambda item: item[0])
        summaries = [item[1] for item in line]
        ax.errorbar([item[0] for item in line], [v.median * scale for v in summaries],
                    yerr=data.error_bars(summaries, scale), **style.line_kwargs(backend, i))
        backends.add(backend)
        ys += [v.median * scale for v in summaries]
    return backends, ys


def render(sets, out_dir, workload: str, xlabel: str, panels, title, note: str, split: str = None):
    """x: the workload's variants, in its descriptor's order; panels:
    (title, metric, scale, y label); title(placement, level) -> str."""
    described = catalogue.workload(workload)
    param, variants = described.variant_key, [v.name for v in described.variants]
    written = []
    for placement, at in data.by_placement(sets, workload):
        for level in (data.levels(at, split) if split else [None]):
            found = [f for f in at if split is None or f[2].params.get(split) == level]
            fig, axes = style.figure(len(panels), width_per_panel=3.4)
            backends = set()
            for ax, (panel_title, metric, scale, ylabel) in zip(axes, panels):
                drawn, ys = draw_panel(ax, found, param, variants, metric, scale)
                backends |= drawn
                style.value_axis(ax, ys)
                ax.set_xticks(range(len(variants)))
                ax.set_xticklabels(variants)
                ax.set_xlim(-0.4, len(variants) - 0.6)
                ax.set_xlabel(xlabel)
                ax.set_ylabel(ylabel)
                ax.set_title(panel_title)
            stem = "-".join([workload] + ([str(level)] if split else []) + [style.slug(placement)])
            written += style.finish(fig, out_dir, stem, title(placement, level), sets, backends, note,
                                    wspace=0.45)
    return written
