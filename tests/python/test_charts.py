"""Charts without traps: one style per backend (and distinct fallbacks for
unknown ones), SI tick labels without milli-micro, labelled ticks on short
log axes, oversubscription counted over every thread, percentile plots that
flag latencies beyond the window, backlog small multiples with the cap,
dot plots for categories, update_rate's delays in the legend."""
from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import matplotlib.pyplot as plt
import pytest

import plots
from lab.records import reader
from lab.records.reader import Point, Repetition
from plots import call_rcu_backlog, data, gp_latency, long_reader, read_scalability, style, update_rate

import synth

# ---- styles ----------------------------------------------------------------------------------


def test_every_known_backend_has_its_own_colour_and_its_own_marker():
    assert set(style.BACKEND_ORDER) == set(style.BACKEND_STYLE)
    for a, b in itertools.combinations(style.BACKEND_ORDER, 2):
        (color_a, marker_a), (color_b, marker_b) = style.backend_style(a), style.backend_style(b)
        assert color_a.lower() != color_b.lower(), (a, b)
        assert marker_a != marker_b, (a, b)


def test_liburcu_memb_and_its_percpu_flavor_are_told_apart():
    """They shared #98df8a and could not be told apart on the CDF and backlog charts."""
    assert style.backend_style("urcu-memb") != style.backend_style("urcu-memb-percpu")
    assert style.backend_style("urcu-memb")[0] != style.backend_style("urcu-memb-percpu")[0]


def test_unknown_backends_get_distinct_fallbacks_unlike_any_known_one():
    unknown = ["ebr", "hazard", "user-rcu", "srcu-tree", "qsbr-v2", "my-epoch"]
    style.assign_backends(unknown + ["qsbr", "none"])
    try:
        styles = [style.backend_style(name) for name in unknown]
        assert len(set(styles)) == len(unknown)
        known = set(style.BACKEND_STYLE.values())
        assert not any(s in known for s in styles)
        assert not {c for c, _ in styles} & {c for c, _ in known}
    finally:
        style.assign_backends(())


def test_as_many_unknown_backends_as_fallback_pairs_all_differ():
    pairs = len(style.FALLBACK_COLORS) * len(style.FALLBACK_MARKERS)
    names = [f"user{k:02d}" for k in range(pairs)]
    style.assign_backends(names)
    try:
        assert len({style.backend_style(n) for n in names}) == pairs
    finally:
        style.assign_backends(())


def test_an_unassigned_unknown_backend_keeps_one_style():
    """Without assign_backends (a family called on its own): a stable style per name."""
    style.assign_backends(())
    assert style.backend_style("my-epoch") == style.backend_style("my-epoch")
    assert style.backend_style("my-epoch") not in set(style.BACKEND_STYLE.values())


# ---- numbers --------------------------------------------------------------------------------


@pytest.mark.parametrize("value, unit, text", [
    (0.1, "µs", "100 ns"), (0.95, "", "0.95"), (0.5, "ns", "0.5 ns"), (1500, "ns", "1.5 µs"),
    (2e-4, "s", "200 µs"), (13.9e9, "ns", "13.9 s"), (1.5e7, "", "15 M"), (1e7, "/s", "10 M/s"),
    (2048, "B", "2.048 kB"), (1, "", "1"), (0, "µs", "0"), (0.001, "", "0.001"), (250, "", "250"),
])
def test_si_text(value, unit, text):
    assert style.si_text(value, unit) == text


VALUES = [m * 10.0 ** e for e in range(-5, 13) for m in (1, 2, 2.5, 5, 9.5)]


@pytest.mark.parametrize("unit", ["", "B", "/s", "callbacks"])
def test_counts_below_one_are_decimals_never_milli(unit):
    for value in VALUES:
        text = style.si_text(value, unit)
        assert not re.search(r"\dm|\sm", text), (value, text)
        assert "e" not in text.split(" ")[0], (value, text)
        if value < 1:
            assert text.startswith("0."), (value, text)


