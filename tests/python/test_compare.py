"""compare: U-test flagging, too-few-repetitions warning, bimodal flags, matching."""
import itertools
import json

import numpy as np
import pytest

from lab.analysis import compare
from lab.records import reader

from analysis_fixtures import BIMODAL_KEY, FAILED_KEY, point_with_reads, read_cost_point, small_set
from conftest import run_cli


def row_for(a_values, b_values, labels=None):
    outcome = compare.compare_points("p", point_with_reads(a_values, labels=labels), point_with_reads(b_values), None)
    assert isinstance(outcome, compare.Row)
    return outcome


def test_clearly_different_distributions_are_significant():
    rng = np.random.default_rng(1)
    row = row_for(rng.normal(100, 2, 10), rng.normal(130, 2, 10))
    assert row.significant and row.p_value < 0.001
    assert row.better == "b"  # reads/s: higher is better
    assert row.ratio == pytest.approx(1.3, rel=0.05)
    assert row.ratio_ci[0] > 1.2 and row.ratio_ci[1] < 1.4
    assert not row.few_repetitions


def test_identical_distributions_are_not_significant():
    rng = np.random.default_rng(2)
    same = list(rng.normal(100, 2, 10))
    row = row_for(same, same)
    assert not row.significant and row.p_value == pytest.approx(1.0)
    assert row.ratio_ci[0] <= 1.0 <= row.ratio_ci[1]
    constant = row_for([5] * 9, [5] * 9)
    assert constant.p_value == 1.0 and not constant.significant


def test_three_against_three_is_n_too_small_never_a_p_value():
    """Fully apart, 3 vs 3 can give p = 0.1 at best: no p-value, no verdict, no ratio CI."""
    row = row_for([100, 101, 99], [130, 131, 129])
    assert row.n_too_small and row.p_value is None and not row.significant and row.better is None
    assert all(np.isnan(row.ratio_ci))
    from lab.analysis import compare_output
    text = compare_output.to_text(compare.Comparison("sets", "A", "B", [row]))
    assert "n too small" in text and "p >= 0.1 at best" in text and row.shift is None
    four = row_for([100, 101, 99, 100], [130, 131, 129, 130])
    assert not four.n_too_small and four.p_value == pytest.approx(2 / 70) and four.significant
    # 4 against 4: the widest interval of pairwise ratios covers 1 - 2/70 = 97%
    assert four.shift.low == pytest.approx(129 / 101) and four.shift.high == pytest.approx(131 / 99)
    assert four.shift.confidence == pytest.approx(1 - 2 / 70)
    assert "1.300 [1.277-1.323]" in compare_output.to_text(compare.Comparison("sets", "A", "B", [four]))


def test_shift_ci_ranks_match_the_published_mann_whitney_critical_values():
    """Two-sided 5% critical U (reject at U <= c): 5 vs 5: 2; 8 vs 8: 13; 10 vs 10: 23; 6 vs 9: 10."""
    from lab.analysis import stats
    for (m, n), critical in {(5, 5): 2, (8, 8): 13, (10, 10): 23, (6, 9): 10}.items():
        k, coverage = stats._shift_rank(m, n)
        assert k == critical + 1 and coverage >= 0.95


def test_shift_ci_covers_the_true_ratio_about_as_often_as_it_says():
    """Simulated: B = 1.5 x A with log-normal noise; 5 vs 5 covers 1.5 in ~96.8%."""
    import random
    from lab.analysis import stats
    rng = random.Random(7)
    trials, covered = 2000, 0
    for _ in range(trials):
        a = [rng.lognormvariate(0, 0.2) for _ in range(5)]
        b = [1.5 * rng.lognormvariate(0, 0.2) for _ in range(5)]
        shift = stats.hodges_lehmann_ratio(a, b)
        covered += shift.low <= 1.5 <= shift.high
    assert 0.95 <= covered / trials <= 0.985  # 1 - 2 * 4/252 = 0.968
    assert stats.hodges_lehmann_ratio([1, 2, 3, 4], [0, 1, 2, 3]) is None  # not positive: no log-scale shift


def test_too_few_repetitions_are_warned_about():
    row = row_for([100, 101, 99, 100], [130, 131, 129, 130])
    assert row.few_repetitions
    c = compare.Comparison("sets", "A", "B", [row])
    from lab.analysis import compare_output
    text = compare_output.to_text(c)
    assert "fewer than 9 repetitions" in text and "few repetitions (<9)" in text


def test_bimodal_side_lists_each_repetition_with_its_placement():
    values = [100, 100, 70, 100, 70, 100, 70, 101, 99]
    labels = [f"reader0:0>{7 if v == 70 else 0}" for v in values]
    row = row_for(values, [100] * 9, labels)
    detail = row.a.bimodal_detail()
    assert detail is not None and row.b.bimodal_detail() is None
    low = [r for r in detail["repetitions"] if r["cluster"] == "low"]
    assert [r["label"] for r in low] == ["reader0:0>7"] * 3


