"""compare as Google Benchmark's compare.py and asv's read: a header with what
differs and a verdict, rows biggest effect first with a signed change and
better/worse for the metric's direction, geometric means, "not compared" as
counts, CSV/JSON, colour, and --fail-on-regression's exit status."""
import csv
import io
import json
import math

import pytest

from lab.analysis import comparability, compare, compare_output
from lab.base.table import ANSI_SGR
from lab.records import reader

import synth
from analysis_fixtures import UNIMODAL_KEY, point_with_reads, read_cost_point
from conftest import run_cli

SETS = dict(backends=("qsbr", "rwlock"), workloads=("read_scalability", "gp_latency"), readers=(1, 2, 4),
            updaters=(1,), repetitions=9, pus=8)


def write(root, set_id, **overrides):
    return synth.write_set(root, set_id=set_id, **dict(SETS, **overrides))


def verdict_of(root, a_overrides=None, b_overrides=None):
    a = write(root, "20261123T101500Z-a", **(a_overrides or {}))
    b = write(root, "20261123T111500Z-b", **(b_overrides or {}))
    return compare.compare_sets(reader.load_set(a), reader.load_set(b)).verdict


# ---- the header's verdict -----------------------------------------------------------

def test_only_the_commit_differs_is_comparable(tmp_path):
    v = verdict_of(tmp_path, b_overrides=dict(commit="0123abcd4567", seed=2))
    assert v.level == comparability.COMPARABLE and v.reasons == []
    assert v.subject == "commits 5fb965e0a1b2 -> 0123abcd4567 on one host"
    assert [d.aspect for d in v.differences] == ["commit"]
    # hex that reads as a number (1234567e1234 overflows a float) is still a commit
    v = verdict_of(tmp_path / "hex", dict(commit="1234567e1234"), dict(commit="1234567e1235"))
    assert v.subject == "commits 1234567e1234 -> 1234567e1235 on one host"


def test_nothing_differs_is_an_a_a_run(tmp_path):
    v = verdict_of(tmp_path)
    assert v.level == comparability.COMPARABLE and "A/A" in v.subject and v.differences == []


def test_another_preset_and_repetitions_are_caveats(tmp_path):
    v = verdict_of(tmp_path, b_overrides=dict(commit="0123abcd4567", repetitions=5, spec={"name": "paper"}))
    assert v.level == comparability.CAVEATS
    assert "different spec" in v.reasons and "different repetitions" in v.reasons
    assert {d.aspect: (d.a, d.b) for d in v.differences}["repetitions"] == ("9", "5")
    assert v.subject.startswith("commits ")  # still what is compared


def test_another_host_is_a_host_comparison(tmp_path):
    v = verdict_of(tmp_path, b_overrides=dict(profile_id="x86-64-synth-8pu-00000002"))
    assert v.level == comparability.CAVEATS and any("host comparison" in r for r in v.reasons)
    assert v.subject == "hosts x86-64-synth-8pu-00000001 -> x86-64-synth-8pu-00000002 at one commit"


def test_another_window_is_not_comparable(tmp_path):
    # A records its window only in the points' context (0.200000 s), B in its manifest's spec.
    v = verdict_of(tmp_path, b_overrides=dict(spec={"duration": 1.0}))
    assert v.level == comparability.NOT_COMPARABLE
    assert any(r.startswith("different duration") for r in v.reasons)
    same = verdict_of(tmp_path / "same", b_overrides=dict(spec={"duration": 0.2}))
    assert same.level == comparability.COMPARABLE  # 0.2 and "0.200000" are one window


def test_few_matching_points_are_not_comparable(tmp_path):
    v = verdict_of(tmp_path, b_overrides=dict(workloads=("gp_latency",)))
    assert v.level == comparability.NOT_COMPARABLE and any("points in both sets" in r for r in v.reasons)


