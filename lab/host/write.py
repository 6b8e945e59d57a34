"""Writing this host's profile (hw-profiles/<id>/profile.json + topology.xml)
where none exists yet: for `rculab profile` and `rculab run` on a lab host,
and for a bundle's run-sweep, which files it beside its results so that
`rculab import` brings topology and calibration home with the sets."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Mapping, Optional

from lab.host import document, facts, ident, native, store


def profile_document(core: Path, hardware: dict, xml: Path, commit: Optional[str], preset: str,
                     calibrate_seconds: Optional[float], env: Optional[Mapping[str, str]] = None) -> dict:
    """The profile of this host from rculab-core's view (hwloc, libraries,
    build, membarrier), /sys's, and the calibration (None: not measured)."""
    native_host = native.host(core, xml, env)
    for line in document.disagreements(hardware, native_host):
        print(f"rculab: warning: hwloc and /sys disagree on {line}", file=sys.stderr)
    calibration = None if calibrate_seconds is None else native.calibrate(core, calibrate_seconds, env)
    return document.assemble(hardware, native_host, calibration, commit, preset)


def ensure(core: Path, root: Path, commit: Optional[str], preset: str, calibrate_seconds: Optional[float],
           env: Optional[Mapping[str, str]] = None) -> tuple:
    """(profile id, written: bool): root/<id>/ written unless it exists with
    the same hardware facts (another machine under the same id is an error)."""
    hardware = facts.hardware()
    profile_id = ident.profile_id(hardware)
    target = Path(root) / profile_id
    old = store.existing(target)
    if old is not None:
        store.require_same_hardware(old, hardware, target / store.PROFILE)
        return profile_id, False
    Path(root).mkdir(parents=True, exist_ok=True)
    with store.staging(Path(root)) as staged:
        doc = profile_document(core, hardware, staged / store.TOPOLOGY, commit, preset, calibrate_seconds, env)
        store.publish(staged, target, doc)
    return profile_id, True