@pytest.mark.parametrize("unit", ["s", "ms", "µs", "ns"])
def test_times_switch_unit_instead_of_a_milli_prefix_on_a_prefixed_unit(unit):
    for value in VALUES:
        number, shown = style.si_text(value, unit).split(" ")
        assert shown in ("s", "ms", "µs", "ns"), (value, unit, shown)
        assert float(number) >= 1 or shown == "ns", (value, unit, number, shown)


def labels(axis) -> list:
    """The non-empty tick labels a reader sees on an axis (inside its limits)."""
    lo, hi = sorted(axis.get_view_interval())
    shown = []
    for minor in (False, True):
        ticks = axis.get_minorticklocs() if minor else axis.get_majorticklocs()
        texts = axis.get_ticklabels(minor=minor)
        shown += [t.get_text() for loc, t in zip(ticks, texts)
                  if lo * (1 - 1e-9) <= loc <= hi * (1 + 1e-9) and t.get_text()]
    return shown


def drawn_axis(lo: float, hi: float, unit: str = ""):
    fig, ax = plt.subplots()
    ax.plot([0, 1], [lo, hi])
    ax.set_yscale("log")
    ax.set_ylim(lo, hi)
    style.si_axis(ax.yaxis, unit)
    style.label_log_axes(fig)
    fig.canvas.draw()
    return fig, ax


@pytest.mark.parametrize("lo, hi", [(30, 70), (100, 1000), (2e6, 2.5e7), (45, 55), (0.3, 0.9)])
def test_a_short_log_axis_gets_at_least_three_labels(lo, hi):
    fig, ax = drawn_axis(lo, hi)
    shown = labels(ax.yaxis)
    plt.close(fig)
    assert len(shown) >= 3, shown
    assert len(set(shown)) == len(shown), shown
    assert not any("m" in text or "e" in text for text in shown), shown


def test_a_long_log_axis_keeps_one_label_a_decade():
    fig, ax = drawn_axis(1, 1e8)
    shown = labels(ax.yaxis)
    plt.close(fig)
    assert 3 <= len(shown) <= 9, shown


def test_a_short_log_axis_of_times_labels_in_time_units():
    fig, ax = drawn_axis(30, 70, "ns")
    shown = labels(ax.yaxis)
    plt.close(fig)
    assert len(shown) >= 3 and all(text.endswith(" ns") for text in shown), shown


# ---- oversubscription -----------------------------------------------------------------


def point(params, counters, pus=2) -> Point:
    reps = [Repetition(0, dict(counters))]
    return Point("k", "b", "call_rcu", "qsbr", params, "ok", None, reps, {"topology_pus": str(pus)}, Path("."))


CALL_RCU_COUNTERS = {"reader_threads": 1, "updater_threads": 1, "helper_cpu_ns": 9e7, "helper0_cpu_ns": 4e7,
                     "helper1_cpu_ns": 5e7, "helper0_pu": -1, "helper1_pu": -1, "wall_ns": 2e8}


def test_threads_count_readers_updaters_and_call_rcu_workers():
    p = point({"readers": 1, "updaters": 1}, CALL_RCU_COUNTERS)
    assert data.threads_of(p) == 4  # helper_cpu_ns is their sum, not a worker
    assert data.oversubscribed(p) == 2
    assert data.oversubscribed(point({"readers": 1, "updaters": 1}, CALL_RCU_COUNTERS, pus=4)) is None


def test_threads_fall_back_to_the_parameters():
    p = point({"readers": 2, "updaters": 1}, {"wall_ns": 2e8})
    assert data.threads_of(p) == 3 and data.oversubscribed(p) == 2


def test_spans_reach_halfway_to_the_neighbours_and_merge():
    assert data.spans({1: False, 4: True, 16: True}) == [(2.0, 20.0)]
    assert data.spans({1: True, 2: False}) == [(0.8, 2 ** 0.5)]
    assert data.spans({1: False, 2: False}) == []