def test_the_text_header_says_what_differs_and_the_verdict(tmp_path, capsys):
    a = write(tmp_path, "20261123T101500Z-a")
    b = write(tmp_path, "20261123T111500Z-b", spec={"duration": 1.0})
    status, out, _ = run_cli(["compare", str(a), str(b)], capsys)
    assert status == 0
    lines = out.splitlines()
    assert lines[2] == "differs: duration 0.2 -> 1"
    assert lines[3].startswith("verdict: NOT comparable: ") and "different duration" in lines[3]
    status, out, _ = run_cli(["compare", str(a), "--backends", "qsbr,rwlock"], capsys)
    assert "verdict: comparable: backends qsbr -> rwlock within one set" in out


# ---- rows: order, change and direction ------------------------------------------------

def rows_of(*pairs):
    """A Comparison of (name, A point, B point) pairs, as compare_sets collects them."""
    return compare.collect(compare.Comparison("sets", "A", "B"), pairs, None)


def reads(values, backend="qsbr", readers=1):
    key = f"read_scalability.backend={backend}.readers={readers}"
    return point_with_reads(values, backend=backend, key=key)


def steady(level, n=9):
    """n values a hair apart around `level`, so that two levels never overlap."""
    return [level * (1 + 0.001 * i) for i in range(n)]


def test_rows_come_biggest_effect_first_on_a_log_scale():
    c = rows_of(("up 30%", reads(steady(100)), reads(steady(130))),
                ("halved", reads(steady(100)), reads(steady(50))),
                ("up 60%", reads(steady(100)), reads(steady(160))),
                ("same", reads(steady(100)), reads(steady(100))))
    # |log 0.5| = 0.69 > |log 1.6| = 0.47 > |log 1.3| = 0.26 > 0
    assert [r.point for r in c.rows] == ["halved", "up 60%", "up 30%", "same"]
    sizes = [abs(math.log(r.effect)) for r in c.rows]
    assert sizes == sorted(sizes, reverse=True)


def test_the_change_is_signed_by_value_and_judged_by_direction():
    slower_reads = compare.compare_points("p", reads(steady(100)), reads(steady(80)), None)
    assert slower_reads.change_pct == pytest.approx(-20, abs=0.01) and slower_reads.verdict == "worse"
    assert slower_reads.worse_pct == pytest.approx(20, abs=0.01)
    # ns per read: lower is better, so a drop is a win
    cheaper = compare.compare_points("p", read_cost_point("qsbr", [3.0] * 10, [0.30] * 10),
                                     read_cost_point("qsbr", [1.5] * 10, [0.30] * 10), None)
    assert cheaper.metric.name == "ns_per_read" and not cheaper.metric.higher_is_better
    assert cheaper.change_pct == pytest.approx(-50) and cheaper.verdict == "better"
    assert cheaper.worse_pct == pytest.approx(-50)
    cells = compare_output.cells(slower_reads)
    assert cells[compare_output.HEADERS.index("change")] == "-20.0%"
    assert cells[compare_output.HEADERS.index("verdict")] == "worse"
    # not significant: a change, no verdict
    untested = compare.compare_points("p", reads([100, 101, 99]), reads([80, 81, 79]), None)
    assert untested.n_too_small and untested.verdict is None and untested.change_pct == pytest.approx(-20)


def test_colour_marks_significant_verdicts_only():
    c = rows_of(("worse", reads(steady(100)), reads(steady(80))),
                ("better", reads(steady(100), "rwlock"), reads(steady(120), "rwlock")),
                ("untested", reads([100, 101, 99]), reads([80, 81, 79])))
    coloured = compare_output.to_text(c, color=True)
    worse_line = next(line for line in coloured.splitlines() if line.startswith("worse "))
    better_line = next(line for line in coloured.splitlines() if line.startswith("better "))
    assert "\x1b[31m-20.0%\x1b[0m" in worse_line and "\x1b[31mworse\x1b[0m" in worse_line
    assert "\x1b[32m+20.0%\x1b[0m" in better_line
    untested_line = next(line for line in coloured.splitlines() if line.startswith("untested "))
    assert "\x1b[" not in untested_line
    assert "\x1b[" not in compare_output.to_text(c, color=False)
    # the escapes take no width: the plain and coloured tables line up alike
    plain = compare_output.to_text(c).splitlines()
    assert [ANSI_SGR.sub("", line) for line in coloured.splitlines()] == plain


