"""hw-profiles/<id>/ on disk. A new profile is assembled in a hidden staging
folder and renamed into place, so readers see no folder or a whole one. An
existing one is never overwritten: it is kept, or with --refresh its files are
first moved aside to profile.<timestamp>.json / topology.<timestamp>.xml."""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterator, List, Optional

from lab.records import results
from lab.base.errors import LabError
from lab.host import document, ident

PROFILE = "profile.json"
TOPOLOGY = "topology.xml"


def read_profile(path: Path) -> dict:
    try:
        text = path.read_text()
    except OSError as err:
        raise LabError(f"cannot read {path}: {err.strerror}") from None
    except UnicodeDecodeError:
        text = ""
    try:
        doc = json.loads(text)
    except ValueError:
        raise LabError(f"{path} is not valid JSON; move it away or fix it") from None
    return document.check(doc, path)


def existing(profile_dir: Path) -> Optional[dict]:
    """The profile already in profile_dir, None if there is no such folder."""
    if not profile_dir.exists():
        return None
    if not (profile_dir / PROFILE).is_file():
        raise LabError(f"{profile_dir} exists but holds no {PROFILE} (an interrupted write?); "
                       "move it away and run again")
    return read_profile(profile_dir / PROFILE)


def flat(facts: dict) -> dict:
    """{"cpu": {"model": 1}} -> {"cpu.model": 1} (one level: what identity() gives)."""
    out = {}
    for section, value in facts.items():
        if isinstance(value, dict):
            out.update({f"{section}.{key}": v for key, v in value.items()})
        else:
            out[section] = value
    return out


def differing_facts(old: dict, new: dict) -> List[str]:
    a, b = flat(ident.identity(old)), flat(ident.identity(new))
    return sorted(key for key in a.keys() | b.keys() if a.get(key) != b.get(key))


def require_same_hardware(old: dict, new: dict, path: Path) -> None:
    differing = differing_facts(old, new)
    if differing:
        raise LabError(f"{path} has this host's id but other hardware facts ({', '.join(differing)}); "
                       "refusing to touch it")


@contextlib.contextmanager
def staging(root: Path) -> Iterator[Path]:
    """A hidden folder under root, removed afterwards unless it was published."""
    try:
        root.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix=".staging-", dir=root))
    except OSError as err:
        raise LabError(f"cannot write under {root}: {err.strerror}") from None
    folder.chmod(0o755)  # mkdtemp's 0700 is for secrets; a profile is meant to be shared
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(staged: Path, target: Path, doc: dict) -> None:
    """staged holds topology.xml; add profile.json and rename the folder to target."""
    results.write_new_json(staged / PROFILE, doc)
    fsync_path(staged / TOPOLOGY)
    fsync_path(staged)
    if target.exists():
        raise LabError(f"refusing to overwrite {target} (it appeared while profiling)")
    try:
        os.rename(staged, target)
    except OSError as err:
        raise LabError(f"cannot create {target}: {err.strerror}") from None
    fsync_path(target.parent)


def move_aside(path: Path, to: Path) -> None:
    """Rename without ever replacing: link() refuses an existing name."""
    try:
        os.link(path, to)
    except FileExistsError:
        raise LabError(f"refusing to overwrite {to}") from None
    except OSError as err:
        raise LabError(f"cannot move {path} to {to}: {err.strerror}") from None
    os.unlink(path)


def refresh(profile_dir: Path, staged: Path, doc: dict) -> str:
    """Move the old profile.json (and topology.xml) aside, write the new ones;
    returns the timestamp in the old files' new names."""
    stamp = results.timestamp()
    xml = (staged / TOPOLOGY).read_text()
    move_aside(profile_dir / PROFILE, profile_dir / f"profile.{stamp}.json")
    if (profile_dir / TOPOLOGY).exists():
        move_aside(profile_dir / TOPOLOGY, profile_dir / f"topology.{stamp}.xml")
    results.write_new_json(profile_dir / PROFILE, doc)
    results.write_new_file(profile_dir / TOPOLOGY, xml)
    return stamp
