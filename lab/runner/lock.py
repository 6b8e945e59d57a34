"""One writer per set: `.lock` holds the writing runner's pid. A lock whose pid
is no longer running (the runner was killed) is taken over, with a note."""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Optional

from lab.base.errors import LabError

LOCK_NAME = ".lock"
STAGING_PREFIX = f"{LOCK_NAME}.new."  # + "<pid>." + mkstemp's suffix


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True


def holder(lock: Path) -> Optional[int]:
    try:
        text = lock.read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


class SetLock:
    def __init__(self, set_dir: Path):
        self.path = Path(set_dir) / LOCK_NAME
        self.held = False

    def acquire(self) -> None:
        self._remove_dead_staging()
        for _ in range(3):
            if self._create():
                return
            pid = holder(self.path)
            if pid is not None and pid_alive(pid):
                raise LabError(f"{self.path.parent}: another sweep (pid {pid}) is writing this set; "
                               f"wait for it to finish or stop it (lock: {self.path})")
            # Stale: rename it away first, so of two runners taking over only one wins.
            stale = self.path.with_name(f"{LOCK_NAME}.stale.{os.getpid()}")
            try:
                os.rename(self.path, stale)
            except FileNotFoundError:
                continue
            stale.unlink()
            print(f"rculab: note: took over the stale lock of {self.path.parent} "
                  f"(pid {pid if pid is not None else '?'} is not running)", file=sys.stderr)
        raise LabError(f"{self.path}: cannot take the lock (it keeps changing hands)")

    def _remove_dead_staging(self) -> None:
        """A runner killed between staging its lock file and removing it left
        `.lock.new.<pid>.*` behind: removed once that pid is gone."""
        for staged in self.path.parent.glob(f"{STAGING_PREFIX}*"):
            pid = staged.name[len(STAGING_PREFIX):].split(".", 1)[0]
            if pid.isdigit() and not pid_alive(int(pid)):
                staged.unlink(missing_ok=True)

    def _create(self) -> bool:
        # The pid is written first and the file linked into place whole: a lock
        # created empty and filled afterwards would look stale (no holder) to a
        # second runner in between, which would take it over. The staging name
        # carries the pid too, so that a later runner can tell a leftover.
        fd, name = tempfile.mkstemp(prefix=f"{STAGING_PREFIX}{os.getpid()}.", dir=self.path.parent)
        staged = Path(name)
        os.fchmod(fd, 0o644)  # mkstemp's 0600 would hide the holder from other users' runners
        with os.fdopen(fd, "w") as out:
            out.write(f"{os.getpid()}\n")
        try:
            os.link(staged, self.path)
        except FileExistsError:
            return False
        finally:
            staged.unlink()
        self.held = True
        return True

    def release(self) -> None:
        if self.held and holder(self.path) == os.getpid():
            self.path.unlink()
        self.held = False

    def __enter__(self) -> "SetLock":
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()
