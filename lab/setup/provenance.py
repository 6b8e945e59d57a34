"""Which source tree a benchmark ran from: the git commit handed to rculab-bench
through RCULAB_COMMIT, so the JSON context names the tree actually built."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Dict, Optional

from lab.base import paths, proc
from lab.base.errors import LabError

COMMIT_ENV = "RCULAB_COMMIT"


def commit_id(root: Path = paths.REPO_ROOT) -> Optional[str]:
    """`git rev-parse --short=12 HEAD`, plus `-dirty` when tracked files differ from
    HEAD or untracked (not ignored) files exist; None without git or a repository."""
    try:
        head = proc.capture(["git", "rev-parse", "--short=12", "HEAD"], timeout=30, cwd=root)
        if head.returncode != 0 or not head.stdout.strip():
            return None
        status = proc.capture(["git", "status", "--porcelain"], timeout=60, cwd=root)
    except (LabError, subprocess.TimeoutExpired, OSError):
        return None
    commit = head.stdout.strip()
    if status.returncode != 0 or status.stdout.strip():
        commit += "-dirty"  # cannot tell, or it is: either way not exactly HEAD
    return commit


def bench_env(root: Path = paths.REPO_ROOT) -> Dict[str, str]:
    """Our environment plus RCULAB_COMMIT when git can name the tree."""
    env = dict(os.environ)
    commit = commit_id(root)
    if commit:
        env[COMMIT_ENV] = commit
    return env