def captured(monkeypatch) -> dict:
    """Figures by stem instead of files (style.save replaced)."""
    figures = {}
    monkeypatch.setattr(style, "save", lambda fig, out_dir, stem: figures.setdefault(stem, fig) and [stem])
    return figures


def shaded(ax) -> list:
    """x ranges of the axvspan rectangles (oversubscription) of a panel."""
    out = []
    for patch in ax.patches:
        xs = [v[0] for v in patch.get_xy()] if hasattr(patch, "get_xy") else []
        if xs:
            out.append((min(xs), max(xs)))
    return out


def test_one_reader_one_updater_and_two_workers_on_two_pus_are_shaded(tmp_path, monkeypatch):
    folder = synth.write_set(tmp_path, backends=("qsbr",), workloads=("read_scalability",), readers=(1, 2),
                             repetitions=3, pus=2)
    figures = captured(monkeypatch)
    read_scalability.render([reader.load_set(folder)], tmp_path)
    panels = {ax.get_title(): ax for ax in figures["read_scalability-compact"].axes}
    assert shaded(panels["read-only"]) == []  # 2 readers on 2 PUs
    assert any(lo < 1 < hi for lo, hi in shaded(panels["1 updater, call_rcu"]))  # 1 + 1 + 2 workers
    assert any(lo < 2 < hi and not lo < 1 for lo, hi in shaded(panels["1 updater, synchronize"]))  # 2 + 1
    legend = [t.get_text() for t in figures["read_scalability-compact"].legends[0].get_texts()]
    assert "oversubscribed: readers + updaters + call_rcu workers > 2 PUs" in legend


# ---- families ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def synth_set(tmp_path_factory):
    root = tmp_path_factory.mktemp("results")
    folder = synth.write_set(root, backends=("qsbr", "urcu-memb", "urcu-memb-percpu"),
                             workloads=("gp_latency", "call_rcu", "update_rate"), readers=(1,), updaters=(1, 4),
                             repetitions=3, pus=8)
    return folder


def copy_of(folder: Path, tmp_path: Path) -> Path:
    target = tmp_path / "results" / folder.parent.name / folder.name
    target.parent.mkdir(parents=True)
    import shutil
    shutil.copytree(folder, target)
    return target


def test_percentile_plot_flags_latencies_beyond_the_window_instead_of_stretching_the_axis(synth_set, tmp_path,
                                                                                          monkeypatch):
    folder = copy_of(synth_set, tmp_path)
    path = folder / "points" / "gp_latency.backend=urcu-memb.readers=1.updaters=1.placement=compact.json"
    record = json.loads(path.read_text())
    huge = 13_900_000_000  # one synchronize of 13.9 s in a 0.2 s window
    hist = record["repetitions"][0]["latency_histogram"]
    hist["counts"][str(synth.histogram.index_of(huge))] = 3
    hist["max_ns"] = huge
    path.write_text(json.dumps(record))
    figures = captured(monkeypatch)
    gp_latency.render([reader.load_set(folder)], tmp_path)
    fig = figures["gp_latency_cdf-readers1-compact"]
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    assert ax.get_ylim()[1] <= 2 * 0.21  # the window, not 13.9 s
    texts = [t.get_text() for a in fig.axes for t in a.texts]
    assert "urcu-memb: 3 samples > window" in texts
    fig.canvas.draw()
    xlabels = [t.get_text() for t in ax.get_xticklabels()]
    assert xlabels[:3] == ["50", "90", "99"]
    ylabels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert ylabels and all(re.fullmatch(r"[\d.]+ (ns|µs|ms|s)", t) for t in ylabels), ylabels
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert any(t.startswith("measurement window") for t in legend)


