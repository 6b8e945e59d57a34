"""Shared look and deterministic output of every chart: Agg backend, DejaVu
Sans, fixed SVG hash salt, no dates in metadata, so the same records give
byte-identical PNG and SVG files. Also what every chart reads the same way:
one style per backend, SI tick labels, labelled ticks on short log axes,
repetitions as dots, failed points as a red-edged ×."""
from __future__ import annotations

import zlib
from pathlib import Path
from typing import Dict, Iterable, List, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)
import numpy as np  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.ticker import (FixedLocator, Formatter, LogLocator, MaxNLocator, NullFormatter,  # noqa: E402
                               NullLocator, ScalarFormatter)
from matplotlib.transforms import Bbox  # noqa: E402

from lab.analysis.summary import BACKEND_ORDER, backend_order  # noqa: E402  (one order for tables and charts)

RC = {
    "font.family": "DejaVu Sans", "font.size": 9, "axes.titlesize": 10, "axes.labelsize": 9,
    "legend.fontsize": 8, "xtick.labelsize": 8, "ytick.labelsize": 8,
    "axes.grid": True, "grid.alpha": 0.3, "grid.linewidth": 0.6, "lines.linewidth": 1.4,
    "lines.markersize": 4, "errorbar.capsize": 2, "figure.dpi": 100, "savefig.dpi": 150,
    "svg.hashsalt": "rculab", "svg.fonttype": "path", "path.simplify": False,
}
SVG_METADATA = {"Date": None, "Creator": None}
PNG_METADATA = {"Software": None}

# Ours dark, liburcu's twin light in the same hue; every colour and every
# marker used once, so no two backends look alike even in greyscale or when
# their lines cross (urcu-memb-percpu is a second liburcu memb: its own hue).
BACKEND_STYLE: Dict[str, tuple] = {
    "none": ("#000000", ""),
    "qsbr": ("#1f77b4", "o"), "urcu-qsbr": ("#9ecae9", "h"),
    "mb": ("#d62728", "s"), "urcu-mb": ("#ff9896", "D"),
    "memb": ("#2ca02c", "^"), "urcu-memb": ("#98df8a", "v"), "urcu-memb-percpu": ("#bcbd22", "<"),
    "signal": ("#9467bd", "p"), "urcu-signal": ("#c5b0d5", ">"),
    "urcu-bp": ("#8c564b", "*"), "rwlock": ("#ff7f0e", "P"), "ptmutex": ("#e377c2", "X"),
    "ck_epoch": ("#17becf", "d"),  # libck's epochs, an out-of-tree reference (contrib/ck_epoch)
}
# Backends the table does not know (a user's own): colours and markers none
# of the known use; 6 colours x 5 markers (coprime) give 30 distinct pairs,
# the k-th unknown name getting colour k mod 6 and marker k mod 5.
FALLBACK_COLORS = ("#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#7f7f7f")
FALLBACK_MARKERS = ("H", "8", "x", "+", "1")
HOST_LINESTYLES = ("-", "--", ":", "-.")
# What the error bars are (lab/analysis/stats.py: order statistics around the
# median; below 6 repetitions no interval reaches 95%, so they span min to max).
CI_NOTE = "error bars: CI of the median (95% if n ≥ 6, else min–max)"
REPETITIONS_NOTE = "dots: every repetition; line: their median; " + CI_NOTE
FAILED_EDGE = "#d40000"
OVERSUBSCRIBED_COLOR = "#999999"


class NoData(Exception):
    """A chart family has nothing to draw in these sets; str() says why."""


# ---- backends: one colour and marker each ----------------------------------------

_unknown_styles: Dict[str, tuple] = {}


def fallback_style(k: int) -> tuple:
    return FALLBACK_COLORS[k % len(FALLBACK_COLORS)], FALLBACK_MARKERS[k % len(FALLBACK_MARKERS)]


def assign_backends(names: Iterable[str]) -> None:
    """Give the unknown names among `names` distinct fallback styles, in name
    order (render_all calls this with every backend of the sets drawn, so a
    backend keeps its style across the charts of one run)."""
    _unknown_styles.clear()
    unknown = sorted({n for n in names if n not in BACKEND_STYLE})
    _unknown_styles.update({name: fallback_style(k) for k, name in enumerate(unknown)})


def backend_style(name: str):
    """(colour, marker); an unknown name not assigned yet gets a fallback
    picked by a stable hash of its name (crc32, not Python's salted hash)."""
    if name in BACKEND_STYLE:
        return BACKEND_STYLE[name]
    if name in _unknown_styles:
        return _unknown_styles[name]
    return fallback_style(zlib.crc32(name.encode()) % (len(FALLBACK_COLORS) * len(FALLBACK_MARKERS)))


