"""What a set says, as statements with their evidence and confidence: the
report's first section. Derived from the data only:

- scalability: a workload's throughput at the most threads the host runs
  without oversubscription over its throughput at 1 (ideal: that many times);
- standing: each backend against `none` (no read-side code) and against its
  liburcu twin, at the same parameters (compare.py's row: ratio of medians,
  Hodges-Lehmann shift and CI, "≈" below the lab's resolution);
- crossovers: the critical-section length at which a backend reaches half
  of `none`'s read throughput;
- the documents' claims, each held to this set: holds, fails, or not measured;
- anomalies: failed, noisy, bimodal and missing points.

Each finding names the anchor of its evidence in the report (a workload's
section, or the failed points' table)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from lab.analysis import compare, metrics, stats
from lab.analysis.compare_output import fmt_value
from lab.analysis.summary import BASELINE, TWINS, backend_order
from lab.records import catalogue
from lab.records.reader import Point, ResultSet

PROBLEMS_ANCHOR = "problems"
# Where n cannot reach significance, every repetition of one side beyond the
# other's decides a claim from this many a side (3 against 3 apart: p = 0.1).
APART_MIN = 3
# cs_length: a backend "reaches" none at this share of its read throughput.
CROSSOVER_SHARE = 0.5
# perfbook's routing-table figures look up in a list of 10 routes.
PERFBOOK_ROUTES = 10


@dataclass
class Finding:
    kind: str        # scalability | standing | crossover | claim | anomaly
    text: str        # the statement
    evidence: str    # anchor in the report ("" where there is nothing to show)
    confidence: str  # what backs it: CI, n, or why there is none
    verdict: str = ""  # claims: holds | fails | undecided | not measured


def workload_anchor(workload: str) -> str:
    return f"w-{workload}"


def ok_points(rs: ResultSet) -> Dict[str, List[Point]]:
    by_workload: Dict[str, List[Point]] = {}
    for key in sorted(rs.points):
        point = rs.points[key]
        if point.ok:
            by_workload.setdefault(point.workload, []).append(point)
    return by_workload


def pus_of(rs: ResultSet) -> int:
    return int(rs.manifest.get("spec", {}).get("pus") or rs.context.get("topology_pus") or 1)


def others(point: Point, *leave_out: str) -> tuple:
    """The point's parameters apart from those named (and its backend)."""
    return tuple(sorted((k, v) for k, v in point.params.items() if k not in leave_out))


def params_text(params: tuple) -> str:
    return ", ".join(f"{k} {v}" for k, v in params if k != "placement") or "defaults"


def confidences(named: Sequence[Tuple[str, compare.Row]]) -> str:
    """What backs a finding's ratios, said once for rows alike: the CIs that
    exist, what is below resolution, and how many have too few repetitions."""
    parts = []
    resolved = [name for name, row in named if row.below_resolution]
    if resolved:
        finest = max(row.resolution or 0 for _, row in named if row.below_resolution)
        parts.append(f"≈ below the lab's resolution (up to {fmt_value(finest)} ns): " + ", ".join(resolved))
    with_ci = [(name, row.shift) for name, row in named if not row.below_resolution and row.shift is not None]
    if with_ci:
        parts.append("95% CIs of the ratio (Hodges-Lehmann): " +
                     ", ".join(f"{name} {s.low:.3g}–{s.high:.3g}" for name, s in with_ci))
    without = [(name, row) for name, row in named if not row.below_resolution and row.shift is None]
    if without:
        sizes = sorted({f"{row.a.summary.n}/{row.b.summary.n}" for _, row in without})
        who = "all" if len(without) == len(named) else ", ".join(name for name, _ in without)
        parts.append(f"no CI for {who}: n {' or '.join(sizes)} repetitions, a 95% CI needs 4 a side")
    return "; ".join(parts)


def readers_text(n: int) -> str:
    return f"{n} reader{'' if n == 1 else 's'}"


def ratio_text(row: compare.Row) -> str:
    return "≈" if row.below_resolution else f"{row.ratio:.3g}×"


# ---- scalability ---------------------------------------------------------

