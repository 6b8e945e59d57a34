"""The workloads as their C++ descriptors declare them
(bench/workloads/descriptor.h): parameters and grids, variants, counters,
checks, derived metrics and the headline. `rculab-core list --catalogue`
exports them to bench/workloads/catalogue.json, which is what this module
reads (tests/python/test_catalogue.py fails when the two differ), so the lab
reads workloads without a build and never restates them."""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Optional, Tuple

CATALOGUE = Path(__file__).resolve().parents[2] / "bench" / "workloads" / "catalogue.json"
CORE_KEYS = ("readers", "updaters", "placement")
# Where docs/benchmarks.md holds markdown()'s tables.
BEGIN_MARK = "<!-- generated from the workload descriptors by: python3 -m lab.records.catalogue -->"
END_MARK = "<!-- end of the generated tables -->"


@dataclass(frozen=True)
class Param:
    key: str
    levels: Tuple[int, ...]
    always: Tuple[int, ...]
    about: str


@dataclass(frozen=True)
class Variant:
    name: str
    rcu: bool
    label: str


@dataclass(frozen=True)
class Counter:
    name: str
    unit: str
    about: str
    most: int = 0              # the largest a correct run reports (0: no bound) ...
    most_per_updater: int = 0  # ... plus this per updater thread

    def bound(self, updaters: float) -> Optional[float]:
        return self.most + self.most_per_updater * max(updaters, 0) if self.most else None


@dataclass(frozen=True)
class MetricSpec:
    """A derived metric: kind rate, share, raw, ns_per_op or sampled over
    operands a and b (see descriptor.h)."""
    name: str
    label: str
    unit: str
    higher_is_better: bool
    kind: str
    a: str
    b: str


@dataclass(frozen=True)
class Workload:
    name: str
    summary: str
    needs_updates: bool
    params: Tuple[Param, ...]
    variant_key: str
    variants: Tuple[Variant, ...]
    counters: Tuple[Counter, ...]
    checks: Tuple[str, ...]
    metrics: Tuple[MetricSpec, ...]
    headline: str
    throughput: str
    paced_by: str
    paced_headline: str

    @property
    def param_keys(self) -> Tuple[str, ...]:
        return tuple(p.key for p in self.params)

    @property
    def rcu_variants(self) -> Tuple[Variant, ...]:
        return tuple(v for v in self.variants if v.rcu)

    @property
    def twin_variants(self) -> Tuple[Variant, ...]:
        """The non-RCU ways (the same code on every backend)."""
        return tuple(v for v in self.variants if not v.rcu)

    @property
    def size_param(self) -> Optional[str]:
        """The workload's own size parameter: the first that is neither a
        thread count, the placement nor the variant."""
        own = [k for k in self.param_keys if k not in CORE_KEYS and k != self.variant_key]
        return own[0] if own else None


def _workload(raw: dict) -> Workload:
    return Workload(
        name=raw["name"], summary=raw["summary"], needs_updates=raw["needs_updates"],
        params=tuple(Param(p["key"], tuple(p["levels"]), tuple(p["always"]), p["about"]) for p in raw["params"]),
        variant_key=raw["variant_key"],
        variants=tuple(Variant(v["name"], v["rcu"], v["label"]) for v in raw["variants"]),
        counters=tuple(Counter(c["name"], c["unit"], c["about"], c["most"], c["most_per_updater"])
                       for c in raw["counters"]),
        checks=tuple(raw["checks"]),
        metrics=tuple(MetricSpec(m["name"], m["label"], m["unit"], m["higher_is_better"], m["kind"], m["a"], m["b"])
                      for m in raw["metrics"]),
        headline=raw["headline"], throughput=raw["throughput"], paced_by=raw["paced_by"],
        paced_headline=raw["paced_headline"])


def parse(text: str) -> Dict[str, Workload]:
    """Workloads by name, in the catalogue's order, from its JSON text."""
    return {w["name"]: _workload(w) for w in json.loads(text)["workloads"]}


@functools.lru_cache(maxsize=None)
def workloads() -> Dict[str, Workload]:
    return parse(CATALOGUE.read_text(encoding="utf-8"))


def workload(name: str) -> Optional[Workload]:
    """None for a workload this checkout does not know (a set from elsewhere)."""
    return workloads().get(name)


def _param_text(p: Param, variant_key: str, variants) -> str:
    if p.key == variant_key:
        return f"{p.key} ∈ {{{', '.join(v.name for v in variants)}}}"
    grid = list(p.levels) + [level for level in p.always if level not in p.levels]
    return f"{p.key} ∈ {{{', '.join(map(str, grid))}}}" if grid else p.key


def markdown() -> str:
    """docs/benchmarks.md's workload and counter tables, from the descriptors
    (tests/python/test_docs.py holds the page to this)."""
    lines = ["| workload | what it measures | parameters (default grid) | headline |", "| --- | --- | --- | --- |"]
    for w in workloads().values():
        params = ", ".join(_param_text(p, w.variant_key, w.variants) for p in w.params if p.key != "placement")
        lines.append(f"| `{w.name}` | {w.summary} | {params} | `{w.headline}` |")
    lines += ["", "| workload | counter | unit | meaning |", "| --- | --- | --- | --- |"]
    for w in workloads().values():
        for c in w.counters:
            must = " **Must stay 0.**" if c.name in w.checks else ""
            lines.append(f"| `{w.name}` | `{c.name}` | {c.unit} | {c.about}{must} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(markdown(), end="")
