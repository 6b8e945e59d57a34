"""Running a plan into a new set, or the missing points of an existing one.
Crash-safe by construction: the manifest is written before the first point,
each record is published atomically, so after Ctrl-C or `kill -9` the set holds
whole records only and `--resume` runs exactly the points without one."""
from __future__ import annotations

import os
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional

from lab.records import results
from lab.base.errors import LabError
from lab.runner import execute, passes, progress
from lab.runner.lock import SetLock
from lab.spec.parse import point_timeout
from lab.records.resultset import SCHEMA_VERSION, ResultSet, read_json, run_order, set_id_for


@dataclass
class Outcome:
    set_dir: Path
    ran: int
    failed: List[str]
    already_recorded: int
    noisy: List[str] = field(default_factory=list)        # recorded ok, but the host was noisy
    rerun_noisy: List[str] = field(default_factory=list)  # measured once more for noise
    imprecise: List[str] = field(default_factory=list)    # adaptive: at the cap, CI still wider than asked

    @property
    def exit_status(self) -> int:
        return 1 if self.failed else 0


def manifest_for(plan: dict, set_id: str, profile_id: str, tool: dict) -> dict:
    points = sorted(plan["points"], key=lambda p: p["key"])
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": "rculab.set",
        "set_id": set_id,
        "profile_id": profile_id,
        "created_utc": results.utc_now(),
        "spec": plan["spec"],
        "seed": plan["seed"],
        "shard": plan.get("shard"),
        "points": points,
        "order": run_order([p["key"] for p in points], plan["seed"]),
        "tool": tool,
    }


# What an adaptive sweep asks after each pass beyond the spec's repetitions:
# the headline's median-CI half-width relative to the median, from the
# point and its repetitions so far (None: cannot be judged, stop).
# lab/analysis/precision.py is the one the lab hands in.
Precision = Callable[[dict, List[dict]], Optional[float]]


# How the user finishes an interrupted set: the lab's command unless the
# caller (the bundle's run-sweep, python3 -m lab.runner) names its own.
RESUME_COMMAND = "./rculab sweep --resume"


def start(plan: dict, bench: str, results_root: Path, profile_id: str, tool: dict,
          env: Optional[Dict[str, str]] = None, precision: Optional[Precision] = None,
          resume_command: str = RESUME_COMMAND) -> Outcome:
    """A new set for the plan: results/<profile>/<timestamp>-<name>/."""
    if not plan.get("points"):
        raise LabError("the plan has no points: nothing to run")
    need_precision(plan["spec"], precision)
    noisy_rerun_budget(0)  # a bad RCULAB_NOISY_RERUNS is refused before the set exists
    set_id = set_id_for(plan["spec"]["name"], plan.get("shard"))
    set_dir = results.new_dir(Path(results_root) / profile_id, set_id)
    with SetLock(set_dir):
        manifest = manifest_for(plan, set_dir.name, profile_id, tool)
        results.write_new_json(set_dir / "manifest.json", manifest)
        (set_dir / "points").mkdir()
        print(f"rculab: sweep {set_dir.name}: {len(manifest['points'])} points into {set_dir}",
              file=sys.stderr)
        return run_missing(ResultSet(set_dir), manifest, bench, env, precision, resume_command)


def resume(set_dir: Path, bench: str, env: Optional[Dict[str, str]] = None,
           retry_failed: bool = False, precision: Optional[Precision] = None,
           resume_command: str = RESUME_COMMAND) -> Outcome:
    """The points of the set's manifest that have no record yet (and, with
    retry_failed, those whose record failed: moved to points/.superseded/ first)."""
    noisy_rerun_budget(0)
    result_set = ResultSet(set_dir)
    manifest = result_set.load_manifest()
    need_precision(manifest["spec"], precision)
    with SetLock(result_set.path):
        result_set.points_dir.mkdir(exist_ok=True)
        result_set.remove_temporaries()
        if retry_failed:
            for key in sorted(result_set.recorded_keys()):
                if read_json(result_set.record_path(key), "a record").get("status") != "ok":
                    result_set.supersede(key)
        return run_missing(result_set, manifest, bench, env, precision, resume_command)


def need_precision(spec: dict, precision: Optional[Precision]) -> None:
    if spec.get("adaptive_ci") and precision is None:
        raise LabError("this plan asks for adaptive repetitions (adaptive_ci), which need the lab's "
                       "analysis: run it with ./rculab sweep or a bundle's ./run-sweep")


