"""Replace an output folder (charts/, report/) all at once: fill a fresh
temporary sibling, then rename it into place. A failure leaves the old folder
untouched and no half-written one behind."""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable, TypeVar

from lab.base.errors import LabError

T = TypeVar("T")


def replace_dir(target: Path, fill: Callable[[Path], T]) -> T:
    target = Path(target)
    if target.exists() and not target.is_dir():
        raise LabError(f"refusing to replace {target}: it is a file, not a folder")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.new-"))
    except OSError as err:
        raise LabError(f"cannot write under {target.parent}: {err.strerror}") from None
    try:
        result = fill(staging)
        os.chmod(staging, 0o755)  # mkdtemp's 0700 would hide the output from others
        if target.exists():
            old = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.old-"))
            os.rename(target, old / target.name)
            os.rename(staging, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(staging, target)
        return result
    except OSError as err:
        raise LabError(f"cannot write {target}: {err.strerror or err}") from None
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