def test_color_auto_follows_the_terminal_and_no_color():
    from lab.commands.compare import use_color

    class Tty:
        def isatty(self):
            return True
    assert use_color("auto", Tty(), {}) and not use_color("auto", Tty(), {"NO_COLOR": "1"})
    assert not use_color("auto", io.StringIO(), {})
    assert use_color("always", io.StringIO(), {"NO_COLOR": "1"}) and not use_color("never", Tty(), {})


# ---- geometric means -------------------------------------------------------------------

def test_geomeans_per_workload_backend_and_overall_match_a_hand_computation():
    unresolved = (read_cost_point("qsbr", [0.75] * 10, [0.30] * 10), read_cost_point("qsbr", [1.10] * 10, [0.30] * 10))
    c = rows_of(("qsbr reads", reads([100] * 9), reads([120] * 9)),                   # reads x1.2: gain 1.2
                ("rwlock reads", reads([100] * 9, "rwlock"), reads([80] * 9, "rwlock")),  # x0.8: gain 0.8
                ("qsbr cost", read_cost_point("qsbr", [3.0] * 10, [0.30] * 10),
                 read_cost_point("qsbr", [1.5] * 10, [0.30] * 10)),                   # ns x0.5: gain 2
                ("qsbr noise", *unresolved))                                           # ≈: left out
    by = {(g.group, g.name): g for g in compare.geomeans(c)}
    assert by["workload", "read_scalability"].gain == pytest.approx(math.sqrt(1.2 * 0.8))
    assert by["workload", "read_cost"].gain == pytest.approx(2.0)
    assert (by["workload", "read_cost"].points, by["workload", "read_cost"].unresolved) == (1, 1)
    assert by["backend", "qsbr"].gain == pytest.approx((1.2 * 2.0) ** 0.5)
    assert by["backend", "rwlock"].gain == pytest.approx(0.8)
    overall = by["overall", "OVERALL_GEOMEAN"]
    assert overall.gain == pytest.approx((1.2 * 0.8 * 2.0) ** (1 / 3)) and overall.points == 3
    assert (overall.better, overall.worse, overall.unresolved) == (2, 1, 1)
    assert (by["backend", "qsbr"].better, by["backend", "rwlock"].worse) == (2, 1)
    text = compare_output.to_text(c)
    line = next(line for line in text.splitlines() if line.startswith("OVERALL_GEOMEAN"))
    assert line.split()[1:4] == ["3", f"{(1.2 * 0.8 * 2.0) ** (1 / 3):.3f}",
                                 f"{((1.2 * 0.8 * 2.0) ** (1 / 3) - 1) * 100:.1f}%"]


def test_backends_mode_has_no_per_backend_geomean():
    c = rows_of(("p", reads(steady(100)), reads(steady(90), "rwlock")))
    assert len({g.group for g in compare.geomeans(c)}) == 3
    c.mode = "backends"
    assert [g.group for g in compare.geomeans(c)] == ["workload", "overall"]


# ---- not compared ---------------------------------------------------------------------

def test_not_compared_is_counted_per_workload_and_reason():
    c = compare.Comparison("sets", "A", "B", not_compared=[
        ("call_rcu/backend:mb/updaters:1", "failed in A (implausible)"),
        ("call_rcu/backend:mb/updaters:2", "failed in A (implausible)"),
        ("call_rcu/backend:qsbr/updaters:1", "only in B"),
        ("update_rate.backend=qsbr.batch=1", "only in A")])
    assert compare.not_compared_counts(c) == [
        ("call_rcu", [("failed in A (implausible)", 2), ("only in B", 1)]), ("update_rate", [("only in A", 1)])]
    text = compare_output.to_text(c)
    assert "  call_rcu: 2 failed in A (implausible), 1 only in B" in text.splitlines()
    assert "backend:mb/updaters:2" not in text
    assert "  - call_rcu/backend:mb/updaters:2: failed in A (implausible)" in compare_output.to_text(c, verbose=True)


