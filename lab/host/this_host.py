"""This host as the lab names it: its profile id (results/<profile-id>/...,
hw-profiles/<profile-id>/) and its PU count. Stdlib only and Python 3.9: the
bundle's runner uses it on hosts with only python3; no build, no rculab-core."""
from __future__ import annotations

import json
import os
from typing import Optional

from lab.base import paths
from lab.host import facts, ident


def current_profile_id() -> str:
    """The id of this host's profile, hw-profiles/<id>/ (see lab/host/ident.py):
    computed from the hardware facts in /proc and /sys, a few milliseconds, no
    calibration; the same id `rculab profile` writes under."""
    return ident.profile_id(facts.hardware())


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
