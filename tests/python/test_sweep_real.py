"""One tiny sweep with the real rculab-bench (2 points, 30 ms windows): the
names it lists run one by one, and the harness's histogram arrives whole."""
import os

import pytest

from conftest import REPO_ROOT, run_cli
from sweep_support import manifest_of, only_set, records_of, write_spec

from lab.records.validate import check_set

REAL_BENCH = REPO_ROOT / "build" / "release" / "rculab-bench"


def bucket_range(index):
    """bench/harness/histogram.h: exact below 16, then 16 linear sub-buckets per power of two."""
    if index < 16:
        return index, index
    shift, sub = index // 16 - 1, index % 16
    low = (16 + sub) << shift
    return low, low + (1 << shift) - 1


@pytest.mark.skipif(not os.access(REAL_BENCH, os.X_OK), reason="build/release/rculab-bench not built")
def test_a_tiny_real_sweep(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("RCULAB_BENCH", str(REAL_BENCH))
    monkeypatch.setenv("RCULAB_SKIP_SETUP", "1")
    monkeypatch.setenv("RCULAB_RESULTS", str(tmp_path / "results"))
    spec = write_spec(tmp_path, """\
        name = "real"
        repetitions = 2
        duration = 0.03
        warmup = 0.01
        tolerate_bind_failure = true
        [[group]]
        workloads = ["read_cost", "gp_latency"]
        backends = ["qsbr"]
        readers = [1]
        updaters = [1]
        """)
    status, _, err = run_cli(["sweep", "--spec", str(spec)], capsys)
    assert status == 0, err
    set_dir = only_set(tmp_path / "results")
    assert [p["benchmark"] for p in manifest_of(set_dir)["points"]] == [
        "gp_latency/backend:qsbr/readers:1/updaters:1/placement:compact",
        "read_cost/backend:qsbr/readers:1/placement:compact"]
    assert check_set(set_dir) == ([], 2)
    records = records_of(set_dir)
    gp = records["gp_latency.backend=qsbr.readers=1.updaters=1.placement=compact"]
    assert gp["status"] == "ok" and len(gp["repetitions"]) == 2 and gp["context"]["rculab_commit"]
    sampled = [rep for rep in gp["repetitions"] if rep["counters"]["lat_samples"] > 0]
    assert sampled, "no synchronize latency sampled in either repetition"
    # A repetition without samples (a starved updater on a loaded host) has no histogram.
    assert all("latency_histogram" not in rep for rep in gp["repetitions"] if rep not in sampled)
    for rep in sampled:
        counts = {int(k): v for k, v in rep["latency_histogram"]["counts"].items()}
        assert sum(counts.values()) == rep["counters"]["lat_samples"] > 0
        assert not any(name.startswith("lat_h") for name in rep["counters"])
        low, high = bucket_range(max(counts))
        assert low <= rep["latency_histogram"]["max_ns"] == rep["counters"]["lat_max_ns"] <= high
    read = records["read_cost.backend=qsbr.readers=1.placement=compact"]
    assert read["status"] == "ok" and "latency_histogram" not in read["repetitions"][0]
    assert read["repetitions"][0]["counters"]["reader_ops"] > 0