def scalability(rs: ResultSet) -> List[Finding]:
    """Per workload and combination of its other parameters: each backend's
    throughput at N readers over 1, N the most readers up to the PUs."""
    pus, out = pus_of(rs), []
    for workload, points in ok_points(rs).items():
        counts = sorted({p.params["readers"] for p in points if "readers" in p.params})
        within = [r for r in counts if r <= pus]
        if len(within) < 2 or within[0] != 1:
            continue
        most = within[-1]
        rate = metrics.rate_metric(workload)
        combos: Dict[tuple, Dict[str, Dict[int, Point]]] = {}
        for p in points:
            if "readers" in p.params:
                combos.setdefault(others(p, "readers"), {}).setdefault(p.backend, {})[p.params["readers"]] = p
        for combo, backends in sorted(combos.items()):
            parts, rows = [], []
            for backend in sorted(backends, key=backend_order):
                one, many = backends[backend].get(1), backends[backend].get(most)
                if one is None or many is None:
                    continue
                row = compare.compare_points(backend, one, many, rate.name)
                if not isinstance(row, compare.Row):
                    continue
                parts.append((row.ratio, f"{backend} {row.ratio:.3g}×"))
                rows.append((backend, row))
            if not parts:
                continue
            parts.sort(key=lambda item: -item[0])
            out.append(Finding(
                "scalability",
                f"{workload} ({params_text(combo)}): {rate.label} from 1 to {most} readers "
                f"(ideal {most}×): " + ", ".join(text for _, text in parts),
                workload_anchor(workload), confidences(rows)))
    return out


# ---- standing against none and the twin ------------------------------------

def reference_points(points: List[Point], pus: int) -> Dict[str, Point]:
    """The backends' points at one set of parameters: the most readers up to
    the PUs, and of those the parameters the most backends ran."""
    by_params: Dict[tuple, Dict[str, Point]] = {}
    for p in points:
        by_params.setdefault(others(p), {})[p.backend] = p
    def preference(item):
        params, backends = item
        readers = dict(params).get("readers", 1)
        return (readers <= pus, readers if readers <= pus else -readers, len(backends), BASELINE in backends)
    return max(by_params.items(), key=preference)[1] if by_params else {}


def standing(rs: ResultSet) -> List[Finding]:
    pus, out = pus_of(rs), []
    for workload, points in ok_points(rs).items():
        chosen = reference_points(points, pus)
        if len(chosen) < 2:
            continue
        any_point = next(iter(chosen.values()))
        metric = metrics.primary_metric(any_point)
        where = f"{workload} ({params_text(others(any_point))}), {metric.name}"
        direction = "higher is better" if metric.higher_is_better else "lower is better"
        if BASELINE in chosen:
            pairs = [(BASELINE, b) for b in sorted(chosen, key=backend_order) if b != BASELINE]
            out += _against(f"{where} against none ({direction})", chosen, pairs, metric, workload,
                            lambda ref, b: b)
        pairs = [(twin, ours) for ours, twin in TWINS.items() if ours in chosen and twin in chosen]
        out += _against(f"{where}, ours against liburcu's twin ({direction})", chosen, pairs, metric, workload,
                        lambda ref, b: f"{b}/{ref}")
    return out


def _against(title: str, chosen: Dict[str, Point], pairs: Sequence[Tuple[str, str]], metric: metrics.Metric,
             workload: str, name: Callable[[str, str], str]) -> List[Finding]:
    parts, rows = [], []
    for reference, backend in pairs:
        row = compare.compare_points(backend, chosen[reference], chosen[backend], metric.name)
        if not isinstance(row, compare.Row):
            continue
        verdict = "" if row.better is None else (" better" if row.better == "b" else " worse")
        parts.append(f"{name(reference, backend)} {ratio_text(row)}{verdict}")
        rows.append((name(reference, backend), row))
    if not parts:
        return []
    return [Finding("standing", f"{title}: " + ", ".join(parts), workload_anchor(workload), confidences(rows))]


# ---- crossovers ---------------------------------------------------------------