def backend_sort_key(name: str):
    return backend_order(name)


def line_kwargs(backend: str, set_index: int) -> dict:
    color, marker = backend_style(backend)
    kwargs = {"color": color, "marker": marker, "linestyle": HOST_LINESTYLES[set_index % len(HOST_LINESTYLES)]}
    if backend == "none":  # the ideal line: no read-side code at all
        kwargs.update(linewidth=2.0, linestyle="--" if set_index == 0 else ":", marker="")
    return kwargs


def dot_kwargs(backend: str) -> dict:
    """Repetitions: small, semi-transparent, in the backend's colour and marker."""
    color, marker = backend_style(backend)
    marker = marker or "o"
    line_only = marker not in Line2D.filled_markers  # "x", "+": drawn by their edge alone
    return {"color": color, "marker": marker, "linestyle": "none", "markersize": 3.5, "alpha": 0.5,
            "markeredgewidth": 0.8 if line_only else 0, "zorder": 3}


# ---- numbers: SI prefixes, no milli-microseconds ------------------------------------

# Units that carry their own prefix are converted to seconds and back to the
# prefix that fits, so 0.1 µs reads "100 ns", never "100 m" µs.
TIME_UNITS = {"s": 1.0, "ms": 1e-3, "µs": 1e-6, "us": 1e-6, "ns": 1e-9}
TIME_STEPS = ((1.0, "s"), (1e-3, "ms"), (1e-6, "µs"), (1e-9, "ns"))
PREFIXES = ((1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"))
ROUNDING = 1 - 1e-9  # 999.9999999 counts as 1000


def number_text(x: float) -> str:
    """Up to four significant digits, plain decimals (0.95, 0.001), no exponent."""
    return np.format_float_positional(float(x), precision=4, unique=True, fractional=False, trim="-")


def joined(number: str, unit: str) -> str:
    return f"{number} {unit}" if unit else number


def time_text(seconds: float) -> str:
    for factor, name in TIME_STEPS:
        if abs(seconds) >= factor * ROUNDING:
            return joined(number_text(seconds / factor), name)
    return joined(number_text(seconds / 1e-9), "ns")  # below a nanosecond: decimals of ns


def si_text(value: float, unit: str = "") -> str:
    """An axis label: k, M, G above 1000; below 1 plain decimals (counts) or the
    next smaller time unit (times); never a milli prefix on anything."""
    if value == 0:
        return "0"
    if unit in TIME_UNITS:
        return time_text(value * TIME_UNITS[unit])
    for factor, prefix in PREFIXES:
        if abs(value) >= factor * ROUNDING:
            return joined(number_text(value / factor), prefix + unit)
    return joined(number_text(value), unit)


class SIFormatter(Formatter):
    """Tick labels through si_text (replaces EngFormatter's "950 m")."""

    def __init__(self, unit: str = ""):
        self.unit = unit

    def __call__(self, x, pos=None) -> str:
        return si_text(x, self.unit)


# ---- axes ------------------------------------------------------------------------------


def figure(panels: int, width_per_panel: float = 3.6, height: float = 3.2, share: bool = False):
    """A row of panels; `share`: one x and y range for all (CDFs compared side by side)."""
    return grid(panels, panels, width_per_panel, height, share)


def grid(panels: int, columns: int, width_per_panel: float = 2.6, height: float = 2.2, share: bool = False):
    """Small multiples: `panels` panels in rows of `columns`; unused cells removed."""
    plt.rcParams.update(RC)
    columns = max(1, min(columns, panels))
    rows = -(-panels // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(width_per_panel * columns, height * rows), squeeze=False,
                             sharex=share, sharey=share)
    flat = list(axes.flat)
    for ax in flat[panels:]:
        fig.delaxes(ax)
    return fig, flat[:panels]


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
    ax.set_xlim(ticks[0] / 1.25, ticks[-1] * 1.25)
    ax.set_xlabel(label)


def value_axis(ax, values: Sequence[float], unit: str = "") -> None:
    """y axis: logarithmic when the values span more than a decade, else linear;
    SI prefixes (10 M, 1 G, 100 ns) instead of 1e7."""
    positive = [v for v in values if v > 0]
    if positive and max(positive) / min(positive) > 10:
        ax.set_yscale("log")
    si_axis(ax.yaxis, unit)


def si_axis(axis, unit: str = "") -> None:
    axis.set_major_formatter(SIFormatter(unit))
    axis.set_minor_formatter(NullFormatter())


MIN_LOG_LABELS = 3
UNMARKED_MINOR_DECADES = 4
# Minor ticks to label when a log axis has too few decades, tried in order.
LOG_SUBS = ((2.0, 5.0), (2.0, 3.0, 5.0), (2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0))


def inside(values, lo: float, hi: float) -> list:
    return [float(v) for v in values if lo * ROUNDING <= v <= hi / ROUNDING]


def enough_minor_ticks(lo: float, hi: float, majors: int) -> list:
    """Minor tick positions that bring a short log axis to MIN_LOG_LABELS
    labels: 2 and 5 times the powers of ten, then 2, 3, 5, then every
    multiple; an axis narrower than that gets evenly spaced round values."""
    for subs in LOG_SUBS:
        minors = inside(LogLocator(10, subs=subs).tick_values(lo, hi), lo, hi)
        if majors + len(minors) >= MIN_LOG_LABELS:
            return minors
    return inside(MaxNLocator(nbins=4).tick_values(lo, hi), lo, hi)


def label_short_log_axis(axis) -> None:
    """A base-10 log axis spanning under three decades shows one or two
    labels; label minor ticks too, in the major labels' format."""
    axis.set_minor_formatter(NullFormatter())
    if axis.get_scale() != "log" or not isinstance(axis.get_major_locator(), LogLocator):
        return
    lo, hi = sorted(axis.get_view_interval())
    if lo <= 0:
        return
    majors = inside(axis.get_major_locator().tick_values(lo, hi), lo, hi)
    if len(majors) > UNMARKED_MINOR_DECADES:  # past four decades minor ticks say little and cost most of the drawing
        axis.set_minor_locator(NullLocator())
    if len(majors) >= MIN_LOG_LABELS:
        return
    minors = [v for v in enough_minor_ticks(lo, hi, len(majors)) if v not in majors]
    axis.set_minor_locator(FixedLocator(minors))
    major = axis.get_major_formatter()
    axis.set_minor_formatter(major if isinstance(major, SIFormatter) else SIFormatter())


def label_log_axes(fig) -> None:
    """Minor labels only where a log axis needs them: elsewhere up to eight
    minor labels per decade would crowd the axis (and cost most of the drawing time)."""
    for ax in fig.axes:
        label_short_log_axis(ax.xaxis)
        label_short_log_axis(ax.yaxis)


# ---- what the marks mean -------------------------------------------------------------


def plural(count, noun: str) -> str:
    """'1 reader thread', '2 reader threads' ('1/2 updaters': several levels)."""
    return f"{count} {noun}" if str(count) == "1" else f"{count} {noun}s"


def median_handles(lines: bool = True) -> list:
    """Legend entries saying how to read a median (line) with repetitions."""
    return [Line2D([], [], color="#444444", marker="o", linestyle="none", markersize=3.5, alpha=0.5,
                   markeredgewidth=0, label="one repetition"),
            Line2D([], [], color="#444444", marker="o", linestyle="-" if lines else "none",
                   label="median of the repetitions"),
            Line2D([], [], color="#444444", marker="|", markersize=9, linestyle="none",
                   label=CI_NOTE.replace("error bars: ", "error bar: "))]


FAILED_MARK = {"marker": "X", "markersize": 8, "markeredgecolor": FAILED_EDGE, "markeredgewidth": 1.0,
               "linestyle": "none", "clip_on": False, "zorder": 6}


def failed_handle(reasons: Iterable[str]) -> Line2D:
    return Line2D([], [], markerfacecolor="#dddddd", label=f"failed: {'/'.join(sorted(set(reasons)))} "
                  "(× in its backend's colour)", **FAILED_MARK)


def mark_failed_at(ax, x: float, backend: str, stack: int = 0) -> None:
    """A failed point at its x, on the axis' bottom (stacked upwards when
    several fail at the same x): where its line would have gone on."""
    ax.plot([x], [0.04 + 0.07 * stack], transform=ax.get_xaxis_transform(),
            markerfacecolor=backend_style(backend)[0], **FAILED_MARK)


def list_failed(ax, entries: Sequence[tuple]) -> None:
    """Failed points of a panel without a parameter axis, (backend, text)
    each: a × in the backend's colour and the text, bottom left."""
    for row, (backend, text) in enumerate(entries):
        y = 0.05 + 0.08 * row
        ax.plot([0.07], [y], transform=ax.transAxes, markerfacecolor=backend_style(backend)[0], **FAILED_MARK)
        ax.text(0.11, y, text, transform=ax.transAxes, fontsize=7, va="center", color="#222222",
                bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.7, "pad": 0.5})


def oversubscribed_handle(pus: Sequence[int]) -> Patch:
    hosts = "/".join(str(n) for n in sorted(set(pus)))
    return Patch(color=OVERSUBSCRIBED_COLOR, alpha=0.3,
                 label=f"oversubscribed: readers + updaters + call_rcu workers > {hosts} PUs")


def shade_spans(ax, spans: Sequence[tuple]) -> None:
    for lo, hi in spans:
        ax.axvspan(lo, hi, color=OVERSUBSCRIBED_COLOR, alpha=0.15, linewidth=0, zorder=0)


# ---- legend, caption, files ---------------------------------------------------------


def backend_handles(backends: Sequence[str], markers: bool = True, lines: bool = True) -> list:
    """Backends by colour and marker (`markers` False: line only; `lines`
    False: marker only, for dot plots)."""
    handles = []
    for name in sorted(set(backends), key=backend_sort_key):
        color, marker = backend_style(name)
        text = "none (ideal: no read-side code)" if name == "none" else name
        linestyle = ("--" if name == "none" else "-") if lines else "none"
        shown = (marker or ("" if lines else "o")) if markers else ""  # `none` has a dashed line, no marker
        handles.append(Line2D([], [], color=color, marker=shown, linestyle=linestyle, label=text))
    return handles


def legend(fig, backends: Sequence[str], set_labels: Sequence[str], extra: Sequence = (),
           markers: bool = True, lines: bool = True) -> None:
    """One legend for the figure, right of the panels: backends by colour and
    marker, then (when several sets are overlaid) sets by line style."""
    handles = backend_handles(backends, markers, lines)
    if len(set_labels) > 1:
        for i, text in enumerate(set_labels):
            handles.append(Line2D([], [], color="#444444", linestyle=HOST_LINESTYLES[i % len(HOST_LINESTYLES)],
                                  label=text))
    handles.extend(extra)
    right = max(ax.get_position().x1 for ax in fig.axes)  # next to the last panel, not the figure edge
    fig.legend(handles=handles, loc="center left", bbox_to_anchor=(right + 0.01, 0.5), frameon=False)


def caption(fig, sets, note: str = "") -> None:
    """Below the panels: which host profile(s) and set(s) the chart shows
    (save() moves it under the lowest tick labels once they are measured)."""
    lines = [f"host profile {rs.profile_id}, set {rs.set_id}"
             + (f" (line style {HOST_LINESTYLES[i % len(HOST_LINESTYLES)]!r})" if len(sets) > 1 else "")
             for i, rs in enumerate(sets)]
    if note:
        lines.append(note)
    fig.text(0.01, -0.02, "\n".join(lines), ha="left", va="top", fontsize=7, color="#333333", gid=CAPTION_ID)


CAPTION_ID = "rculab-caption"


def tight_box(fig):
    """The figure's extent in inches (panels, legend, titles, caption), the
    caption first moved just under the lowest panel's tick and axis labels
    (slanted labels reach further down). Each panel is measured once: the
    most expensive step of drawing."""
    renderer = fig.canvas.get_renderer()
    panels = [ax.get_tightbbox(renderer) for ax in fig.axes]
    texts = [t for t in fig.texts if t.get_visible()]
    for text in texts:
        if text.get_gid() == CAPTION_ID:
            bottom = fig.transFigure.inverted().transform((0, min(box.y0 for box in panels)))[1]
            text.set_y(min(-0.02, bottom - 0.01))
    others = [a.get_window_extent(renderer) for a in [*fig.legends, *texts, fig._suptitle] if a is not None]
    return Bbox.union(panels + others).transformed(fig.dpi_scale_trans.inverted())


def save(fig, out_dir: Path, stem: str) -> List[str]:
    """stem.png and stem.svg in out_dir; returns their names. The tight
    bounding box (legend and caption included) is measured once for both."""
    out_dir = Path(out_dir)
    label_log_axes(fig)
    box = tight_box(fig).padded(0.1)
    fig.savefig(out_dir / f"{stem}.png", format="png", bbox_inches=box, metadata=PNG_METADATA)
    fig.savefig(out_dir / f"{stem}.svg", format="svg", bbox_inches=box, metadata=SVG_METADATA)
    plt.close(fig)
    return [f"{stem}.png", f"{stem}.svg"]


def finish(fig, out_dir: Path, stem: str, title: str, sets, backends, note: str, extra: Sequence = (),
           markers: bool = True, wspace: float = None, failed: Iterable[str] = (), lines: bool = True) -> List[str]:
    """Title, legend (with an entry for failed points when `failed` names
    their reasons), caption, then save: the common end of every chart."""
    if wspace is not None:
        fig.subplots_adjust(wspace=wspace)
    fig.suptitle(title, y=1.02)
    failed = set(failed)
    legend(fig, backends, [rs.label for rs in sets], list(extra) + ([failed_handle(failed)] if failed else []),
           markers, lines)
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
