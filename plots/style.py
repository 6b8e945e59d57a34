"""Shared look and deterministic output of every chart: Agg backend, DejaVu
Sans, fixed SVG hash salt, no dates in metadata, so the same records give
byte-identical PNG and SVG files."""
from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.ticker import EngFormatter, FixedLocator, NullFormatter, NullLocator, ScalarFormatter  # noqa: E402

RC = {
    "font.family": "DejaVu Sans", "font.size": 9, "axes.titlesize": 10, "axes.labelsize": 9,
    "legend.fontsize": 8, "xtick.labelsize": 8, "ytick.labelsize": 8,
    "axes.grid": True, "grid.alpha": 0.3, "grid.linewidth": 0.6, "lines.linewidth": 1.4,
    "lines.markersize": 4, "errorbar.capsize": 2, "figure.dpi": 100, "savefig.dpi": 150,
    "svg.hashsalt": "rculab", "svg.fonttype": "path", "path.simplify": False,
}
SVG_METADATA = {"Date": None, "Creator": None}
PNG_METADATA = {"Software": None}

# Ours and liburcu's twin share a hue (dark / light); baselines stand apart.
BACKEND_STYLE: Dict[str, tuple] = {
    "qsbr": ("#1f77b4", "o"), "urcu-qsbr": ("#9ecae9", "o"),
    "mb": ("#d62728", "s"), "urcu-mb": ("#ff9896", "s"),
    "memb": ("#2ca02c", "^"), "urcu-memb": ("#98df8a", "^"), "urcu-memb-percpu": ("#98df8a", "<"),
    "signal": ("#9467bd", "v"), "urcu-signal": ("#c5b0d5", "v"),
    "urcu-bp": ("#8c564b", "D"), "rwlock": ("#ff7f0e", "P"), "ptmutex": ("#e377c2", "X"),
    "none": ("#000000", ""),
}
BACKEND_ORDER = ("none", "qsbr", "urcu-qsbr", "mb", "urcu-mb", "memb", "urcu-memb", "urcu-memb-percpu", "signal",
                 "urcu-signal", "urcu-bp", "rwlock", "ptmutex")
HOST_LINESTYLES = ("-", "--", ":", "-.")
# What the error bars are (lab/analysis/stats.py: order statistics around the
# median; below 6 repetitions no interval reaches 95%, so they span min to max).
CI_NOTE = "error bars: CI of the median (95% if n ≥ 6, else min–max)"


class NoData(Exception):
    """A chart family has nothing to draw in these sets; str() says why."""


def backend_sort_key(name: str):
    return (BACKEND_ORDER.index(name) if name in BACKEND_ORDER else len(BACKEND_ORDER), name)


def backend_style(name: str):
    color, marker = BACKEND_STYLE.get(name, ("#7f7f7f", "*"))
    return color, marker


def line_kwargs(backend: str, set_index: int) -> dict:
    color, marker = backend_style(backend)
    kwargs = {"color": color, "marker": marker, "linestyle": HOST_LINESTYLES[set_index % len(HOST_LINESTYLES)]}
    if backend == "none":  # the ideal line: no read-side code at all
        kwargs.update(linewidth=2.0, linestyle="--" if set_index == 0 else ":", marker="")
    return kwargs


def figure(panels: int, width_per_panel: float = 3.6, height: float = 3.2, share: bool = False):
    """A row of panels; `share`: one x and y range for all (CDFs compared side by side)."""
    plt.rcParams.update(RC)
    fig, axes = plt.subplots(1, panels, figsize=(width_per_panel * panels, height), squeeze=False,
                             sharex=share, sharey=share)
    return fig, list(axes[0])


def threads_axis(ax, values: Sequence[int], label: str) -> None:
    """Thread counts: log2 axis with a tick at every measured count, or at the
    powers of two (and the largest count) when there are too many to label."""
    ax.set_xscale("log", base=2)
    ticks = sorted(set(values))
    if len(ticks) > 8:
        powers = [2 ** k for k in range(0, int(ticks[-1]).bit_length()) if ticks[0] <= 2 ** k <= ticks[-1]]
        ticks = powers + ([ticks[-1]] if ticks[-1] / powers[-1] > 1.3 else [])
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(ScalarFormatter())
    ax.set_xlabel(label)