def crossovers(rs: ResultSet) -> List[Finding]:
    """cs_length: per backend slower than half of none at the shortest
    section, the shortest section length at which it reaches half."""
    points = ok_points(rs).get("cs_length", [])
    series: Dict[tuple, Dict[str, Dict[float, float]]] = {}
    for p in points:
        s = _summary(p, "reads_per_s")
        if s is not None:
            series.setdefault(others(p, "cs_ns"), {}).setdefault(p.backend, {})[p.params.get("cs_ns", 0)] = s.median
    out = []
    for combo, backends in sorted(series.items()):
        ideal = backends.get(BASELINE)
        if not ideal:
            continue
        parts = []
        for backend in sorted(backends, key=backend_order):
            lengths = sorted(set(backends[backend]) & set(ideal))
            shares = [(cs, backends[backend][cs] / ideal[cs]) for cs in lengths if ideal[cs] > 0]
            if backend == BASELINE or not shares or shares[0][1] >= CROSSOVER_SHARE:
                continue
            reached = next((cs for cs, share in shares if share >= CROSSOVER_SHARE), None)
            parts.append(f"{backend} at {fmt_value(reached)} ns ({shares[0][1]:.3g}× at {fmt_value(shares[0][0])} ns)"
                         if reached is not None else
                         f"{backend} not by {fmt_value(shares[-1][0])} ns ({shares[-1][1]:.3g}× there)")
        if parts:
            out.append(Finding(
                "crossover", f"cs_length ({params_text(combo)}): the section length at which a backend reaches "
                f"half of none's read throughput: " + ", ".join(parts), workload_anchor("cs_length"),
                "ratio of medians at each measured length (a crossover is read off the curve: no CI)"))
    return out


# ---- the documents' claims ------------------------------------------------------

@dataclass(frozen=True)
class Claim:
    source: str
    statement: str
    workload: str
    # (holds: True, False or None where the data cannot decide, what was found,
    # its confidence); None: the set has no points that test it
    judge: Callable[[ResultSet], Optional[Tuple[Optional[bool], str, str]]]


def _row(rs: ResultSet, workload: str, a: str, b: str, metric: Optional[str] = None,
         prefer_readers: int = 1) -> Optional[compare.Row]:
    points = [p for p in ok_points(rs).get(workload, []) if p.backend in (a, b)]
    by_params: Dict[tuple, Dict[str, Point]] = {}
    for p in points:
        by_params.setdefault(others(p), {})[p.backend] = p
    both = [(params, found) for params, found in by_params.items() if a in found and b in found]
    if not both:
        return None
    params, found = min(both, key=lambda item: abs(dict(item[0]).get("readers", 1) - prefer_readers))
    row = compare.compare_points(workload, found[a], found[b], metric)
    return row if isinstance(row, compare.Row) else None


def _qsbr_free_reads(rs: ResultSet):
    rows = [(b, _row(rs, "read_cost", BASELINE, b)) for b in ("qsbr", "urcu-qsbr")]
    rows = [(b, r) for b, r in rows if r is not None]
    if not rows:
        return None
    free = [b for b, r in rows if r.below_resolution or r.ratio <= 1.1]
    detail = ", ".join(f"{b} {ratio_text(r)} none" for b, r in rows)
    return len(free) == len(rows), detail, confidences(rows)


def _rcu_scales_rwlock_does_not(rs: ResultSet):
    pus = pus_of(rs)
    if pus < 2:
        return None
    factors = {}
    for backend in ("qsbr", "rwlock"):
        points = [p for p in ok_points(rs).get("read_scalability", []) if p.backend == backend
                  and p.params.get("updaters", 0) == 0]
        by_readers = {p.params.get("readers"): p for p in points}
        if 1 in by_readers and pus in by_readers:
            row = compare.compare_points(backend, by_readers[1], by_readers[pus], "reads_per_s")
            if isinstance(row, compare.Row):
                factors[backend] = row
    if len(factors) < 2:
        return None
    qsbr, rwlock = factors["qsbr"].ratio, factors["rwlock"].ratio
    holds = qsbr >= 0.8 * pus and rwlock < 0.8 * pus and qsbr > rwlock
    return (holds, f"1 → {pus} readers: qsbr {qsbr:.3g}×, rwlock {rwlock:.3g}× (ideal {pus}×)",
            confidences(list(factors.items())))


