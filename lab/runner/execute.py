"""One point = one rculab-bench process, turned into one record (RECORDS.md).
Whatever happens to the process, a record comes out: failures are recorded with
their reason, never dropped."""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from lab.records import gbjson, plausible
from lab.records.results import utc_now
from lab.runner import hoststate
from lab.records.points import exact_filter

HISTOGRAM_COUNTER = re.compile(r"lat_h(\d+)$")
# A time series sampled through the window: <name>_ts<i>, every <name>_ts_period_ns.
SERIES_COUNTER = re.compile(r"([a-z0-9_]+)_ts(\d+)$")
STDERR_TAIL_CHARS = 2000
POLL_SECONDS = 0.01


@dataclass
class Finished:
    """How the process ended: Python's returncode (-N: killed by signal N)."""
    returncode: int
    timed_out: bool
    cpu_seconds: float  # the child's own user + system time (from wait4)
    involuntary_switches: int = 0  # preemptions of the child's threads (ru_nivcsw)
    voluntary_switches: int = 0    # its threads' own waits and sleeps (ru_nvcsw)


def take_series(counters: dict) -> dict:
    """Moves <name>_ts<i> counters (and <name>_ts_period_ns) out of `counters`
    into {name: {"period_ns": P, "values": [...]}}, values in sample order."""
    points: Dict[str, Dict[int, float]] = {}
    for key in list(counters):
        match = SERIES_COUNTER.match(key)
        if match:
            points.setdefault(match.group(1), {})[int(match.group(2))] = counters.pop(key)
    series = {}
    for name, by_index in points.items():
        period = counters.pop(f"{name}_ts_period_ns", 0)
        series[name] = {"period_ns": int(period),
                        "values": [by_index[i] for i in sorted(by_index)]}
    return series


def command(bench: str, point: dict, out_file: Path) -> List[str]:
    return [bench, *point["bench_args"], "--benchmark_filter=" + exact_filter(point["listed_name"]),
            f"--benchmark_out={out_file}", "--benchmark_out_format=json",
            "--benchmark_format=console"]


def wait_for(child: subprocess.Popen, timeout: float) -> Finished:
    """wait4 (not wait) so the child's CPU time is known; kill its whole process
    group on timeout or when we are interrupted."""
    deadline = time.monotonic() + timeout
    timed_out = False
    try:
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                timed_out = True
                os.killpg(child.pid, signal.SIGKILL)
                pid, status, usage = os.wait4(child.pid, 0)
                break
            time.sleep(POLL_SECONDS)
    except BaseException:
        kill_and_reap(child)
        raise
    child.returncode = os.waitstatus_to_exitcode(status)
    return Finished(child.returncode, timed_out, usage.ru_utime + usage.ru_stime, usage.ru_nivcsw, usage.ru_nvcsw)