def value_axis(ax, values: Sequence[float], unit: str = "") -> None:
    """y axis: logarithmic when the values span more than a decade, else linear;
    engineering prefixes (10 M, 1 G) instead of 1e7."""
    positive = [v for v in values if v > 0]
    if positive and max(positive) / min(positive) > 10:
        ax.set_yscale("log")
    ax.yaxis.set_major_formatter(EngFormatter(unit=unit, sep=" "))
    ax.yaxis.set_minor_formatter(NullFormatter())


def legend(fig, backends: Sequence[str], set_labels: Sequence[str], extra: Sequence = (),
           markers: bool = True) -> None:
    """One legend for the figure, right of the panels: backends by colour and
    marker, then (when several sets are overlaid) sets by line style."""
    handles = []
    for name in sorted(set(backends), key=backend_sort_key):
        color, marker = backend_style(name)
        marker = marker if markers else ""
        text = "none (ideal: no read-side code)" if name == "none" else name
        handles.append(Line2D([], [], color=color, marker=marker, linestyle="--" if name == "none" else "-",
                              label=text))
    if len(set_labels) > 1:
        for i, text in enumerate(set_labels):
            handles.append(Line2D([], [], color="#444444", linestyle=HOST_LINESTYLES[i % len(HOST_LINESTYLES)],
                                  label=text))
    handles.extend(extra)
    right = max(ax.get_position().x1 for ax in fig.axes)  # next to the last panel, not the figure edge
    fig.legend(handles=handles, loc="center left", bbox_to_anchor=(right + 0.01, 0.5), frameon=False)


def caption(fig, sets, note: str = "") -> None:
    """Below the panels: which host profile(s) and set(s) the chart shows."""
    lines = [f"host profile {rs.profile_id}, set {rs.set_id}"
             + (f" (line style {HOST_LINESTYLES[i % len(HOST_LINESTYLES)]!r})" if len(sets) > 1 else "")
             for i, rs in enumerate(sets)]
    if note:
        lines.append(note)
    fig.text(0.01, -0.02, "\n".join(lines), ha="left", va="top", fontsize=7, color="#333333")


def quiet_minor_labels(fig) -> None:
    """Minor ticks stay, their labels go: log axes would otherwise label (and
    measure) up to eight minor ticks per decade, the bulk of drawing time."""
    for ax in fig.axes:
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.yaxis.set_minor_formatter(NullFormatter())


def save(fig, out_dir: Path, stem: str) -> List[str]:
    """stem.png and stem.svg in out_dir; returns their names. The tight
    bounding box (legend and caption included) is measured once for both."""
    out_dir = Path(out_dir)
    quiet_minor_labels(fig)
    box = fig.get_tightbbox(fig.canvas.get_renderer()).padded(0.1)
    fig.savefig(out_dir / f"{stem}.png", format="png", bbox_inches=box, metadata=PNG_METADATA)
    fig.savefig(out_dir / f"{stem}.svg", format="svg", bbox_inches=box, metadata=SVG_METADATA)
    plt.close(fig)
    return [f"{stem}.png", f"{stem}.svg"]


def finish(fig, out_dir: Path, stem: str, title: str, sets, backends, note: str, extra: Sequence = (),
           markers: bool = True, wspace: float = None) -> List[str]:
    """Title, legend, caption, then save: the common end of every chart."""
    if wspace is not None:
        fig.subplots_adjust(wspace=wspace)
    fig.suptitle(title, y=1.02)
    legend(fig, backends, [rs.label for rs in sets], extra, markers)
    caption(fig, sets, note)
    return save(fig, out_dir, stem)


def pick_levels(values: Sequence, at_most: int = 3) -> list:
    """All distinct values when few, else the smallest, a middle one and the largest."""
    distinct = sorted(set(values))
    if len(distinct) <= at_most:
        return distinct
    return [distinct[0], distinct[len(distinct) // 2], distinct[-1]]


def slug(value) -> str:
    return str(value).replace("/", "-").replace(" ", "_")
