"""Interleaved repetitions: with a spec's `interleave` (the default), a point's
R repetitions are R passes over the set, each a process that runs one
repetition of every point in the run order, so that a slow minute of the
host (another job, thermal, the hypervisor) touches one repetition of many
points instead of every repetition of a few. A point's passes so far are
kept in points/.partial/<key>.json (atomically replaced after each pass);
its record is written when its last pass is done, or at its first failed
pass. A resumed set goes on from the passes it has. Standard library only."""
from __future__ import annotations

import json
import math
import re
import os
from pathlib import Path
from typing import Dict, List, Optional

from lab.records import results
from lab.records.resultset import ResultSet

PARTIAL = ".partial"
REPETITIONS_FLAG = "--benchmark_repetitions"


def interleaved(spec: dict) -> bool:
    """Whether the set's repetitions run as passes (sets from before the key: no)."""
    return bool(spec.get("interleave", False)) and \
        max(int(spec.get("repetitions", 1)), int(spec.get("max_repetitions") or 1)) > 1


def pass_counts(spec: dict):
    """(base, cap, target): the passes every point runs, the most an adaptive
    one may run, and the adaptive target (0: none). One pass of all the
    repetitions where the spec does not interleave."""
    if not interleaved(spec):
        return 1, 1, 0.0
    base = int(spec["repetitions"])
    target = float(spec.get("adaptive_ci") or 0)
    return base, max(base, int(spec.get("max_repetitions") or base)) if target else base, target


def wants_more(width: Optional[float], target: float) -> bool:
    """Whether an adaptive point needs another pass (None: cannot be judged, no)."""
    return bool(target) and width is not None and width > target


def adaptive_note(width: Optional[float], target: float) -> dict:
    """The record's run.adaptive: the target, the half-width reached (null
    where it is unknown or below 95% confidence), and whether it was met."""
    finite = width is not None and math.isfinite(width)
    return {"target": target, "half_width": round(width, 6) if finite else None,
            "met": finite and width <= target}


def one_repetition(point: dict) -> dict:
    """The point with its bench arguments asking for one repetition."""
    args = [a for a in point["bench_args"] if not a.startswith(REPETITIONS_FLAG)]
    return dict(point, bench_args=args + [f"{REPETITIONS_FLAG}=1"])


def partial_path(result_set: ResultSet, key: str) -> Path:
    return result_set.points_dir / PARTIAL / f"{key}.json"


def load_passes(result_set: ResultSet, key: str) -> List[dict]:
    path = partial_path(result_set, key)
    if not path.is_file():
        return []
    try:
        return json.loads(path.read_text())["passes"]
    except (OSError, ValueError, KeyError):
        return []  # unreadable: its passes run again


def save_passes(result_set: ResultSet, key: str, passes: List[dict]) -> None:
    path = partial_path(result_set, key)
    path.parent.mkdir(exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"key": key, "passes": passes}))
    os.replace(tmp, path)


def drop_passes(result_set: ResultSet, key: str) -> None:
    path = partial_path(result_set, key)
    if path.exists():
        path.unlink()


def _most(values: List[Optional[float]]) -> Optional[float]:
    known = [v for v in values if v is not None]
    return max(known) if known else None


def worst_of_each_kind(reasons: List[str]) -> List[str]:
    """One reason per kind ("other processes took N% of the CPUs"), the largest
    N of the passes, in the order the kinds first appeared."""
    worst: Dict[str, str] = {}
    for reason in reasons:
        kind = re.sub(r"[0-9.]+", "#", reason)
        number = [float(x) for x in re.findall(r"[0-9]+(?:\.[0-9]+)?", reason)] or [0.0]
        kept = worst.get(kind)
        if kept is None or number > ([float(x) for x in re.findall(r"[0-9]+(?:\.[0-9]+)?", kept)] or [0.0]):
            worst[kind] = reason
    return list(worst.values())


def merge(passes: List[dict]) -> dict:
    """One record body (status ... timing) from a point's passes: their
    repetitions in pass order, re-indexed; failed at the first failed pass;
    the noisiest host state; the span of the passes."""
    repetitions = []
    for one in passes:
        for rep in one["repetitions"]:
            repetitions.append(dict(rep, index=len(repetitions)))
    failed = next((p for p in passes if p["status"] != "ok"), None)
    states = [p["host_state"] for p in passes]
    noise = worst_of_each_kind([n for state in states for n in state.get("noise", [])])
    return {
        "status": "failed" if failed else "ok",
        "error": failed["error"] if failed else None,
        "repetitions": repetitions,
        "context": passes[0]["context"],
        "host_state": {"loadavg_before": states[0]["loadavg_before"], "loadavg_after": states[-1]["loadavg_after"],
                       "governor": states[0]["governor"],
                       "other_cpu_share": _most([s.get("other_cpu_share") for s in states]),
                       "steal_share": _most([s.get("steal_share") for s in states]),
                       "involuntary_switches": sum(s.get("involuntary_switches", 0) for s in states),
                       "voluntary_switches": sum(s.get("voluntary_switches", 0) for s in states),
                       "noise": noise},
        "timing": {"started_utc": passes[0]["timing"]["started_utc"],
                   "finished_utc": passes[-1]["timing"]["finished_utc"],
                   "elapsed_s": round(sum(p["timing"]["elapsed_s"] for p in passes), 3)},
    }


def passes_done(result_set: ResultSet, keys: List[str]) -> Dict[str, List[dict]]:
    return {key: load_passes(result_set, key) for key in keys}


def keep_superseded_pass(result_set: ResultSet, record: dict) -> None:
    """A noisy pass measured again: kept whole in points/.superseded/."""
    key = record["point"]["key"]
    folder = result_set.points_dir / ".superseded"
    folder.mkdir(exist_ok=True)
    results.write_new_json(folder / f"{key}.{len(result_set.superseded(key)) + 1}.json", record)