def _barriers_cost_readers(rs: ResultSet):
    """Desnoyers et al. measured liburcu's flavors: urcu-mb's read side pays
    fences that urcu-memb's does not. Ours are shown beside them (our mb pays
    one locked instruction per section, cheap on some CPUs)."""
    pairs = [(f"{mb}/{memb}", _row(rs, "read_cost", memb, mb)) for memb, mb in
             (("urcu-memb", "urcu-mb"), ("memb", "mb"))]
    pairs = [(name, row) for name, row in pairs if row is not None]
    if not pairs:
        return None
    name, row = pairs[0]
    return (_decided(row, "a"), ", ".join(f"{n} {ratio_text(r)}" for n, r in pairs) + " (read-side cost)",
            _apart_note(row) + confidences(pairs))


def _apart_note(row: compare.Row) -> str:
    decided = _decided(row, "a") or _decided(row, "b")
    return "every repetition of one side beyond the other's; " if decided and not row.significant else ""


def _decided(row: compare.Row, expected: str) -> Optional[bool]:
    """Whether the row says side `expected` is better: significant, or, where n
    cannot reach significance, every repetition of one side beyond the other's;
    None where the data cannot decide."""
    if row.below_resolution:
        return None  # the lab cannot tell them apart
    if row.significant:
        return row.better == expected
    a, b = row.a.values, row.b.values
    apart_b_higher, apart_a_higher = max(a) < min(b), max(b) < min(a)
    if row.n_too_small and min(len(a), len(b)) >= APART_MIN and (apart_b_higher or apart_a_higher):
        b_better = apart_b_higher == row.metric.higher_is_better
        return b_better == (expected == "b")
    return None


def _call_rcu_spares_updaters(rs: ResultSet):
    """An updater that hands reclamation to call_rcu completes many more
    updates per second than one that waits in synchronize, with the same
    readers running (the nearest reader count where the set has no equal)."""
    found = []
    for backend in ("urcu-memb", "memb", "qsbr", "urcu-qsbr"):
        calls = [p for p in ok_points(rs).get("call_rcu", []) if p.backend == backend
                 and p.params.get("updaters") == 1 and not p.params.get("interval_ns")]
        syncs = [p for p in ok_points(rs).get("gp_latency", []) if p.backend == backend
                 and p.params.get("updaters") == 1]
        if not calls or not syncs:
            continue
        call = calls[0]
        readers = call.params.get("readers", 1)
        sync = min(syncs, key=lambda p: (abs(p.params.get("readers", 1) - readers), p.params.get("readers", 1)))
        call_rate, sync_rate = _summary(call, "callbacks_per_s"), _summary(sync, "syncs_per_s")
        if call_rate and sync_rate and sync_rate.median > 0:
            found.append((backend, call_rate.median / sync_rate.median, call_rate, sync_rate,
                          readers, sync.params.get("readers", 1)))
    if not found:
        return None
    holds = all(ratio >= 10 for _, ratio, *_ in found)
    detail = ", ".join(f"{b}: {ratio:.3g}× the synchronize calls per second ({_readers_pair(rc, rs_)})"
                       for b, ratio, _, _, rc, rs_ in found)
    confidence = "; ".join(f"{b}: callbacks/s {fmt_value(c.median)} (n {c.n}) vs syncs/s {fmt_value(s.median)} "
                           f"(n {s.n})" for b, _, c, s, _, _ in found)
    return holds, detail, confidence


def _readers_pair(call_readers: int, sync_readers: int) -> str:
    if call_readers == sync_readers:
        return readers_text(call_readers)
    return f"call_rcu with {readers_text(call_readers)}, synchronize with {readers_text(sync_readers)}"


def _variant_rows(rs: ResultSet, workload: str, a: str, b: str, metric: str, backend: str = "qsbr",
                  **fixed) -> List[Tuple[int, compare.Row]]:
    """(readers, row of variant b over variant a) for one backend at each reader
    count up to the PUs, the other parameters as `fixed` says."""
    pus, by_readers = pus_of(rs), {}
    for p in ok_points(rs).get(workload, []):
        if p.backend != backend or any(p.params.get(k) != v for k, v in fixed.items()):
            continue
        if p.params.get("readers", 1) <= pus:
            by_readers.setdefault(p.params.get("readers", 1), {})[p.params.get("variant")] = p
    out = []
    for readers, found in sorted(by_readers.items()):
        if a in found and b in found:
            row = compare.compare_points(workload, found[a], found[b], metric)
            if isinstance(row, compare.Row):
                out.append((readers, row))
    return out