def kill_and_reap(child: subprocess.Popen) -> None:
    try:
        os.killpg(child.pid, signal.SIGKILL)
        os.waitpid(child.pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass


def run_point(bench: str, point: dict, timeout: float, env: Optional[Dict[str, str]]) -> dict:
    """Runs the point; returns the record's status, error, repetitions, context,
    host_state and timing (the caller adds ids and run bookkeeping)."""
    started, started_utc = time.monotonic(), utc_now()
    load_before, jiffies_before, own_before = hoststate.loadavg(), hoststate.cpu_jiffies(), hoststate.own_cpu_seconds()
    with tempfile.TemporaryDirectory(prefix="rculab-point-") as tmp:
        out_file, err_file = Path(tmp) / "gb.json", Path(tmp) / "stderr.txt"
        with open(err_file, "w") as err:
            child = subprocess.Popen(command(bench, point, out_file), stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=err, env=env,
                                     start_new_session=True)
            finished = wait_for(child, timeout)
        jiffies_after = hoststate.cpu_jiffies()
        ours = finished.cpu_seconds + hoststate.own_cpu_seconds() - own_before
        stderr = err_file.read_text(errors="replace")
        doc, output_problem = read_output(out_file)
    other_share = hoststate.other_cpu_share(jiffies_before, jiffies_after, ours)
    steal = hoststate.steal_share(jiffies_before, jiffies_after)
    outcome = judge(finished, doc, output_problem, timeout)
    recorded = repetitions(doc)
    if outcome is None and (found := plausible.findings(point["workload"], recorded)):
        outcome = {"reason": "implausible", "message": plausible.summary(found)}
    status, error = ("ok", None) if outcome is None else ("failed", dict(outcome))
    if error is not None:
        error["exit_status"] = finished.returncode
        error["stderr_tail"] = stderr[-STDERR_TAIL_CHARS:]
    return {
        "status": status,
        "error": error,
        "repetitions": recorded,
        "context": dict(doc.get("context", {})) if doc else {},
        "host_state": {"loadavg_before": load_before, "loadavg_after": hoststate.loadavg(),
                       "governor": hoststate.governor(), "other_cpu_share": other_share,
                       "steal_share": steal, "involuntary_switches": finished.involuntary_switches,
                       "voluntary_switches": finished.voluntary_switches,
                       "noise": hoststate.noise_reasons(other_share, steal)},
        "timing": {"started_utc": started_utc, "finished_utc": utc_now(),
                   "elapsed_s": round(time.monotonic() - started, 3)},
    }


def read_output(out_file: Path) -> Tuple[Optional[dict], Optional[str]]:
    if not out_file.exists():
        return None, "rculab-bench wrote no JSON output"
    try:
        return gbjson.check_document(json.loads(out_file.read_text()), "rculab-bench output"), None
    except ValueError as err:
        return None, f"rculab-bench wrote invalid JSON ({err})"
    except gbjson.GBJsonError as err:
        return None, str(err)


def iteration_rows(doc: Optional[dict]) -> List[dict]:
    rows = doc["benchmarks"] if doc else []
    return [r for r in rows if isinstance(r, dict) and r.get("run_type", "iteration") != "aggregate"]


def judge(finished: Finished, doc: Optional[dict], output_problem: Optional[str],
          timeout: float) -> Optional[Dict[str, str]]:
    """None for an ok point, else {"reason", "message"} (RECORDS.md reasons)."""
    if finished.timed_out:
        return {"reason": "timeout", "message": f"killed after the {timeout:g} s timeout"}
    if finished.returncode < 0:
        try:
            name = signal.Signals(-finished.returncode).name
        except ValueError:
            name = f"signal {-finished.returncode}"
        return {"reason": "crash", "message": f"rculab-bench was killed by {name}"}
    if finished.returncode != 0:
        return {"reason": "exit", "message": f"rculab-bench exited with status {finished.returncode}"}
    if doc is None:
        return {"reason": "bad_output", "message": output_problem or "no output"}
    rows = iteration_rows(doc)
    errors = [r for r in rows if r.get("error_occurred")]
    if errors:
        return {"reason": "error_row", "message": str(errors[0].get("error_message") or "error")}
    if not rows:
        return {"reason": "no_rows", "message": "rculab-bench ran no benchmark for this point"}
    violations = sum(r.get("violations", 0) for r in rows if isinstance(r.get("violations"), (int, float)))
    if violations > 0:
        return {"reason": "violations", "message": f"{violations:g} reads saw a freed object"}
    starved = [r for r in rows if (r.get("updaters_starved") or 0) > 0]
    if starved:
        return {"reason": "starved", "message": f"the updaters completed nothing in {len(starved)} of "
                                                f"{len(rows)} repetitions: no measurement of updates"}
    return None


def repetitions(doc: Optional[dict]) -> List[dict]:
    """Iteration rows (never GB's aggregates) that ran, as record repetitions."""
    out = []
    for position, row in enumerate(iteration_rows(doc)):
        if row.get("error_occurred"):
            continue
        counters = {k: v for k, v in row.items() if isinstance(v, (int, float))
                    and not isinstance(v, bool) and k not in gbjson.GB_ROW_FIELDS}
        buckets = {}
        for name in list(counters):
            match = HISTOGRAM_COUNTER.match(name)
            if match:
                buckets[int(match.group(1))] = int(counters.pop(name))
        histogram = {str(index): buckets[index] for index in sorted(buckets)}
        rep = {"index": row.get("repetition_index", position), "counters": counters,
               "label": str(row.get("label", ""))}
        series = take_series(counters)
        if series:
            rep["series"] = series
        if histogram or counters.get("lat_samples", 0) > 0:
            rep["latency_histogram"] = {"counts": histogram, "max_ns": int(counters.get("lat_max_ns", 0))}
        out.append(rep)
    return out
