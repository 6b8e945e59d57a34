"""`rculab bench`'s console: the lab's few columns per point instead of
Google Benchmark's two hundred-column rows of thirty counters. The bench
writes its JSON to a file; its console goes to a progress line per point; the
table is computed from the JSON's raw counters (the raw console: --raw)."""
from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from lab.records import gbjson
from lab.base import proc
from lab.analysis.metrics import METRICS, rate_metric
from lab.analysis.summary import BASELINE, TWINS
from lab.base.table import format_table

# Flags after which the user wants Google Benchmark's own output.
RAW_FLAGS = ("--benchmark_format", "--benchmark_list_tests", "--list_counters", "--help", "-h")
HEADERS = ("point", "rate", "unit", "vs none", "vs twin", "p50 µs", "p99 µs", "violations")



def wants_raw(extra: Sequence[str]) -> bool:
    return any(arg == flag or arg.startswith(flag + "=") for arg in extra for flag in RAW_FLAGS)


def user_out_file(extra: Sequence[str]) -> Optional[str]:
    for arg in extra:
        if arg.startswith("--benchmark_out="):
            return arg.split("=", 1)[1]
    return None


def run(binary: Path, extra: Sequence[str], env: Dict[str, str]) -> int:
    """Run the bench with a JSON out file, show progress, print the table."""
    with tempfile.TemporaryDirectory(prefix="rculab-bench-") as tmp:
        out = user_out_file(extra)
        args = list(extra)
        if out is None:
            out = str(Path(tmp) / "bench.json")
            args += [f"--benchmark_out={out}", "--benchmark_out_format=json"]
        status = stream(binary, args, env)
        if not Path(out).exists():
            if status == 0:
                print("rculab: rculab-bench wrote no results (did the filter match nothing?)", file=sys.stderr)
            return status
        try:
            doc = gbjson.load(Path(out))
        except gbjson.GBJsonError as err:
            if status == 0:
                print(f"rculab: error: {err}", file=sys.stderr)
                return 1
            return status  # the bench already said why
    print(format_table(HEADERS, rows(gbjson.records(doc)), right_aligned=range(1, len(HEADERS))))
    return status


def stream(binary: Path, args: List[str], env: Dict[str, str]) -> int:
    """The bench's console becomes one progress line per finished point (stderr)."""
    try:
        child = subprocess.Popen([str(binary), *args], stdout=subprocess.PIPE, text=True, env=env)
    except OSError as err:
        raise proc.cannot_run([str(binary)], err) from None
    seen = set()
    for line in child.stdout:
        name = line.split(" ", 1)[0].split("/iterations:")[0]
        if "/backend:" in name and name not in seen:  # once per point, not per repetition
            seen.add(name)
            print(f"rculab: [{len(seen)}] {name}", file=sys.stderr, flush=True)
    return proc.exit_status(child.wait())


def representative(records: List[gbjson.Record]) -> Dict[tuple, gbjson.Record]:
    """One record per point: its median aggregate if there is one, else its first iteration."""
    chosen: Dict[tuple, gbjson.Record] = {}
    for record in records:
        key = record.bench.key
        if record.aggregate in (None, "median") and (key not in chosen or record.aggregate == "median"):
            chosen[key] = record
    return chosen


def rate(record: gbjson.Record) -> Tuple[Optional[float], str]:
    """The workload's throughput (its descriptor's) and its unit."""
    metric = rate_metric(record.workload)
    return metric.of(record), metric.unit


def cell(value: Optional[float], digits: str = ".3g") -> str:
    return "-" if value is None else format(value, digits)


def rows(records: List[gbjson.Record]) -> List[List[str]]:
    points = representative([r for r in records if r.error is None])
    out = []
    for key, record in points.items():
        workload, backend, params = key
        value, unit = rate(record)
        none = points.get((workload, BASELINE, params))
        twin = points.get((workload, TWINS.get(backend or ""), params))
        out.append([
            record.name.split("/iterations:")[0], cell(value), unit,
            cell(ratio(value, none)), cell(ratio(value, twin)),
            cell(latency_us("lat_p50_ns", record)), cell(latency_us("lat_p99_ns", record)),
            f"{record.get('violations') or 0:.0f}"])
    for record in records:
        if record.error is not None:
            out.append([record.name.split("/iterations:")[0], "ERROR", record.error, "", "", "", "", ""])
    return out


def latency_us(name: str, record: gbjson.Record) -> Optional[float]:
    value = METRICS[name].of(record)
    return None if value is None else value / 1e3


def ratio(value: Optional[float], other: Optional[gbjson.Record]) -> Optional[float]:
    if value is None or other is None:
        return None
    base, _ = rate(other)
    return value / base if base else None
