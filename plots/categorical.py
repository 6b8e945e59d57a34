"""Charts whose x axis is a workload's variant (a name parameter such as
long_reader's mode or hash_scan's scan): dot plots, since the variants are
categories with no order between them for a line to mean anything. One
panel per metric; per variant each backend's median (with its CI) side by
side, its repetitions as dots beside it, failed points as × on the axis'
bottom; one figure per level of `split` (if any)."""
from __future__ import annotations

from lab.records import catalogue
from plots import data, style

BAND = 0.7  # share of a category's width its backends spread over
DOTS_NOTE = ("per category, each backend's median (large marker) with its " + style.CI_NOTE.replace("error bars: ", "")
             + ", its repetitions as small dots beside it; no lines: the categories have no order")


def offsets(backends) -> dict:
    """Each (set, backend)'s offset from its category's centre, in legend order."""
    keys = sorted(set(backends), key=lambda k: (style.backend_sort_key(k[1]), k[0]))
    step = BAND / max(len(keys), 1)
    return {key: (k - (len(keys) - 1) / 2) * step for k, key in enumerate(keys)}


def draw_dots(ax, key, x: float, item: data.Item, scale: float) -> list:
    """One backend's median and CI at x, its repetitions in a short row beside it."""
    i, backend = key
    kwargs = style.line_kwargs(backend, i)
    kwargs.update(linestyle="none", marker=kwargs["marker"] or "o", markersize=5)
    kwargs.pop("linewidth", None)
    s = item.summary
    ax.errorbar([x], [s.median * scale], yerr=data.error_bars([s], scale), **kwargs)
    n = len(item.values)
    xs = [x + 0.04 + 0.02 * k / max(n - 1, 1) for k in range(n)]
    ys = [v * scale for v in item.values]
    if ys:
        ax.plot(xs, ys, **style.dot_kwargs(backend))
    return [s.median * scale] + ys


def draw_panel(ax, found, failed, param: str, variants, metric: str, scale: float) -> data.Drawn:
    """Dots per (set, backend) at each variant; failed points as × at theirs."""
    items = {}
    for i, _, p in found:
        s = data.summary(p, metric)
        if p.params.get(param) in variants and s is not None:
            items[(i, p.backend, variants.index(p.params[param]))] = data.Item(
                variants.index(p.params[param]), s, p, data.repetition_values(p, metric))
    lost = [f for f in failed if f[2].params.get(param) in variants]
    place = offsets([(i, b) for i, b, _ in items] + [(i, p.backend) for i, _, p in lost])
    drawn = data.Drawn()
    for (i, backend, v), item in sorted(items.items(), key=lambda kv: (kv[0][2], place[kv[0][:2]])):
        drawn.ys += draw_dots(ax, (i, backend), v + place[(i, backend)], item, scale)
        drawn.backends.add(backend)
    for i, _, p in lost:
        style.mark_failed_at(ax, variants.index(p.params[param]) + place[(i, p.backend)], p.backend)
        drawn.failed.add(data.reason(p))
        drawn.backends.add(p.backend)
    return drawn


def category_axis(ax, variants, label: str) -> None:
    ax.set_xticks(range(len(variants)))
    ax.set_xticklabels(variants)
    ax.set_xlim(-0.5, len(variants) - 0.5)
    ax.xaxis.grid(False)
    for boundary in range(1, len(variants)):  # where one category ends and the next begins
        ax.axvline(boundary - 0.5, color="#dddddd", linewidth=0.8, zorder=0)
    ax.set_xlabel(label)


def render(sets, out_dir, workload: str, xlabel: str, panels, title, note: str, split: str = None):
    """x: the workload's variants, in its descriptor's order; panels:
    (title, metric, scale, y label[, unit]); title(placement, level) -> str."""
    described = catalogue.workload(workload)
    param, variants = described.variant_key, [v.name for v in described.variants]
    written = []
    for placement, at, failed in data.by_placement(sets, workload):
        for level in (data.levels(at, split) if split else [None]):
            in_figure = lambda p: split is None or p.params.get(split) == level
            found, lost = [f for f in at if in_figure(f[2])], [f for f in failed if in_figure(f[2])]
            fig, axes = style.figure(len(panels), width_per_panel=3.4)
            total = data.Drawn()
            for ax, (panel_title, metric, scale, ylabel, *unit) in zip(axes, panels):
                drawn = draw_panel(ax, found, lost, param, variants, metric, scale)
                total.update(drawn)
                style.value_axis(ax, drawn.ys, *unit)
                category_axis(ax, variants, xlabel)
                ax.set_ylabel(ylabel)
                ax.set_title(panel_title)
            stem = "-".join([workload] + ([str(level)] if split else []) + [style.slug(placement)])
            written += style.finish(fig, out_dir, stem, title(placement, level), sets, total.backends, note,
                                    style.median_handles(lines=False), wspace=0.45, failed=total.failed,
                                    lines=False)
    return written
