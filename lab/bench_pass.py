"""The short micro-benchmark pass of `rculab run`: rculab-bench once per backend
(so one failing backend does not lose the others, and progress shows per backend),
each writing its Google Benchmark JSON to a temporary file."""
from __future__ import annotations

import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from lab import gbjson, proc

# read_cost (readers=1), gp_latency (readers=1, updaters=1), call_rcu (updaters=1):
# with --readers=1 --updaters=1 these workloads register exactly those points.
WORKLOADS = ("read_cost", "gp_latency", "call_rcu")
FILTER = "^(" + "|".join(WORKLOADS) + ")/"
WARMUP_SECONDS = 0.05


@dataclass
class PassOutcome:
    """One backend's run. `status` is OK, or CRASH / TIMEOUT / ERROR with `detail`."""
    backend: str
    status: str
    doc: Optional[dict] = None
    detail: str = ""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status == "OK"


def command(binary: Path, backend: str, duration: float, out_file: Path) -> List[str]:
    return [str(binary), f"--backends={backend}", "--readers=1", "--updaters=1",
            f"--duration={duration:g}", f"--warmup={WARMUP_SECONDS:g}",
            f"--benchmark_filter={FILTER}", f"--benchmark_out={out_file}",
            "--benchmark_out_format=json", "--benchmark_format=console"]


def timeout_for(duration: float) -> float:
    # Three points of warm-up + window each, plus start-up, barriers and slack.
    return 120 + 30 * (duration + WARMUP_SECONDS)


def run_backend(binary: Path, backend: str, duration: float,
                env: Optional[Dict[str, str]] = None) -> PassOutcome:
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="rculab-bench-") as tmp:
        out_file = Path(tmp) / f"{backend}.json"
        try:
            done = proc.capture(command(binary, backend, duration, out_file),
                                timeout=timeout_for(duration), env=env)
        except subprocess.TimeoutExpired:
            return PassOutcome(backend, "TIMEOUT", detail=f"no answer within {timeout_for(duration):g} s",
                               seconds=time.monotonic() - started)
        outcome = outcome_from(backend, done, out_file)
    outcome.seconds = time.monotonic() - started
    return outcome


def outcome_from(backend: str, done: subprocess.CompletedProcess, out_file: Path) -> PassOutcome:
    if done.returncode < 0:
        return PassOutcome(backend, "CRASH", detail=proc.describe_status(done.returncode))
    if done.returncode != 0:
        return PassOutcome(backend, "ERROR", detail=f"exit {done.returncode}: {error_line(done.stderr)}")
    try:
        doc = gbjson.load(out_file)
        gbjson.records(doc)  # every row must parse, or the table would stop on it later
    except gbjson.GBJsonError as err:
        return PassOutcome(backend, "ERROR", detail=str(err))
    if not doc["benchmarks"]:
        return PassOutcome(backend, "ERROR", doc=doc, detail="no benchmark matched " + FILTER)
    return PassOutcome(backend, "OK", doc=doc)


def error_line(stderr: Optional[str]) -> str:
    """rculab-bench's own message (Google Benchmark prints its context on stderr
    first), else the last line."""
    lines = [line.strip() for line in (stderr or "").splitlines() if line.strip()]
    own = [line for line in lines if line.startswith("rculab-bench")]
    if own:
        return own[-1]
    return lines[-1] if lines else "(no message)"


def merged_document(outcomes: Sequence[PassOutcome]) -> Optional[dict]:
    docs = [o.doc for o in outcomes if o.doc is not None and o.doc["benchmarks"]]
    return gbjson.merge(docs) if docs else None