def _route_lookups_scale(rs: ResultSet):
    """perfbook: RCU QSBR route lookups stay near the ideal as CPUs are added;
    a global lock's do not. Here: qsbr's RCU list, no updaters, 1 -> PUs
    readers, at least 0.8 of N-fold, and above the locked list at PUs."""
    rows = _variant_rows(rs, "route_table", "lock", "rcu", "reads_per_s", updaters=0, routes=PERFBOOK_ROUTES)
    scaling = [(r, p) for r, p in _reader_pairs(rs, "route_table", "rcu", updaters=0, routes=PERFBOOK_ROUTES)]
    if not rows or not scaling:
        return None
    most, row = rows[-1]
    readers, factor_row = scaling[-1]
    over_lock = _decided(row, "b")
    scales = factor_row.ratio >= 0.8 * readers
    holds = None if over_lock is None else (over_lock and scales)
    detail = (f"RCU lookups {factor_row.ratio:.3g}× from 1 to {readers} readers (ideal {readers}×), "
              f"{ratio_text(row)} the locked list's at {readers_text(most)}")
    return holds, detail, confidences([("rcu/lock", row), ("scaling", factor_row)])


def _reader_pairs(rs: ResultSet, workload: str, variant: str, backend: str = "qsbr", **fixed):
    """(N, row of N readers over 1) for one variant, N the most readers up to the PUs."""
    pus, by_readers = pus_of(rs), {}
    for p in ok_points(rs).get(workload, []):
        if p.backend == backend and p.params.get("variant") == variant and \
                all(p.params.get(k) == v for k, v in fixed.items()):
            by_readers[p.params.get("readers", 1)] = p
    counts = [r for r in sorted(by_readers) if r <= pus]
    if len(counts) < 2 or counts[0] != 1:
        return []
    row = compare.compare_points(workload, by_readers[1], by_readers[counts[-1]], "reads_per_s")
    return [(counts[-1], row)] if isinstance(row, compare.Row) else []


def _hash_rcu_beats_bucket_locks(rs: ResultSet):
    rows = _variant_rows(rs, "hash_lookup", "bucket", "rcu", "reads_per_s", hot_pct=90, updaters=1)
    if not rows:
        return None
    readers, row = rows[-1]
    return (_decided(row, "b"), f"{ratio_text(row)} the per-bucket locks' lookups at {readers_text(readers)}",
            _apart_note(row) + confidences([("rcu/bucket", row)]))


def _call_variant_keeps_updates_going(rs: ResultSet):
    rows = _variant_rows(rs, "ref_call_rcu", "sync", "call", "updates_per_s")
    if not rows:
        return None
    readers, row = rows[-1]
    return (_decided(row, "b"), f"call_rcu under the big lock {ratio_text(row)} synchronize's updates/s "
            f"at {readers_text(readers)}", _apart_note(row) + confidences([("call/sync", row)]))


def _all_of(verdicts: Sequence[Optional[bool]]) -> Optional[bool]:
    """A claim made of parts: fails if one part fails, undecided if one cannot
    be decided, holds if all hold."""
    if False in verdicts:
        return False
    return None if None in verdicts else True


def _point(rs: ResultSet, workload: str, backend: str, **fixed) -> Optional[Point]:
    """The one ok point of `workload` on `backend` whose parameters include `fixed`."""
    for p in ok_points(rs).get(workload, []):
        if p.backend == backend and all(p.params.get(k) == v for k, v in fixed.items()):
            return p
    return None


def _pair_row(workload: str, a: Optional[Point], b: Optional[Point], metric: str) -> Optional[compare.Row]:
    if a is None or b is None:
        return None
    row = compare.compare_points(workload, a, b, metric)
    return row if isinstance(row, compare.Row) else None