def test_the_cli_collapses_not_compared_unless_verbose(tmp_path, capsys):
    a = write(tmp_path, "20261123T101500Z-a", failed=["gp_latency.backend=qsbr.readers=2.updaters=1.placement=compact"])
    b = write(tmp_path, "20261123T111500Z-b", readers=(1, 2))
    status, out, _ = run_cli(["compare", str(a), str(b)], capsys)
    assert status == 0
    assert "  gp_latency: 2 only in A, 1 failed in A (crash)" in out.splitlines()
    assert "  - " not in out
    status, verbose, _ = run_cli(["compare", str(a), str(b), "--list-not-compared"], capsys)
    listed = [line for line in verbose.splitlines() if line.startswith("  - ")]
    assert len(listed) == len(compare.compare_sets(reader.load_set(a), reader.load_set(b)).not_compared) > 3


# ---- CSV and JSON -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def two_sets(tmp_path_factory):
    root = tmp_path_factory.mktemp("results")
    return write(root, "20261123T101500Z-a", seed=1), write(root, "20261123T111500Z-b", seed=2, commit="0123abcd4567")


def test_csv_has_one_parsable_row_per_compared_point(two_sets, capsys):
    a, b = two_sets
    status, out, _ = run_cli(["compare", str(a), str(b), "--format", "csv"], capsys)
    assert status == 0
    table = list(csv.DictReader(io.StringIO(out)))
    assert list(table[0]) == list(compare_output.CSV_COLUMNS)
    assert set(table[0]) >= {"point", "workload", "backend", "params", "metric", "unit", "higher_is_better", "n_a",
                             "n_b", "median_a", "median_b", "ratio", "change_pct", "shift", "shift_low",
                             "shift_high", "shift_confidence", "p_value", "significant", "verdict", "flags"}
    status, js, _ = run_cli(["compare", str(a), str(b), "--json"], capsys)
    rows = json.loads(js)["rows"]
    assert [r["point"] for r in table] == [r["point"] for r in rows]
    for line, row in zip(table, rows):
        assert float(line["median_b"]) / float(line["median_a"]) == pytest.approx(row["ratio"])
        assert float(line["change_pct"]) == pytest.approx(row["change_pct"])
        assert json.loads(line["params"]) == row["params"]
        assert line["verdict"] in ("better", "worse", "≈", "none")
        assert (line["verdict"] == "none") == (row["verdict"] is None)
        assert line["significant"] == str(row["significant"])


def test_json_adds_the_header_geomeans_and_counts(two_sets, capsys):
    a, b = two_sets
    status, out, _ = run_cli(["compare", str(a), str(b), "--format", "json"], capsys)
    assert status == 0
    doc = json.loads(out)
    assert doc["header"]["verdict"] == "comparable" and doc["header"]["subject"].startswith("commits ")
    assert doc["header"]["differences"] == [{"aspect": "commit", "role": "commit",
                                             "a": "5fb965e0a1b2", "b": "0123abcd4567"}]
    overall = doc["geomeans"][-1]
    assert overall["name"] == "OVERALL_GEOMEAN" and overall["points"] + overall["below_resolution"] == len(doc["rows"])
    gains = [r["b"]["median"] / r["a"]["median"] if r["shift"] is None else r["shift"]["estimate"] for r in doc["rows"]]
    gains = [g if r["higher_is_better"] else 1 / g for g, r in zip(gains, doc["rows"]) if not r["below_resolution"]]
    assert overall["gain"] == pytest.approx(math.exp(sum(map(math.log, gains)) / len(gains)))
    assert {"change_pct", "verdict", "point", "ratio", "shift", "flags"} <= set(doc["rows"][0])
    assert isinstance(doc["not_compared_counts"], list)


