"""The torture-gate section of `rculab run`: rculab-core torture on every backend
that is available and safe for updates, one progress line each, then a table."""
from __future__ import annotations

import time
from pathlib import Path
from typing import List, Tuple

from lab.setup import core
from lab.base.table import format_table

HEADERS = ("backend", "result", "reads", "updates", "sync calls", "grace periods",
           "sharing factor", "max age", "freed seen")
NUMERIC_COLUMNS = range(2, len(HEADERS))


def run_gate(binary: Path, backends: List[core.Backend], seconds: float, readers: int) -> List[str]:
    """Print the section; return the names of the backends that did not pass."""
    rows, failed = torture_all(binary, backends, seconds, readers)
    print()
    print(format_table(HEADERS, rows, right_aligned=NUMERIC_COLUMNS))
    print()
    print(summary(rows, failed))
    return failed


def torture_all(binary, backends: List[core.Backend], seconds: float,
                readers: int) -> Tuple[List[List[str]], List[str]]:
    """Run each eligible backend once; return (table rows, names that did not pass)."""
    rows, failed = [], []
    print(f"torture gate: {seconds:g} s, {readers} readers per backend")
    for index, backend in enumerate(backends, start=1):
        reason = core.skip_reason(backend)
        prefix = progress_prefix(index, len(backends), backend.name)
        if reason:
            print(f"{prefix} skipped ({reason})", flush=True)
            rows.append(skipped_row(backend.name, reason))
            continue
        print(f"{prefix} running...", end="", flush=True)
        started = time.monotonic()
        outcome = core.run_torture(binary, backend.name, seconds, readers)
        detail = f" ({outcome.detail})" if outcome.detail else ""
        print(f" {outcome.status} in {time.monotonic() - started:.1f} s{detail}", flush=True)
        rows.append(outcome_row(outcome))
        if not outcome.passed:
            failed.append(backend.name)
    return rows, failed


def progress_prefix(index: int, total: int, name: str) -> str:
    counter = f"[{index}/{total}]"
    return f"{counter:>{2 * len(str(total)) + 3}} {name:<12}"


def skipped_row(name: str, reason: str) -> List[str]:
    return [name, f"skipped ({reason})"]  # a note row: see format_table


def outcome_row(outcome: core.TortureOutcome) -> List[str]:
    r = outcome.result
    return [outcome.backend, outcome.status, count(r.get("reads")), count(r.get("updates")),
            count(r.get("sync_calls")), count(r.get("grace_periods")),
            sharing_factor(r.get("sync_calls"), r.get("grace_periods")),
            count(r.get("max_age")), count(r.get("freed_seen"))]


def count(value) -> str:
    return "-" if value is None else str(value)


def sharing_factor(sync_calls, grace_periods) -> str:
    """How many synchronize calls one grace period served on average."""
    if sync_calls is None or not grace_periods:
        return "-"
    return f"{sync_calls / grace_periods:.2f}"


def summary(rows: List[List[str]], failed: List[str]) -> str:
    skipped = sum(1 for row in rows if row[1].startswith("skipped"))
    ran = len(rows) - skipped
    if failed:
        return f"torture gate FAILED on {len(failed)} of {ran} backends run: {', '.join(failed)}"
    return f"torture gate PASSED on all {ran} backends run ({skipped} skipped)"