def _flavors_in_order(rs: ResultSet):
    """Desnoyers et al. Fig. 6.12: at one reader per CPU, QSBR reads more than
    the signal flavor, which reads more than the general-purpose (mb) one,
    which reads more than per-thread mutexes; liburcu's flavors, no updater."""
    pus = pus_of(rs)
    order = ("urcu-qsbr", "urcu-signal", "urcu-mb", "ptmutex")
    found = {b: _point(rs, "read_scalability", b, readers=pus, updaters=0) for b in order}
    rows = [(f"{hi}/{lo}", _pair_row("read_scalability", found[lo], found[hi], "reads_per_s"))
            for hi, lo in zip(order, order[1:])]
    rows = [(name, row) for name, row in rows if row is not None]
    if not rows:
        return None
    holds = _all_of([_decided(row, "b") for _, row in rows])
    if holds and len(rows) < len(order) - 1:
        holds = None  # a link of the chain was not measured
    detail = ", ".join(f"{name} {ratio_text(row)}" for name, row in rows) + f" (reads/s, {readers_text(pus)})"
    return holds, detail, confidences(rows)


def _cs_gap_closes(rs: ResultSet):
    """Desnoyers et al. Fig. 6.14: the longer the critical section, the less
    the read side's synchronization matters. Per-thread locks cost far more
    than QSBR on an empty section, within 10% from 1000 ns (a few thousand
    cycles; the paper: "about 1000 cycles"); the rwlock, whose lock word every
    reader writes, catches up later (the paper: 20,000 cycles on 8 cores),
    here by 10000 ns."""
    pus = pus_of(rs)

    def ratio(backend: str, cs_ns: int) -> Optional[compare.Row]:
        return _pair_row("cs_length", _point(rs, "cs_length", "qsbr", readers=pus, cs_ns=cs_ns),
                         _point(rs, "cs_length", backend, readers=pus, cs_ns=cs_ns), "ns_per_read")
    rows = [(name, row) for name, row in (("ptmutex/qsbr at 0 ns", ratio("ptmutex", 0)),
                                          ("ptmutex/qsbr at 1000 ns", ratio("ptmutex", 1000)),
                                          ("rwlock/qsbr at 10000 ns", ratio("rwlock", 10000))) if row is not None]
    if len(rows) < 3:
        return None
    (_, empty), (_, long_ptmutex), (_, long_rwlock) = rows
    close = lambda row: row.below_resolution or row.ratio <= 1.1
    holds = empty.ratio >= 2 and close(long_ptmutex) and close(long_rwlock)
    detail = ", ".join(f"{name} {ratio_text(row)}" for name, row in rows) + f" (ns per read, {readers_text(pus)})"
    return holds, detail, confidences(rows)


def _batching_raises_updates(rs: ResultSet):
    """Desnoyers et al. Fig. 6.17/6.18: retiring many objects per grace period
    lets one updater complete far more updates than waiting for a grace period
    per update. Here batch 64 against batch 1, no delay between updates: at
    least 2x on every RCU backend that ran both."""
    found = []
    for backend in ("qsbr", "urcu-qsbr", "urcu-signal", "urcu-memb", "memb", "signal"):
        one = _point(rs, "update_rate", backend, batch=1, delay_ns=0)
        many = _point(rs, "update_rate", backend, batch=64, delay_ns=0)
        row = _pair_row("update_rate", one, many, "updates_per_s")
        if row is not None:
            found.append((backend, row))
    if not found:
        return None
    holds = _all_of([_gains_twofold(row) for _, row in found])
    detail = ", ".join(f"{b} {ratio_text(row)}" for b, row in found) + " (updates/s, batch 64 over batch 1)"
    return holds, detail, confidences(found)


def _gains_twofold(row: compare.Row) -> Optional[bool]:
    better = _decided(row, "b")
    return better and row.ratio >= 2 if better else better


def _rcu_updates_beat_per_thread_locks(rs: ResultSet):
    """Desnoyers et al. Fig. 6.19: RCU updaters, reclamation batched, complete
    more updates per second than updaters that take every reader's lock per
    update (the paper: 2 million against 0.1 million, 4 readers and 4
    updaters on 8 cores). Here qsbr and urcu-qsbr at batch 64 against
    per-thread mutexes at batch 1, no delay, as many readers and updaters as
    the sweep ran."""
    lock = _point(rs, "update_rate", "ptmutex", batch=1, delay_ns=0)
    rows = [(f"{b}/ptmutex", _pair_row("update_rate", lock, _point(rs, "update_rate", b, batch=64, delay_ns=0),
                                        "updates_per_s")) for b in ("qsbr", "urcu-qsbr")]
    rows = [(name, row) for name, row in rows if row is not None]
    if not rows:
        return None
    holds = _all_of([_decided(row, "b") for _, row in rows])
    updaters = lock.params.get("updaters", 1)
    shape = f"{readers_text(lock.params.get('readers', 1))}, {updaters} updater{'' if updaters == 1 else 's'}"
    return (holds, ", ".join(f"{name} {ratio_text(row)}" for name, row in rows) + f" (updates/s, {shape})",
            _apart_note(rows[0][1]) + confidences(rows))


