"""Child processes. Every command the lab runs goes through here, so tests can
replace these three functions instead of faking cmake, apt-get or ctest."""
from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path
from typing import IO, Mapping, Optional, Sequence

from lab.base.errors import LabError


def cannot_run(cmd: Sequence[str], err: OSError) -> LabError:
    if isinstance(err, FileNotFoundError):
        return LabError(f"command not found: {cmd[0]}")
    return LabError(f"cannot run {cmd[0]}: {err.strerror}")  # e.g. not executable


def exit_status(returncode: int) -> int:
    """Shell-style status: a child killed by signal N becomes 128+N."""
    return 128 - returncode if returncode < 0 else returncode


def describe_status(returncode: int) -> str:
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return f"killed by {name}"
    return f"exit {returncode}"


def run(cmd: Sequence[str], cwd: Optional[Path] = None,
        env: Optional[Mapping[str, str]] = None) -> int:
    """Run with the terminal's stdout/stderr; return the shell-style status."""
    try:
        return exit_status(subprocess.run(list(cmd), cwd=cwd, env=env).returncode)
    except OSError as err:
        raise cannot_run(cmd, err) from None


def stream(cmd: Sequence[str], cwd: Optional[Path] = None,
           env: Optional[Mapping[str, str]] = None, out: Optional[IO[str]] = None) -> int:
    """Run with stdout+stderr copied line by line to `out` (default: our stderr),
    so set-up chatter never mixes into stdout that may be JSON."""
    out = out or sys.stderr
    try:
        child = subprocess.Popen(list(cmd), cwd=cwd, env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                 text=True, errors="replace")
    except OSError as err:
        raise cannot_run(cmd, err) from None
    assert child.stdout is not None
    for line in child.stdout:
        out.write(line)
        out.flush()
    return exit_status(child.wait())


def capture(cmd: Sequence[str], timeout: Optional[float] = None, cwd: Optional[Path] = None,
            env: Optional[Mapping[str, str]] = None) -> subprocess.CompletedProcess:
    """Run and keep stdout/stderr as text. Raises subprocess.TimeoutExpired."""
    try:
        return subprocess.run(list(cmd), capture_output=True, text=True, errors="replace",
                              stdin=subprocess.DEVNULL, timeout=timeout, cwd=cwd, env=env)
    except OSError as err:
        raise cannot_run(cmd, err) from None