def test_percentile_steps_start_at_the_minimum_and_end_at_the_largest_sample():
    counts = {synth.histogram.index_of(100): 50, synth.histogram.index_of(1000): 49,
              synth.histogram.index_of(50_000): 1}
    xs, ys = gp_latency.percentile_steps(counts, 50_001)
    assert xs[0] == 0 and ys[0] >= 100
    assert xs[1] == pytest.approx(gp_latency.nines(0.5)) and xs[2] == pytest.approx(gp_latency.nines(0.99))
    assert ys[-1] == 50_001 and xs[-1] == pytest.approx(gp_latency.nines(1 - 0.5 / 100))
    assert gp_latency.beyond(counts, 50_001, 10_000) == 1 and gp_latency.beyond(counts, 50_001, 60_000) == 0


def test_backlog_is_small_multiples_with_every_repetition_and_the_cap(synth_set, monkeypatch, tmp_path):
    figures = captured(monkeypatch)
    call_rcu_backlog.render([reader.load_set(synth_set)], tmp_path)
    fig = figures["call_rcu_backlog-updaters1-compact"]
    panels = {ax.get_title(): ax for ax in fig.axes}
    assert set(panels) == {"qsbr", "urcu-memb", "urcu-memb-percpu"}
    cap = 1 << 20
    for ax in panels.values():
        series = [line for line in ax.get_lines() if len(line.get_xdata()) > 2]
        assert len(series) == 3  # one per repetition
        assert any(list(line.get_ydata()) == [cap, cap] for line in ax.get_lines())
        assert any("cap" in t.get_text() for t in ax.texts)
        assert ax.get_shared_y_axes().joined(ax, fig.axes[0])


def test_update_rate_says_what_each_delay_is_and_counts_in_the_singular(synth_set, monkeypatch, tmp_path):
    figures = captured(monkeypatch)
    update_rate.render([reader.load_set(synth_set)], tmp_path)
    fig = figures["update_rate-readers1-compact"]
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert {"delay between updates 0 (back to back)", "delay between updates 1 µs",
            "delay between updates 100 µs"} <= set(legend)
    assert "1 reader thread," in fig._suptitle.get_text()
    fills = {line.get_fillstyle() for ax in fig.axes for line in ax.get_lines() if line.get_marker() not in ("", "None")
             and len(line.get_xdata()) == 1}
    assert {"full", "left", "none"} <= fills


def test_categories_are_dots_never_joined_by_lines(tmp_path, monkeypatch):
    names = [n for n in synth.catalogue_names(("qsbr", "urcu-memb")) if n.startswith("long_reader/")]
    folder = synth.write_listed_set(tmp_path / "results", names)
    figures = captured(monkeypatch)
    long_reader.render([reader.load_set(folder)], tmp_path)
    assert figures
    for fig in figures.values():
        for ax in fig.axes:
            for line in ax.get_lines():
                xs = set(line.get_xdata())
                if len(xs) > 1:  # vertical separators and error bars have one x
                    assert line.get_linestyle() in ("None", "none", ""), (ax.get_title(), line.get_xdata())
            assert any(len(line.get_xdata()) == 1 and line.get_marker() not in ("", "None") for line in ax.get_lines())


def test_every_family_renders_a_unknown_backend_in_its_own_style(tmp_path, monkeypatch):
    """A backend the table does not know (a future ck_epoch) gets a style none other has."""
    names = [n for n in synth.catalogue_names(("qsbr", "ck_epoch", "user_rcu")) if n.startswith("stat_counter/")]
    folder = synth.write_listed_set(tmp_path / "results", names)
    figures = captured(monkeypatch)
    plots.render_all([reader.load_set(folder)], tmp_path)
    fig = next(iter(figures.values()))
    legend = fig.legends[0]
    handles = dict(zip([t.get_text() for t in legend.get_texts()],
                       getattr(legend, "legend_handles", None) or legend.legendHandles))
    looks = {name: (handles[name].get_color(), handles[name].get_marker()) for name in ("qsbr", "ck_epoch", "user_rcu")}
    assert len(set(looks.values())) == 3