def _refcount_routes_collapse(rs: ResultSet):
    """perfbook, the Pre-BSD routing table with per-route reference counts:
    every lookup writes each entry's count, so adding CPUs lowers the total
    (perfbook: indistinguishable from the x-axis from 2 CPUs), while hazard
    pointers scale but stay below RCU. Here qsbr, no updater: refcnt's lookups
    at the PUs below its lookups at 1 reader, and hazptr below rcu at the PUs."""
    refcnt_pairs = _reader_pairs(rs, "route_table", "refcnt", updaters=0, routes=PERFBOOK_ROUTES)
    hazptr_pairs = _reader_pairs(rs, "route_table", "hazptr", updaters=0, routes=PERFBOOK_ROUTES)
    rows = _variant_rows(rs, "route_table", "rcu", "hazptr", "reads_per_s", updaters=0, routes=PERFBOOK_ROUTES)
    if not refcnt_pairs or not hazptr_pairs or not rows:
        return None
    readers, refcnt = refcnt_pairs[-1]
    _, hazptr_scaling = hazptr_pairs[-1]
    most, hazptr = rows[-1]
    holds = _all_of([_decided(refcnt, "a"), _decided(hazptr_scaling, "b"), _decided(hazptr, "a")])
    detail = (f"from 1 to {readers_text(readers)}: refcnt lookups {ratio_text(refcnt)}, "
              f"hazptr {ratio_text(hazptr_scaling)}; hazptr {ratio_text(hazptr)} RCU's at {readers_text(most)}")
    return holds, detail, confidences([("refcnt scaling", refcnt), ("hazptr scaling", hazptr_scaling),
                                       ("hazptr/rcu", hazptr)])


CLAIMS = (
    Claim("Desnoyers et al., IEEE TPDS 2012, and liburcu's documentation",
          "QSBR's read side costs what no synchronization costs", "read_cost", _qsbr_free_reads),
    Claim("Desnoyers et al., IEEE TPDS 2012, Fig. 6.12 and 6.13",
          "RCU readers scale with the CPUs; a reader-writer lock's readers do not "
          "(qsbr at least 0.8 of ideal, rwlock below it)", "read_scalability", _rcu_scales_rwlock_does_not),
    Claim("Desnoyers et al., IEEE TPDS 2012, Fig. 6.12",
          "readers of QSBR outrun the signal flavor's, which outrun mb's, which outrun per-thread mutexes'",
          "read_scalability", _flavors_in_order),
    Claim("Desnoyers et al., IEEE TPDS 2012, Fig. 6.14",
          "the longer the critical section, the less read-side synchronization matters: per-thread locks "
          "within 10% of QSBR from 1000 ns, the rwlock by 10000 ns, after costing at least 2x on empty sections",
          "cs_length", _cs_gap_closes),
    Claim("Desnoyers et al., IEEE TPDS 2012, Fig. 6.17 and 6.18",
          "retiring 64 objects per grace period gives an updater at least 2x the updates/s of one per grace period",
          "update_rate", _batching_raises_updates),
    Claim("Desnoyers et al., IEEE TPDS 2012, Fig. 6.19",
          "RCU updaters with batched reclamation complete more updates/s than per-thread-lock updaters",
          "update_rate", _rcu_updates_beat_per_thread_locks),
    Claim("perfbook, RCU implementations; Desnoyers et al. 2012",
          "a memory barrier in every read-side section (mb) costs readers more than membarrier (memb)",
          "read_cost", _barriers_cost_readers),
    Claim("QEMU commit adding call_rcu (seeds/)",
          "call_rcu keeps updaters off synchronize's latency: at least 10× the updates per second",
          "call_rcu", _call_rcu_spares_updaters),
    Claim("QEMU docs/devel/rcu.rst, RCU + reference count (seeds/)",
          "an updater under its big lock gets more done handing the unref to call_rcu than waiting in synchronize",
          "ref_call_rcu", _call_variant_keeps_updates_going),
    Claim("perfbook, Deferred Processing, figures 'Pre-BSD Routing Table Protected by RCU QSBR' and "
          "'... by Reference Counting'",
          "RCU route lookups scale nearly ideally (at least 0.8 of N-fold) and beat a global lock",
          "route_table", _route_lookups_scale),
    Claim("perfbook, Deferred Processing, figures 'Pre-BSD Routing Table Protected by Reference Counting' "
          "and '... by Hazard Pointers'",
          "per-route reference counting collapses as readers are added; hazard pointers scale but stay below RCU",
          "route_table", _refcount_routes_collapse),
    Claim("perfbook, Data Structures, 'Read-Mostly Data Structures' (hash_bkt_rcu vs hash_bkt)",
          "RCU hash lookups beat per-bucket locking with a hot key under updates",
          "hash_lookup", _hash_rcu_beats_bucket_locks),
)