@pytest.fixture(scope="module")
def synth_sets(tmp_path_factory):
    root = tmp_path_factory.mktemp("results")
    a = small_set(root, set_id="20261123T101500Z-a", seed=1, workloads=("read_scalability", "gp_latency"))
    b = small_set(root, set_id="20261123T111500Z-b", seed=2, workloads=("read_scalability", "gp_latency"),
                  bimodal=[], failed=[])
    return root, a, b


def test_backend_pairs_match_on_everything_but_the_backend(synth_sets):
    _, a, _ = synth_sets
    rs = reader.load_set(a)
    c = compare.compare_backends(rs, "qsbr", "rwlock")
    assert c.rows
    for row in c.rows:
        assert (row.a.point.backend, row.b.point.backend) == ("qsbr", "rwlock")
        assert row.a.point.params == row.b.point.params
        assert "backend:" not in row.point
    # rwlock reads are far slower than qsbr's at every read_scalability point
    reads = [r for r in c.rows if r.a.point.workload == "read_scalability"]
    assert reads and all(r.ratio < 1 and r.better == "a" for r in reads)
    # none has no update points, so pairing with it leaves them out as "only qsbr"
    with_none = compare.compare_backends(rs, "qsbr", "none")
    assert all(r.a.point.params.get("updaters") == 0 for r in with_none.rows)
    assert any(why == "only qsbr" for _, why in with_none.not_compared)


def test_compare_json_shape(synth_sets, capsys, monkeypatch):
    root, a, b = synth_sets
    monkeypatch.setattr(reader, "RESULTS_ROOT", root)
    status, out, err = run_cli(["compare", a.name, str(b), "--json"], capsys)  # an id and a path
    assert status == 0, err
    doc = json.loads(out)
    assert doc["mode"] == "sets" and doc["min_repetitions"] == 9
    row = next(r for r in doc["rows"] if r["a"]["key"] == BIMODAL_KEY)
    assert set(row) >= {"point", "metric", "unit", "a", "b", "ratio", "ratio_ci", "p_value", "significant",
                        "few_repetitions", "flags"}
    assert row["a"]["bimodal"]["repetitions"][0]["label"].startswith("reader0:")
    assert "bimodal A" in row["flags"] and row["b"]["bimodal"] is None
    assert {"point": FAILED_KEY.replace(".", "/").replace("=", ":"), "why": "failed in A (crash)"} in [
        {"point": n["point"], "why": n["why"]} for n in doc["not_compared"]]


def test_compare_markdown_shape(synth_sets, capsys):
    _, a, _ = synth_sets
    status, out, err = run_cli(["compare", str(a), "--backends", "qsbr,urcu-qsbr", "--markdown"], capsys)
    assert status == 0, err
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("| point |"))
    assert lines[header + 1].startswith("|---|")
    rows = list(itertools.takewhile(lambda line: line.startswith("| "), lines[header + 2:]))  # this table only
    assert rows and all(line.count(" | ") == lines[header].count(" | ") for line in rows)


def test_compare_text_is_the_default(synth_sets, capsys):
    _, a, b = synth_sets
    status, out, _ = run_cli(["compare", str(a), str(b)], capsys)
    assert status == 0
    assert out.startswith("A: ") and "points compared" in out and "B/A" in out


def test_a_difference_below_resolution_is_never_a_win():
    from lab.analysis import compare_output, metrics, summary
    # resolution: one tick at 2.5 ticks/ns (0.4 ns) + the loop's spread (0.02 ns)
    a, b = read_cost_point("qsbr", [0.75] * 10, [0.30, 0.32] * 5), read_cost_point("urcu-qsbr", [1.10] * 10, [0.30] * 10)
    assert metrics.resolution_ns(a) == pytest.approx(0.42)
    row = compare.compare_points("read_cost/readers:1", a, b, None)
    assert row.below_resolution and row.better is None
    assert compare_output.cells(row)[compare_output.HEADERS.index("verdict")] == "≈" and any(f.startswith("≈") for f in compare_output.flags(row))
    far = compare.compare_points("read_cost/readers:1", a, read_cost_point("urcu-qsbr", [1.5] * 10), None)
    assert not far.below_resolution and far.better == "a"  # ns per read: lower is better
    rows = summary.summarize([a, b], ["qsbr", "urcu-qsbr"])
    assert summary.table_row(rows[0])[3] == "≈"
    rows = summary.summarize([a, read_cost_point("urcu-qsbr", [1.5] * 10)], ["qsbr", "urcu-qsbr"])
    assert summary.table_row(rows[0])[3] == "0.50"
