"""What only the C++ side can tell: `rculab-core host --json [--xml FILE]`
(hwloc's view, runtime library versions, membarrier) and
`rculab-core calibrate --json` (the host's primitive costs)."""
from __future__ import annotations

import json
import math
import subprocess
from pathlib import Path
from typing import Mapping, Optional, Sequence

from lab.base import proc
from lab.setup.core import first_line
from lab.base.errors import LabError

CALIBRATION_MEASURES = ("mfence", "lock_or", "atomic_thread_fence", "atomic_inc", "atomic_inc_contended_2",
                        "atomic_inc_contended_pus", "membarrier", "membarrier_ipi", "signal_round_trip")


def run_json(core: Path, args: Sequence[str], timeout: float, env: Optional[Mapping[str, str]] = None) -> dict:
    """`rculab-core ARGS`, whose stdout must be one JSON object."""
    what = "rculab-core " + " ".join(args)
    try:
        done = proc.capture([str(core), *args], timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        raise LabError(f"{what}: no answer within {timeout:g} s") from None
    if done.returncode != 0:
        raise LabError(f"{what} failed ({proc.describe_status(done.returncode)}): {first_line(done.stderr)}")
    try:
        doc = json.loads(done.stdout)
    except ValueError:
        doc = None
    if not isinstance(doc, dict):
        raise LabError(f"{what} printed no JSON object")
    return doc


def host(core: Path, xml_path: Optional[Path] = None, env: Optional[Mapping[str, str]] = None) -> dict:
    args = ["host", "--json"] + (["--xml", str(xml_path)] if xml_path else [])
    doc = run_json(core, args, timeout=60, env=env)
    try:
        for key in ("pus", "cores", "packages", "numa_nodes"):
            int(doc["topology"][key])
        dict(doc["libraries"]), dict(doc["build"]), dict(doc["membarrier"])
    except (KeyError, TypeError, ValueError) as err:
        raise LabError(f"rculab-core host --json: unexpected output (missing or bad {err})") from None
    if xml_path and not Path(xml_path).is_file():
        raise LabError(f"rculab-core host --xml wrote no {xml_path}")
    return doc


def finite_positive(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value >= 0


def check_calibration(doc, source: str = "rculab-core calibrate --json") -> dict:
    """Every measure present; measured ones have finite, non-negative numbers."""
    measures = doc.get("measures") if isinstance(doc, dict) else None
    if not isinstance(measures, dict):
        raise LabError(f"{source}: no calibration measures")
    for name in CALIBRATION_MEASURES:
        m = measures.get(name)
        if not isinstance(m, dict) or not isinstance(m.get("available"), bool):
            raise LabError(f"{source}: calibration measure {name} missing")
        if m["available"] and not all(finite_positive(m.get(k)) for k in ("ns", "raw_ns", "loop_ns")):
            raise LabError(f"{source}: calibration measure {name} has no usable numbers: {m}")
    return doc


def calibrate(core: Path, seconds: float, env: Optional[Mapping[str, str]] = None) -> dict:
    # Nine measures of `seconds` each, plus sizing: generous for a loaded host.
    doc = run_json(core, ["calibrate", "--json", "--seconds", f"{seconds:g}"], timeout=60 + 30 * seconds, env=env)
    return check_calibration(doc)