def claims(rs: ResultSet) -> List[Finding]:
    out = []
    for claim in CLAIMS:
        judged = claim.judge(rs)
        if judged is None:
            out.append(Finding("claim", f"{claim.statement} ({claim.source})", "",
                               "this set has no points that test it", "not measured"))
            continue
        holds, detail, confidence = judged
        verdict = "undecided" if holds is None else "holds" if holds else "fails"
        out.append(Finding("claim", f"{claim.statement} ({claim.source}): {detail}",
                           workload_anchor(claim.workload), confidence, verdict))
    return out


# ---- anomalies --------------------------------------------------------------------

def anomalies(rs: ResultSet) -> List[Finding]:
    out = []
    failed: Dict[str, List[str]] = {}
    for key, point in sorted(rs.points.items()):
        if not point.ok:
            failed.setdefault((point.error or {}).get("reason", "unknown"), []).append(key)
    for reason, keys in sorted(failed.items(), key=lambda item: -len(item[1])):
        out.append(Finding("anomaly", f"{len(keys)} point{'s' if len(keys) > 1 else ''} failed ({reason}): "
                           + ", ".join(keys[:3]) + (" …" if len(keys) > 3 else ""), PROBLEMS_ANCHOR,
                           "recorded with status failed; no table or chart uses them"))
    noisy = [k for k, p in sorted(rs.points.items()) if p.ok and p.noise]
    if noisy:
        reasons = sorted({r for k in noisy for r in rs.points[k].noise})
        out.append(Finding("anomaly", f"{len(noisy)} point{'s' if len(noisy) > 1 else ''} ran on a noisy host "
                           f"({'; '.join(reasons)})", PROBLEMS_ANCHOR, "host_state.noise in their records"))
    bimodal = [k for k, p in sorted(rs.points.items()) if p.ok and _bimodal(p)]
    if bimodal:
        out.append(Finding("anomaly", f"{len(bimodal)} point{'s' if len(bimodal) > 1 else ''} with bimodal "
                           "repetitions: " + ", ".join(bimodal[:3]) + (" …" if len(bimodal) > 3 else ""),
                           PROBLEMS_ANCHOR, "two clusters explain at least 90% of the variance"))
    if rs.missing:
        out.append(Finding("anomaly", f"{len(rs.missing)} points of the manifest have no record "
                           "(an interrupted or running sweep)", PROBLEMS_ANCHOR, "manifest against points/"))
    return out


def all_findings(rs: ResultSet) -> List[Finding]:
    return claims(rs) + scalability(rs) + standing(rs) + crossovers(rs) + anomalies(rs)


# ---- helpers ------------------------------------------------------------------

def _summary(point: Point, metric_name: str) -> Optional[stats.Summary]:
    if metric_name not in metrics.METRICS:
        return None
    return stats.summarize([v for v, _ in metrics.values(point, metrics.METRICS[metric_name])])


def _bimodal(point: Point) -> bool:
    values = [v for v, _ in metrics.values(point, metrics.primary_metric(point))]
    return stats.bimodal_split(values) is not None


def workload_summary(workload: str) -> str:
    w = catalogue.workload(workload)
    return w.summary if w else ""
