"""This host as the lab names it. Stdlib only (the standalone runner uses it on
hosts with only python3 and rculab-bench): no build, no rculab-core needed."""
from __future__ import annotations

from lab.profile import facts, ident


def current_profile_id() -> str:
    """The id of this host's profile, hw-profiles/<id>/ (see lab/profile/ident.py):
    computed from the hardware facts in /proc and /sys, a few milliseconds, no
    calibration; the same id `rculab profile` writes under."""
    return ident.profile_id(facts.hardware())
