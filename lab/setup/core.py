"""Talking to the C++ driver `rculab-core` (list / torture, JSON mode)."""
from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional

from lab.base import paths, proc
from lab.base.errors import LabError


@dataclass
class Backend:
    name: str
    traits: dict = field(default_factory=dict)
    available: bool = True
    unavailable_reason: str = ""  # what rculab-core says, when not available

    @property
    def safe_for_updates(self) -> bool:
        return bool(self.traits.get("safe_for_updates"))


@dataclass
class TortureOutcome:
    """One torture run. `status` is PASS, FAIL, or an error word (CRASH, TIMEOUT,
    ERROR) when the core gave no usable JSON; `result` is the core's JSON, if any."""
    backend: str
    status: str
    result: dict = field(default_factory=dict)
    detail: str = ""

    @property
    def passed(self) -> bool:
        return self.status == "PASS"


def require_core(preset: str) -> Path:
    return require_binary("rculab-core", paths.core_path(preset), preset)


def require_bench(preset: str) -> Path:
    """The Google Benchmark driver `rculab-bench` of this preset."""
    return require_binary("rculab-bench", paths.bench_path(preset), preset)


def require_binary(name: str, binary: Path, preset: str) -> Path:
    if not binary.is_file():
        raise LabError(f"{name} not found at {binary}; build it with: ./rculab setup --preset {preset}")
    return binary


def skip_reason(backend: Backend) -> str:
    """Why the torture gate and the soak do not run `backend`; empty if they do."""
    if not backend.available:
        if backend.unavailable_reason:
            return f"unavailable: {backend.unavailable_reason}"
        return "not available in this build"
    if not backend.safe_for_updates:
        return "not safe for updates"
    return ""


def list_backends(core: Path) -> List[Backend]:
    done = proc.capture([str(core), "list", "--json"], timeout=60)
    if done.returncode != 0:
        raise LabError(f"rculab-core list --json failed ({proc.describe_status(done.returncode)}): "
                       + first_line(done.stderr))
    try:
        listing = json.loads(done.stdout)
        return [Backend(name=b["name"], traits=b.get("traits", {}), available=b.get("available", True),
                        unavailable_reason=b.get("unavailable_reason", ""))
                for b in listing["backends"]]
    except (ValueError, KeyError, TypeError) as err:
        raise LabError(f"rculab-core list --json printed unexpected output ({err})") from None


def torture_timeout(seconds: float) -> float:
    # Generous: start-up, the final grace periods and a slow sanitizer build.
    return 60 + 5 * seconds


def run_torture(core: Path, backend: str, seconds: float, readers: int,
                gp_style: Optional[str] = None, churn: bool = False) -> TortureOutcome:
    cmd = [str(core), "torture", "--backend", backend, "--seconds", f"{seconds:g}",
           "--readers", str(readers)]
    if gp_style:
        cmd += ["--gp-style", gp_style]
    if churn:
        cmd.append("--churn")
    cmd.append("--json")
    try:
        done = proc.capture(cmd, timeout=torture_timeout(seconds))
    except subprocess.TimeoutExpired:
        return TortureOutcome(backend, "TIMEOUT", detail=f"no answer within {torture_timeout(seconds):g} s")
    return outcome_from(backend, done)


def outcome_from(backend: str, done: subprocess.CompletedProcess) -> TortureOutcome:
    if done.returncode < 0:
        return TortureOutcome(backend, "CRASH", detail=proc.describe_status(done.returncode))
    if done.returncode not in (0, 1):
        return TortureOutcome(backend, "ERROR", detail=f"exit {done.returncode}: {first_line(done.stderr)}")
    try:
        result = json.loads(done.stdout)
    except ValueError:
        return TortureOutcome(backend, "ERROR", detail="no JSON on stdout")
    # Both the flag and the exit code must agree before we call it a pass.
    passed = result.get("pass") is True and done.returncode == 0
    return TortureOutcome(backend, "PASS" if passed else "FAIL", result=result)


def first_line(text: Optional[str]) -> str:
    lines = (text or "").strip().splitlines()
    return lines[0] if lines else "(no message)"