# ---- --fail-on-regression ---------------------------------------------------------------

def set_reads(folder, key, rates):
    """Make point `key` measure these reads/s, one repetition each."""
    path = folder / "points" / f"{key}.json"
    record = json.loads(path.read_text())
    reps = record["repetitions"][:len(rates)]
    for rep, rate in zip(reps, rates):
        rep["counters"]["reader_ops"] = rate * rep["counters"]["wall_ns"] / 1e9
    record["repetitions"] = reps
    path.write_text(json.dumps(record))


@pytest.fixture
def regressed(tmp_path):
    """Two sets alike (one seed) but for UNIMODAL_KEY, whose reads/s B sets."""
    a = write(tmp_path, "20261123T101500Z-a")
    b = write(tmp_path, "20261123T111500Z-b", commit="0123abcd4567")

    def make(factor, n=9):
        set_reads(a, UNIMODAL_KEY, steady(1e8, n))
        set_reads(b, UNIMODAL_KEY, [v * factor for v in steady(1e8, n)])
        return a, b
    return make


def test_a_significant_20_percent_regression_fails(regressed, capsys):
    a, b = regressed(0.80)
    status, out, err = run_cli(["compare", str(a), str(b), "--fail-on-regression", "5%"], capsys)
    assert status == 1, err
    assert "1 significant regression(s) worse than 5%" in err
    assert "read_scalability/backend:qsbr/readers:2/updaters:0" in err and "-20.0%" in err
    assert out.startswith("A: ")  # the comparison is printed all the same
    status, _, _ = run_cli(["compare", str(a), str(b)], capsys)
    assert status == 0  # without the flag: no exit status from the numbers


def test_a_significant_2_percent_regression_passes_a_5_percent_bar(regressed, capsys):
    a, b = regressed(0.98)
    row = next(r for r in compare.compare_sets(reader.load_set(a), reader.load_set(b)).rows
               if r.a.point.key == UNIMODAL_KEY)
    assert row.verdict == "worse" and row.change_pct == pytest.approx(-2, abs=0.01)
    status, _, err = run_cli(["compare", str(a), str(b), "--fail-on-regression", "5%"], capsys)
    assert status == 0 and err == ""
    status, _, _ = run_cli(["compare", str(a), str(b), "--fail-on-regression", "1.5%"], capsys)
    assert status == 1


def test_an_untestable_20_percent_regression_passes(regressed, capsys):
    a, b = regressed(0.80, n=3)
    row = next(r for r in compare.compare_sets(reader.load_set(a), reader.load_set(b)).rows
               if r.a.point.key == UNIMODAL_KEY)
    assert row.n_too_small and row.change_pct == pytest.approx(-20, abs=0.01)
    status, _, err = run_cli(["compare", str(a), str(b), "--fail-on-regression", "5%"], capsys)
    assert status == 0 and err == ""


def test_an_improvement_never_fails(regressed, capsys):
    a, b = regressed(1.25)
    status, _, _ = run_cli(["compare", str(a), str(b), "--fail-on-regression", "0%"], capsys)
    assert status == 0


@pytest.mark.parametrize("value", ["x", "5", "0.05", "-3%", "nan%", "%"])
def test_a_bad_threshold_is_one_error_line(value, capsys):
    status, out, err = run_cli(["compare", "nope", "nope", f"--fail-on-regression={value}"], capsys)  # "=": -3% too
    assert status == 2 and out == ""
    assert err.splitlines() == [f"rculab: error: --fail-on-regression: expected a percentage like 5%, got {value!r}"]


# ---- help --------------------------------------------------------------------------------

def test_help_shows_single_percent_signs(capsys):
    status, out, _ = run_cli(["compare", "--help"], capsys)
    assert status == 0 and "95%" in out and "5%" in out
    assert "%%" not in out
