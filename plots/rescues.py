"""What the "RCU Rescues" chart families share (stat_counter, removable_device,
resizable_array, correlated_fields, route_table, hash_lookup, percpu_ref,
retrigger_gp): the RCU variant(s) drawn one line per backend, and each
non-RCU variant (a lock the workload takes itself, the same code whatever
the backend) drawn once, in grey, from the first backend in the legend's
order that ran it; every repetition a dot, failed points as ×,
oversubscription shaded. Variants, their legend labels and the size parameter come
from the workload's descriptor (lab/records/catalogue.py)."""
from __future__ import annotations

from matplotlib.lines import Line2D

from lab.records import catalogue
from plots import data, style

BASELINE_STYLES = (("#555555", "--", "x"), ("#999999", ":", "+"), ("#222222", "-.", "1"))


def baseline_style(index: int):
    return BASELINE_STYLES[index % len(BASELINE_STYLES)]


def baseline_handles(labels) -> list:
    """Legend entries for the baselines, in the order they were drawn."""
    return [Line2D([], [], color=c, linestyle=ls, marker=m, label=text)
            for text, (c, ls, m) in ((t, baseline_style(k)) for k, t in enumerate(labels))]


def variant_is(variant: str):
    return lambda p: p.params.get("variant") == variant


def second_variant(k: int, set_index: int):
    """A second RCU variant: its own line style, hollow markers."""
    def restyle(kwargs: dict) -> dict:
        if k:
            kwargs.update(linestyle=style.HOST_LINESTYLES[(set_index + k) % len(style.HOST_LINESTYLES)],
                          markerfacecolor="none")
        return kwargs
    return restyle


def draw_baseline(ax, at, metric: str, x_param: str, variant: str, k: int, scale: float) -> data.Series:
    """A variant that does not use the backend, once, in grey: from the first
    backend in the legend's order that ran it."""
    lines = data.series(at, metric, x_param, variant_is(variant))
    if lines:
        (_, _), line = data.ordered(lines)[0]
        color, linestyle, marker = baseline_style(k)
        dots = {"color": color, "marker": marker, "linestyle": "none", "markersize": 3.5, "alpha": 0.5,
                "markeredgewidth": 0.8, "zorder": 3}
        draw = data.Drawn(xs={item.x for item in line})
        draw.ys = data.draw_line(ax, line, {"color": color, "linestyle": linestyle, "marker": marker}, dots, scale)
        return draw
    return data.Drawn()


def draw_variants(ax, at, failed, metric: str, x_param: str, rcu_variants, baselines, scale: float = 1.0
                  ) -> data.Drawn:
    """One line per backend for every variant in `rcu_variants` (a second RCU
    variant gets its own line style), one grey line per variant in
    `baselines` (a dict variant -> label); repetitions as dots, failed
    points as ×, oversubscription shaded."""
    drawn, lines = data.Drawn(), {}
    for k, variant in enumerate(rcu_variants):
        these = data.series(at, metric, x_param, variant_is(variant))
        for (i, backend), line in data.ordered(these):
            drawn.update(data.draw(ax, {(i, backend): line}, scale, second_variant(k, i)))
            lines[(i, backend, variant)] = line
    for k, variant in enumerate(baselines):
        drawn.update(draw_baseline(ax, at, metric, x_param, variant, k, scale))
    shown = [f for f in failed if f[2].params.get("variant") in list(rcu_variants) + list(baselines)]
    drawn.update(data.mark_failed(ax, shown, x_param))
    return drawn.update(data.shade_oversubscription(ax, lines, shown, x_param))


def variant_handles(rcu_variants, labels) -> list:
    """Legend entries telling a second RCU variant's line style apart."""
    return [Line2D([], [], color="#444444", linestyle=style.HOST_LINESTYLES[k % len(style.HOST_LINESTYLES)],
                   marker="o", markerfacecolor="#444444" if k == 0 else "none", label=labels[v])
            for k, v in enumerate(rcu_variants)] if len(rcu_variants) > 1 else []


def figure_groups(at, size_param: str, split: str = None):
    """(size, split level or None, points) per figure."""
    for size in data.levels(at, size_param):
        at_size = [f for f in at if f[2].params.get(size_param) == size]
        for level in (data.levels(at_size, split) if split else [None]):
            yield size, level, [f for f in at_size if split is None or f[2].params.get(split) == level]


def in_group(point, size_param: str, size, split: str, level) -> bool:
    return point.params.get(size_param) == size and (split is None or point.params.get(split) == level)


def render_family(sets, out_dir, workload: str, panels, title=lambda size, placement, at: "",
                  x_label: str = "reader threads",
                  note: str = "colour: backend; " + style.REPETITIONS_NOTE, split: str = None):
    """One figure per placement and level of the workload's size parameter
    (and of `split`, e.g. updaters, when given), one panel per (metric,
    scale, y label, title, unit, symlog) in `panels` (or in panels(split
    level)), x = readers."""
    described = catalogue.workload(workload)
    size_param = described.size_param
    rcu_variants = [v.name for v in described.rcu_variants]
    baselines = {v.name: v.label for v in described.twin_variants}
    labels = {v.name: v.label for v in described.variants}
    written = []
    for placement, at, failed in data.by_placement(sets, workload):
        for size, level, at_size in figure_groups(at, size_param, split):
            lost = [f for f in failed if in_group(f[2], size_param, size, split, level)]
            shown = panels(level) if callable(panels) else panels
            fig, axes = style.figure(len(shown), width_per_panel=3.8)
            total = data.Drawn()
            for ax, (metric, scale, ylabel, panel_title, unit, symlog) in zip(axes, shown):
                drawn = draw_variants(ax, at_size, lost, metric, "readers", rcu_variants, baselines, scale=scale)
                total.update(drawn)
                style.value_axis(ax, drawn.ys, unit=unit)
                if symlog:  # values can be 0
                    ax.set_yscale("symlog", linthresh=1)
                    ax.set_ylim(bottom=0)
                    style.si_axis(ax.yaxis, unit)
                ax.set_ylabel(ylabel)
                ax.set_title(panel_title)
                style.threads_axis(ax, sorted(drawn.xs) or [1], x_label)
            extra = (variant_handles(rcu_variants, labels) + baseline_handles(baselines.values())
                     + total.legend_extra())
            stem = f"{workload}-{size_param}{size}-" + (f"{split}{level}-" if split else "") + style.slug(placement)
            written += style.finish(fig, out_dir, stem, title(size, placement, at_size), sets, total.backends, note,
                                    extra, wspace=0.45, failed=total.failed)
    return written
