"""`rculab torture --soak DURATION`: the whole torture matrix, every backend safe
for updates x readers x grace-period style x churn, one `rculab-core torture`
process per cell with DURATION split evenly over the cells; a PASS/FAIL table
with reads, updates and grace periods per cell; exit 1 on any FAIL."""
from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

from lab.setup import core
from lab.base.errors import LabError
from lab.base.table import format_table
from lab.torture.gate import count, progress_prefix

READERS = (1, 2, 4, 8)
GP_STYLES = ("synchronize", "call_rcu", "mixed")
CHURN = (False, True)
# Below this a cell is mostly thread start-up and the final barriers, and a
# slow grace period can leave it without a single update (a FAIL).
MIN_CELL_SECONDS = 0.05
MAX_SOAK_SECONDS = 7 * 86400
MAX_READERS = 4096  # rculab-core's own bound

DURATION_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
DURATION_PATTERN = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ms|s|m|h)?")

HEADERS = ("backend", "readers", "gp style", "churn", "result", "reads", "updates",
           "grace periods", "threads", "max age", "freed seen")
NUMERIC_COLUMNS = (1, 5, 6, 7, 8, 9, 10)


@dataclass(frozen=True)
class Cell:
    backend: str
    readers: int
    gp_style: str
    churn: bool

    def label(self) -> str:
        return f"{self.backend}/{self.readers}r/{self.gp_style}/{'churn' if self.churn else 'steady'}"


def parse_duration(text: str) -> float:
    """'30s', '10m', '1h', '500ms' or plain seconds -> seconds; ValueError with the
    one-line message otherwise."""
    match = DURATION_PATTERN.fullmatch(text.strip())
    seconds = float(match.group(1)) * DURATION_UNITS[match.group(2) or "s"] if match else 0.0
    if not match or seconds <= 0 or seconds > MAX_SOAK_SECONDS:
        raise ValueError(f"expected a duration like 30s, 10m or 1h (at most 7 days), got {text!r}")
    return seconds


def parse_soak_args(extra: Sequence[str]) -> Tuple[List[str], List[int]]:
    """The flags `--soak` takes besides its duration: --backends A,B and
    --readers 1,2,4 (both optional). Returns (backend names or [], reader counts)."""
    backends: List[str] = []
    readers: List[int] = list(READERS)
    args = list(extra)
    while args:
        flag = args.pop(0)
        name, _, inline = flag.partition("=")
        if name not in ("--backends", "--readers"):
            raise LabError(f"torture --soak: unknown option {flag!r} (--soak takes --backends A,B "
                           f"and --readers 1,2,4,8)", exit_code=2)
        if not inline and not args:
            raise LabError(f"torture --soak: {name}: missing value", exit_code=2)
        value = inline or args.pop(0)
        if name == "--backends":
            backends = names_of(value)
        else:
            readers = reader_counts(value)
    return backends, readers


def names_of(text: str) -> List[str]:
    names = [name.strip() for name in text.split(",")]
    if any(not name for name in names):
        raise LabError(f"torture --soak: --backends: expected comma-separated names, got {text!r}",
                       exit_code=2)
    return names


def reader_counts(text: str) -> List[int]:
    try:
        counts = [int(part) for part in text.split(",")]
    except ValueError:
        counts = []
    if not counts or any(not 1 <= n <= MAX_READERS for n in counts):
        raise LabError(f"torture --soak: --readers: expected comma-separated counts in "
                       f"[1, {MAX_READERS}], got {text!r}", exit_code=2)
    return counts


def plan(listed: List[core.Backend], wanted: List[str], readers: List[int],
         duration: float) -> Tuple[List[Cell], Dict[str, str], float]:
    """(cells, skipped backend -> reason, seconds per cell). Bad names or a duration
    too short for the cells are LabErrors (exit 2), found before anything runs."""
    names = [b.name for b in listed]
    unknown = [name for name in wanted if name not in names]
    if unknown:
        raise LabError(f"torture --soak: --backends: unknown backend {unknown[0]!r} "
                       f"(one of: {', '.join(names)})", exit_code=2)
    chosen = [b for b in listed if not wanted or b.name in wanted]
    skipped = {b.name: core.skip_reason(b) for b in chosen if core.skip_reason(b)}
    cells = [Cell(b.name, r, style, churn) for b in chosen if b.name not in skipped
             for churn in CHURN for style in GP_STYLES for r in readers]
    if not cells:
        raise LabError("torture --soak: no backend to run (" +
                       "; ".join(f"{name}: {why}" for name, why in skipped.items()) + ")", exit_code=2)
    per_cell = duration / len(cells)
    if per_cell < MIN_CELL_SECONDS:
        raise LabError(f"torture --soak: {duration:g} s is too short for {len(cells)} cells "
                       f"(at least {MIN_CELL_SECONDS:g} s each: {MIN_CELL_SECONDS * len(cells):g} s)",
                       exit_code=2)
    return cells, skipped, per_cell


def run_soak(binary: Path, listed: List[core.Backend], wanted: List[str], readers: List[int],
             duration: float) -> int:
    cells, skipped, per_cell = plan(listed, wanted, readers, duration)
    backends = list(dict.fromkeys(cell.backend for cell in cells))
    print(f"torture soak: {len(cells)} cells ({len(backends)} backends x readers "
          f"{','.join(map(str, readers))} x {len(GP_STYLES)} gp styles x churn off/on), "
          f"{per_cell:.3g} s each, {duration:g} s in all", flush=True)
    started = time.monotonic()
    rows: List[List[str]] = [[name, f"skipped ({why})"] for name, why in skipped.items()]
    failed: List[Cell] = []
    for index, name in enumerate(backends, start=1):
        mine = [cell for cell in cells if cell.backend == name]
        print(f"{progress_prefix(index, len(backends), name)} {len(mine)} cells...", end="", flush=True)
        backend_started = time.monotonic()
        outcomes = [(cell, core.run_torture(binary, name, per_cell, cell.readers, cell.gp_style,
                                            cell.churn)) for cell in mine]
        bad = [cell for cell, outcome in outcomes if not outcome.passed]
        failed += bad
        print(f" {len(mine) - len(bad)} PASS, {len(bad)} FAIL in "
              f"{time.monotonic() - backend_started:.1f} s", flush=True)
        rows += [cell_row(cell, outcome) for cell, outcome in outcomes]
    print()
    print(format_table(HEADERS, rows, right_aligned=NUMERIC_COLUMNS))
    print()
    elapsed = time.monotonic() - started
    if failed:
        print(f"torture soak FAILED: {len(failed)} of {len(cells)} cells in {elapsed:.0f} s: "
              + ", ".join(cell.label() for cell in failed[:10]) + (" ..." if len(failed) > 10 else ""))
        return 1
    skipped_note = f"{len(skipped)} backend{'' if len(skipped) == 1 else 's'} skipped"
    print(f"torture soak PASSED: all {len(cells)} cells in {elapsed:.0f} s ({skipped_note})")
    return 0


def cell_row(cell: Cell, outcome: core.TortureOutcome) -> List[str]:
    r = outcome.result
    status = outcome.status + (f" ({outcome.detail})" if outcome.detail else "")
    threads = "-"
    if r.get("reader_threads") is not None and r.get("updater_threads") is not None:
        threads = str(r["reader_threads"] + r["updater_threads"])
    return [cell.backend, str(cell.readers), cell.gp_style, "yes" if cell.churn else "no", status,
            count(r.get("reads")), count(r.get("updates")), count(r.get("grace_periods")), threads,
            count(r.get("max_age")), count(r.get("freed_seen"))]