def run_missing(result_set: ResultSet, manifest: dict, bench: str,
                env: Optional[Dict[str, str]], precision: Optional[Precision] = None,
                resume_command: str = RESUME_COMMAND) -> Outcome:
    """Runs every point without a record, in the manifest's order: each once
    (all its repetitions in one process), or, for an interleaved spec, in R
    passes of one repetition each (passes.py); an adaptive spec's point goes
    on pass after pass until its headline is precise enough or it reaches
    max_repetitions."""
    recorded = result_set.recorded_keys()
    points = {p["key"]: p for p in manifest["points"]}
    todo = [(index, key) for index, key in enumerate(manifest["order"]) if key not in recorded]
    timeout = point_timeout(manifest["spec"])
    outcome = Outcome(result_set.path, 0, [], len(points) - len(todo))
    if not todo:
        print(f"rculab: {manifest['set_id']}: every point already has a record; nothing to run",
              file=sys.stderr)
        return outcome
    base, cap, target = passes.pass_counts(manifest["spec"])
    done = passes.passes_done(result_set, [key for _, key in todo]) if cap > 1 else {key: [] for _, key in todo}
    bar = progress.progress(sum(max(base - len(done[key]), 0) for _, key in todo))
    reruns_left = noisy_rerun_budget(len(todo))
    previous_term = signal.signal(signal.SIGTERM, _interrupt)  # a batch scheduler's stop = Ctrl-C
    finished = set()
    try:
        for pass_no in range(1, cap + 1):
            for order_index, key in todo:
                if key in finished or len(done[key]) >= pass_no:
                    continue
                if pass_no > base:
                    bar.extend(1)  # an adaptive pass beyond the spec's repetitions
                point = points[key] if cap == 1 else passes.one_repetition(points[key])
                body = execute.run_point(bench, point, timeout, env)
                if body["status"] == "ok" and body["host_state"]["noise"] and reruns_left > 0:
                    reruns_left -= 1  # once more, the noisy measurement kept in points/.superseded/
                    outcome.rerun_noisy.append(key)
                    passes.keep_superseded_pass(result_set, full_record(result_set, manifest, points[key],
                                                                        order_index, body, pass_no))
                    body = execute.run_point(bench, point, timeout, env)
                done[key].append(body)
                merged = passes.merge(done[key]) if cap > 1 else body
                width = precision(points[key], merged["repetitions"]) \
                    if target and pass_no >= base and body["status"] == "ok" else None
                if body["status"] == "ok" and pass_no < cap and \
                        (pass_no < base or passes.wants_more(width, target)):
                    passes.save_passes(result_set, key, done[key])
                    bar.update(f"{key} (pass {pass_no} of {base if pass_no < base else cap})")
                    continue
                record = full_record(result_set, manifest, points[key], order_index, merged, len(done[key]))
                if target and record["status"] == "ok":
                    record["run"]["adaptive"] = passes.adaptive_note(width, target)
                    if not record["run"]["adaptive"]["met"]:
                        outcome.imprecise.append(key)
                result_set.write_record(record)
                passes.drop_passes(result_set, key)
                finished.add(key)
                note(outcome, key, record)
                bar.update(key if record["status"] == "ok" else f"{key} FAILED ({record['error']['reason']})")
    except KeyboardInterrupt:
        bar.close()
        print(f"\nrculab: interrupted after {outcome.ran} of {len(todo)} points; the set is consistent; "
              f"finish it with: {resume_command} {result_set.path}", file=sys.stderr)
        raise
    finally:
        signal.signal(signal.SIGTERM, previous_term)
    bar.close()
    print(summary(manifest, outcome), file=sys.stderr)
    return outcome


def note(outcome: Outcome, key: str, record: dict) -> None:
    outcome.ran += 1
    if record["status"] != "ok":
        outcome.failed.append(key)
    elif record["host_state"]["noise"]:
        outcome.noisy.append(key)


def full_record(result_set: ResultSet, manifest: dict, point: dict, order_index: int, body: dict,
                passes_run: int) -> dict:
    record = {"schema_version": SCHEMA_VERSION, "kind": "rculab.point",
              "set_id": manifest["set_id"], "profile_id": manifest["profile_id"], "point": point}
    record.update(body)
    record["run"] = {"order_index": order_index, "attempt": len(result_set.superseded(point["key"])) + 1,
                     "runner": "lab", "passes": passes_run}
    return record


NOISY_RERUNS_ENV = "RCULAB_NOISY_RERUNS"


def noisy_rerun_budget(points: int) -> int:
    """How many noisy points a run measures once more: a tenth of them, at
    least one, or what RCULAB_NOISY_RERUNS says (0: none)."""
    given = os.environ.get(NOISY_RERUNS_ENV, "")
    if given:
        if not given.isdigit():
            raise LabError(f"{NOISY_RERUNS_ENV}: expected a whole number of re-runs, got {given!r}")
        return int(given)
    return max(1, points // 10)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def summary(manifest: dict, outcome: Outcome) -> str:
    text = f"rculab: {manifest['set_id']}: ran {outcome.ran} point{'' if outcome.ran == 1 else 's'}"
    if outcome.already_recorded:
        text += f" ({outcome.already_recorded} were already recorded)"
    if outcome.failed:
        text += f"; {len(outcome.failed)} FAILED (recorded with status failed): " + ", ".join(outcome.failed[:5])
        text += " ..." if len(outcome.failed) > 5 else ""
    if outcome.rerun_noisy:
        text += f"; {len(outcome.rerun_noisy)} measured again because the host was noisy"
    if outcome.imprecise:
        spec = manifest["spec"]
        text += (f"; {len(outcome.imprecise)} reached max_repetitions ({spec['max_repetitions']}) with the "
                 f"headline's CI still wider than +-{100 * spec['adaptive_ci']:g}%: " +
                 ", ".join(outcome.imprecise[:3]) + (" ..." if len(outcome.imprecise) > 3 else ""))
    if outcome.noisy:
        text += (f"; {len(outcome.noisy)} recorded NOISY (host_state.noise says why; compare and the report "
                 f"flag them): " + ", ".join(outcome.noisy[:3]) + (" ..." if len(outcome.noisy) > 3 else ""))
    return text + f"\nresult set: {outcome.set_dir}"
