"""Google Benchmark JSON (1.7.x) as records: one per benchmark row, keyed by the
workload, backend and parameters that rculab-bench encodes in the name, e.g.

    read_cost/backend:qsbr/readers:1/placement:compact/iterations:1/manual_time
    read_cost/backend:qsbr/readers:1/placement:compact/iterations:1/manual_time_median

(the second is an aggregate row, written with --benchmark_repetitions)."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from lab.base.errors import LabError

# Parts Google Benchmark itself appends to a name (not the lab's parameters).
GB_TIME_MARKERS = frozenset({"manual_time", "real_time", "process_time"})
GB_KEYS = frozenset({"iterations", "repeats", "min_time", "min_warmup_time", "threads"})
# Aggregates GB adds with repetitions; their rows say which in "aggregate_name".
KNOWN_AGGREGATES = ("mean", "median", "stddev", "cv")
# GB's own numeric row fields; every other number in a row is a user counter.
GB_ROW_FIELDS = frozenset({"family_index", "per_family_instance_index", "repetitions",
                           "repetition_index", "threads", "iterations", "real_time", "cpu_time"})

Pairs = Tuple[Tuple[str, str], ...]


class GBJsonError(LabError):
    """Output of rculab-bench that is not the Google Benchmark JSON we expect."""


@dataclass(frozen=True)
class BenchName:
    workload: str
    backend: Optional[str]
    params: Pairs          # the lab's key:value parts in name order, backend excluded
    gb_parts: Pairs = ()   # GB's suffix: ("iterations", "1"), ("timing", "manual_time")
    aggregate: Optional[str] = None  # "mean", "median", ... for aggregate rows

    def param(self, key: str) -> Optional[str]:
        return dict(self.params).get(key)

    @property
    def key(self) -> Tuple[str, Optional[str], Pairs]:
        """What identifies the measured point: same for its repetitions and aggregates."""
        return (self.workload, self.backend, self.params)


def _is_gb_part(part: str) -> bool:
    return part in GB_TIME_MARKERS or part.partition(":")[0] in GB_KEYS


def parse_name(name: str, aggregate: Optional[str] = None) -> BenchName:
    """Split a benchmark name into workload, backend and parameters. `aggregate` is
    the row's aggregate_name, whose `_NAME` suffix is stripped; without it, a known
    aggregate suffix right after GB's own last part is recognized and stripped."""
    text = name
    if aggregate:
        if not text.endswith("_" + aggregate):
            raise GBJsonError(f"aggregate row {name!r} does not end with _{aggregate}")
        text = text[:-len(aggregate) - 1]
    else:
        match = re.fullmatch(r"(.*)_(" + "|".join(KNOWN_AGGREGATES) + r")", name)
        if match and _is_gb_part(match.group(1).rsplit("/", 1)[-1]):
            text, aggregate = match.group(1), match.group(2)
    workload, *parts = text.split("/")
    if not workload:
        raise GBJsonError(f"benchmark name without a workload: {name!r}")
    backend = None
    params: List[Tuple[str, str]] = []
    gb_parts: List[Tuple[str, str]] = []
    for index, part in enumerate(parts, start=1):
        key, sep, value = part.partition(":")
        if part in GB_TIME_MARKERS:
            gb_parts.append(("timing", part))
        elif sep and key in GB_KEYS:
            gb_parts.append((key, value))
        elif sep and key == "backend":
            backend = value
        elif sep and key:
            params.append((key, value))
        else:
            params.append((f"#{index}", part))  # a bare GB argument: keep its position
    return BenchName(workload, backend, tuple(params), tuple(gb_parts), aggregate)


@dataclass
class Record:
    """One row of the "benchmarks" array."""
    name: str
    bench: BenchName
    counters: Dict[str, float] = field(default_factory=dict)
    run_type: str = "iteration"
    repetition_index: Optional[int] = None
    label: str = ""
    error: Optional[str] = None

    @property
    def workload(self) -> str:
        return self.bench.workload

    @property
    def backend(self) -> Optional[str]:
        return self.bench.backend

    @property
    def aggregate(self) -> Optional[str]:
        return self.bench.aggregate

    def get(self, counter: str) -> Optional[float]:
        return self.counters.get(counter)


def record_from_row(row: dict) -> Record:
    try:
        name = row["name"]
    except (KeyError, TypeError):
        raise GBJsonError(f"benchmark row without a name: {str(row)[:80]}") from None
    aggregate = row.get("aggregate_name") if row.get("run_type") == "aggregate" else None
    bench = parse_name(name, aggregate)
    counters = {key: float(value) for key, value in row.items()
                if isinstance(value, (int, float)) and not isinstance(value, bool)
                and key not in GB_ROW_FIELDS}
    error = None
    if row.get("error_occurred"):
        error = str(row.get("error_message") or "error")
    run_type = "aggregate" if bench.aggregate else str(row.get("run_type", "iteration"))
    return Record(name=name, bench=bench, counters=counters, run_type=run_type,
                  repetition_index=row.get("repetition_index"), label=str(row.get("label", "")),
                  error=error)


def check_document(doc, source: str = "benchmark JSON") -> dict:
    if not isinstance(doc, dict) or not isinstance(doc.get("benchmarks"), list):
        raise GBJsonError(f"{source}: not Google Benchmark JSON (no \"benchmarks\" array)")
    if not isinstance(doc.get("context", {}), dict):
        raise GBJsonError(f"{source}: \"context\" is not an object")
    return doc


def load(path: Path) -> dict:
    """Read a --benchmark_out=FILE --benchmark_out_format=json file."""
    try:
        text = Path(path).read_text()
    except OSError as err:
        raise GBJsonError(f"cannot read {path}: {err.strerror}") from None
    try:
        doc = json.loads(text)
    except ValueError as err:
        raise GBJsonError(f"{path}: invalid JSON ({err})") from None
    return check_document(doc, str(path))


def records(doc: dict) -> List[Record]:
    return [record_from_row(row) for row in check_document(doc)["benchmarks"]]


def merge(docs: Sequence[dict]) -> dict:
    """One document out of several runs of the same binary: the first context
    (build, machine and lab settings are the same for all), every row in order."""
    if not docs:
        raise GBJsonError("nothing to merge")
    return {"context": dict(docs[0].get("context", {})),
            "benchmarks": [row for doc in docs for row in doc["benchmarks"]]}


def matches(record: Record, workload: str, backend: str, params: Dict[str, str]) -> bool:
    return (record.workload == workload and record.backend == backend
            and all(record.bench.param(key) == value for key, value in params.items()))


def select(recs: Iterable[Record], workload: str, backend: str, **params) -> Optional[Record]:
    """The row that stands for one point: its median aggregate if there were
    repetitions, else its (first) iteration row. Rows with errors never count."""
    wanted = {key: str(value) for key, value in params.items()}
    found = [r for r in recs if r.error is None and matches(r, workload, backend, wanted)]
    for preference in ("median", "mean"):
        for record in found:
            if record.aggregate == preference:
                return record
    iterations = [r for r in found if r.aggregate is None]
    return iterations[0] if iterations else None
