"""What the "RCU Rescues" chart families share (stat_counter, removable_device,
resizable_array, correlated_fields, route_table, hash_lookup, percpu_ref,
retrigger_gp): the RCU variant(s) drawn one line per backend, and each
non-RCU variant (a lock the workload takes itself, the same code whatever
the backend) drawn once, in grey, from the first backend in the legend's
order that ran it. Variants, their legend labels and the size parameter come
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


def draw_variants(ax, at, metric: str, x_param: str, rcu_variants, baselines, scale: float = 1.0):
    """One line per backend for every variant in `rcu_variants` (a second RCU
    variant gets its own line style), one grey line per variant in
    `baselines` (a dict variant -> label). Returns (backends, xs, ys)."""
    backends, xs, ys = set(), set(), []
    for k, variant in enumerate(rcu_variants):
        lines = data.series(at, metric, x_param, lambda p, v=variant: p.params.get("variant") == v)
        for (i, backend), line in data.ordered(lines):
            x = [item[0] for item in line]
            s = [item[1] for item in line]
            kwargs = style.line_kwargs(backend, i)
            if k:
                kwargs.update(linestyle=style.HOST_LINESTYLES[(i + k) % len(style.HOST_LINESTYLES)],
                              markerfacecolor="none")
            ax.errorbar(x, [v.median * scale for v in s], yerr=data.error_bars(s, scale), **kwargs)
            backends.add(backend)
            xs.update(x)
            ys += [v.median * scale for v in s]
    for k, variant in enumerate(baselines):
        lines = data.series(at, metric, x_param, lambda p, v=variant: p.params.get("variant") == v)
        if not lines:
            continue
        (i, backend), line = data.ordered(lines)[0]
        color, linestyle, marker = baseline_style(k)
        x = [item[0] for item in line]
        s = [item[1] for item in line]
        ax.errorbar(x, [v.median * scale for v in s], yerr=data.error_bars(s, scale), color=color,
                    linestyle=linestyle, marker=marker)
        xs.update(x)
        ys += [v.median * scale for v in s]
    return backends, xs, ys


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


def render_family(sets, out_dir, workload: str, panels, title=lambda size, placement, at: "",
                  x_label: str = "reader threads",
                  note: str = "colour: backend; " + style.CI_NOTE, split: str = None):
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
    for placement, at in data.by_placement(sets, workload):
        for size, level, at_size in figure_groups(at, size_param, split):
            shown = panels(level) if callable(panels) else panels
            fig, axes = style.figure(len(shown), width_per_panel=3.8)
            backends = set()
            for ax, (metric, scale, ylabel, panel_title, unit, symlog) in zip(axes, shown):
                drawn, xs, ys = draw_variants(ax, at_size, metric, "readers", rcu_variants, baselines, scale=scale)
                backends |= drawn
                style.value_axis(ax, ys, unit=unit)
                if symlog:  # values can be 0
                    ax.set_yscale("symlog", linthresh=1)
                    ax.set_ylim(bottom=0)
                    ax.yaxis.set_major_formatter(style.EngFormatter(unit=unit, sep=" "))
                ax.set_ylabel(ylabel)
                ax.set_title(panel_title)
                style.threads_axis(ax, sorted(xs) or [1], x_label)
            extra = variant_handles(rcu_variants, labels) + baseline_handles(baselines.values())
            stem = f"{workload}-{size_param}{size}-" + (f"{split}{level}-" if split else "") + style.slug(placement)
            written += style.finish(fig, out_dir, stem, title(size, placement, at_size), sets, backends, note, extra,
                                    wspace=0.45)
    return written
