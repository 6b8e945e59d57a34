"""Writing results: a fresh folder per run, files written atomically (a temporary
file renamed into place) and never over an existing file."""
from __future__ import annotations

import errno
import json
import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

from lab.base.errors import LabError


def timestamp(now: Optional[datetime] = None) -> str:
    """UTC, sortable, safe in file names: 20261122T054348Z."""
    return (now or datetime.now(timezone.utc)).astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def utc_now() -> str:
    """UTC now as records write it: 2026-11-22T05:43:48Z."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_dir(root: Path, stem: str) -> Path:
    """Create root/<stem>/, or root/<stem>-2/, ... if that exists (two runs in one second)."""
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise LabError(f"cannot create the folder {root}: {err.strerror}") from None
    for attempt in range(1, 1000):
        candidate = root / (stem if attempt == 1 else f"{stem}-{attempt}")
        try:
            candidate.mkdir()
            return candidate
        except FileExistsError:
            continue
        except OSError as err:
            raise LabError(f"cannot create a folder under {root}: {err.strerror}") from None
    raise LabError(f"cannot create a fresh folder under {root} (all {stem}-N taken)")


def write_new_file(path: Path, text: str) -> None:
    """Write `text` to `path` atomically; refuse (LabError) if `path` exists.
    Readers see either no file or the whole file, never a partial one."""
    path = Path(path)
    if path.exists() or path.is_symlink():
        raise LabError(f"refusing to overwrite {path}")
    try:
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as err:
        raise LabError(f"cannot write {path}: {err.strerror}") from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w") as out:
            os.fchmod(out.fileno(), 0o644)  # mkstemp's 0600 is for secrets; results are not
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        publish(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def publish(tmp: Path, path: Path) -> None:
    """Move tmp to path unless path exists. link() fails if the target exists, so
    two writers can never replace each other's file."""
    try:
        os.link(tmp, path)
        return
    except FileExistsError:
        raise LabError(f"refusing to overwrite {path}") from None
    except OSError as err:
        if err.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EXDEV, errno.EMLINK):
            raise LabError(f"cannot write {path}: {err.strerror}") from None
    # No hard links here (some FUSE/vfat mounts): claim the name exclusively, then
    # rename over our own empty placeholder.
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
    except FileExistsError:
        raise LabError(f"refusing to overwrite {path}") from None
    os.replace(tmp, path)


def write_new_json(path: Path, doc) -> None:
    write_new_file(path, json.dumps(doc, indent=2) + "\n")
