"""This host as the lab names it: its profile id (results/<profile-id>/...) and
its PU count. Stdlib only and Python 3.9: the runner uses it on bare hosts too.

`current_profile_id()` stands in until `rculab profile` provides the id; it is
stable for a machine: arch + CPU model + PU count + a short hash of those."""
from __future__ import annotations

import hashlib
import json
import os
import platform
import re
from pathlib import Path
from typing import Optional

from lab import paths

# Marketing noise in /proc/cpuinfo model names that says nothing about the CPU.
_MODEL_NOISE = re.compile(r"\((r|tm)\)|\bcpu\b|\bprocessor\b|@.*$|\d+-core", re.IGNORECASE)


def cpu_model(cpuinfo: str) -> str:
    """The first `model name` (x86) or `Hardware`/`CPU part` (Arm) of /proc/cpuinfo."""
    for field in ("model name", "Hardware", "CPU part"):
        for line in cpuinfo.splitlines():
            name, sep, value = line.partition(":")
            if sep and name.strip() == field and value.strip():
                return value.strip()
    return "unknown-cpu"


def slug(text: str, max_words: int = 4) -> str:
    words = re.findall(r"[a-z0-9]+", _MODEL_NOISE.sub(" ", text.lower()))
    return "-".join(words[:max_words]) or "cpu"


def profile_id_for(arch: str, model: str, pus: int) -> str:
    digest = hashlib.sha256(f"{arch}|{model}|{pus}".encode()).hexdigest()[:8]
    return f"{slug(arch.replace('_', '-'), 2)}-{slug(model)}-{pus}pu-{digest}"


def current_profile_id() -> str:
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text(errors="replace")
    except OSError:
        cpuinfo = ""
    return profile_id_for(platform.machine() or "unknown", cpu_model(cpuinfo), os.cpu_count() or 1)


def profile_pus(profile_id: str) -> Optional[int]:
    """topology.pus of hw-profiles/<id>/profile.json, when that file exists and has it."""
    try:
        doc = json.loads((paths.hw_profiles_root() / profile_id / "profile.json").read_text())
        pus = doc["topology"]["pus"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return pus if isinstance(pus, int) and not isinstance(pus, bool) and pus > 0 else None


def pu_count() -> int:
    """PUs a sweep may use: the host profile's, else those this process may run on."""
    return profile_pus(current_profile_id()) or len(os.sched_getaffinity(0))
