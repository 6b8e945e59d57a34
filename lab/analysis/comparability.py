"""What differs between two result sets, and whether comparing them means
anything: "comparable" when only the thing under test differs (the commit,
the build, or nothing: an A/A rerun), "comparable, with caveats" when the runs
differ in ways that shift some numbers (repetitions, spec, placement) or the
hosts differ, "NOT comparable" when the measurement itself differs (the
window) or too few points pair up to say anything."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, List, Optional

from lab.records.reader import ResultSet

COMPARABLE = "comparable"
CAVEATS = "caveats"
NOT_COMPARABLE = "not_comparable"
TITLES = {COMPARABLE: "comparable", CAVEATS: "comparable, with caveats", NOT_COMPARABLE: "NOT comparable"}
# Below this share of the larger set's points in both sets, the sets measured different things.
MIN_MATCHED_SHARE = 0.5


def text(value) -> Optional[str]:
    """None for an unrecorded value; booleans as the spec writes them."""
    if value is None or str(value).strip() == "":
        return None
    return str(value).lower() if isinstance(value, bool) else str(value).strip()


def number(value) -> Optional[str]:
    """One spelling per number: 0.2 and "0.200000" (the context's) are the same window."""
    try:
        return f"{float(value):g}"
    except (TypeError, ValueError):
        return text(value)


def spec_or_context(spec_key: str, context_key: str = "", spell=text) -> Callable[[ResultSet], Optional[str]]:
    """The manifest's resolved spec field, else the records' context (older manifests lack some)."""
    def read(s: ResultSet) -> Optional[str]:
        value = (s.manifest.get("spec") or {}).get(spec_key)
        if value is None and context_key:
            value = s.context.get(context_key)
        return spell(value)
    return read


def commit(s: ResultSet) -> Optional[str]:
    return text((s.manifest.get("tool") or {}).get("rculab_commit") or s.context.get("rculab_commit"))


def context(key: str) -> Callable[[ResultSet], Optional[str]]:
    return lambda s: text(s.context.get(key))


@dataclass(frozen=True)
class Aspect:
    name: str
    role: str   # "host", "commit", "build": what a comparison may be about; "window": must match; "run": a caveat
    read: Callable[[ResultSet], Optional[str]]


ASPECTS = (
    Aspect("host", "host", lambda s: s.profile_id),
    Aspect("commit", "commit", commit),
    Aspect("compiler", "build", context("compiler")),
    Aspect("cxx_flags", "build", context("cxx_flags")),
    Aspect("liburcu", "build", context("liburcu_version")),
    Aspect("duration", "window", spec_or_context("duration", "lab_measure_seconds", number)),
    Aspect("spec", "run", spec_or_context("name")),
    Aspect("repetitions", "run", spec_or_context("repetitions", spell=number)),
    Aspect("warmup", "run", spec_or_context("warmup", "lab_warmup_seconds", number)),
    Aspect("worker_placement", "run", spec_or_context("worker_placement", "lab_worker_placement")),
    Aspect("interleave", "run", spec_or_context("interleave")),
    Aspect("adaptive_ci", "run", spec_or_context("adaptive_ci", spell=number)),
)
SUBJECT_ROLES = ("host", "commit", "build")


@dataclass(frozen=True)
class Difference:
    aspect: str
    role: str
    a: str
    b: str

    def text(self) -> str:
        return f"{self.aspect} {self.a} -> {self.b}"


@dataclass
class Verdict:
    level: str                 # COMPARABLE, CAVEATS or NOT_COMPARABLE
    subject: str               # what is being compared
    reasons: List[str] = field(default_factory=list)            # why the caveats, or why not comparable
    differences: List[Difference] = field(default_factory=list)

    @property
    def title(self) -> str:
        return TITLES[self.level]

    def line(self) -> str:
        return f"{self.title}: {self.subject}" + (f"; {'; '.join(self.reasons)}" if self.reasons else "")


def differences(a: ResultSet, b: ResultSet) -> List[Difference]:
    """Aspects both sets record, with different values (an unrecorded one is no evidence either way)."""
    out = []
    for aspect in ASPECTS:
        va, vb = aspect.read(a), aspect.read(b)
        if va is not None and vb is not None and va != vb:
            out.append(Difference(aspect.name, aspect.role, va, vb))
    return out


def change(d: Difference) -> str:
    return f"{d.aspect}s {d.a} -> {d.b}" if d.role in ("host", "commit") else d.text()


def subject(diffs: List[Difference], same_commit: bool) -> str:
    """What the comparison is about: the host, commit and build aspects that differ."""
    about = [d for d in diffs if d.role in SUBJECT_ROLES]
    if not about:
        where = "one commit on one host" if same_commit else "one host (commits not recorded)"
        return f"{where}, run twice" + ("" if diffs else " (A/A: any difference is noise)")
    roles = {d.role for d in about}
    phrase = ", ".join(change(d) for d in about)
    if "host" not in roles:
        phrase += " on one host"
    if same_commit:
        phrase += " at one commit"
    return phrase


def set_verdict(a: ResultSet, b: ResultSet, matched: int) -> Verdict:
    """The verdict for two sets of which `matched` points pair up by key."""
    diffs = differences(a, b)
    roles = {d.role for d in diffs}
    blocking = [f"different {d.aspect}: another measurement window" for d in diffs if d.role == "window"]
    larger = max(len(a.points), len(b.points))
    if larger and matched < MIN_MATCHED_SHARE * larger:
        blocking.append(f"only {matched} of {larger} points in both sets (different spec groups?)")
    caveats = [f"different {d.aspect}" for d in diffs if d.role == "run"]  # the values: the differences line
    if larger and MIN_MATCHED_SHARE * larger <= matched < larger:
        caveats.append(f"{matched} of {larger} points in both sets")
    subject_roles = roles & set(SUBJECT_ROLES)
    if len(subject_roles) > 1:
        caveats.append(f"{' and '.join(r for r in SUBJECT_ROLES if r in subject_roles)} differ together: "
                       "a change cannot be put down to one of them")
    elif "host" in subject_roles:
        caveats.append("hosts differ: a host comparison (machines and their noise), not a code one")
    level = NOT_COMPARABLE if blocking else CAVEATS if caveats else COMPARABLE
    same_commit = commit(a) is not None and commit(a) == commit(b)
    return Verdict(level, subject(diffs, same_commit), blocking + caveats, diffs)


def backends_verdict(backend_a: str, backend_b: str) -> Verdict:
    """Two backends of one set share its host, commit, build and run."""
    return Verdict(COMPARABLE, f"backends {backend_a} -> {backend_b} within one set (one host, commit and run)")
