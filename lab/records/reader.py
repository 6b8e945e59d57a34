"""Load a result set (manifest + point records, lab/RECORDS.md version 1).

Every problem is one LabError naming the file and the field, so the CLI prints
one `rculab: error:` line. Only what the analysis reads is checked."""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from lab.base import paths
from lab.base.errors import LabError
from lab.records import plausible, sets
from lab.records.resultset import MANIFEST

SCHEMA_VERSION = 1
# None: where the rest of the lab looks (paths.results_root() and
# paths.hw_profiles_root(), which honour RCULAB_RESULTS / RCULAB_HW_PROFILES);
# tests may point these elsewhere.
RESULTS_ROOT: Path | None = None
PROFILES_ROOT: Path | None = None


def results_root() -> Path:
    return RESULTS_ROOT or paths.results_root()


def profiles_root() -> Path:
    return PROFILES_ROOT or paths.hw_profiles_root()
STATUSES = ("ok", "failed")


@dataclass
class Repetition:
    index: int
    counters: Dict[str, float]
    label: str = ""
    histogram: Optional[Dict[str, int]] = None  # sparse bucket index -> count
    max_ns: Optional[int] = None
    series: Dict[str, Tuple[int, List[float]]] = field(default_factory=dict)  # name -> (period_ns, values)


@dataclass
class Point:
    key: str
    benchmark: str
    workload: str
    backend: str
    params: Dict[str, object]
    status: str
    error: Optional[dict]
    repetitions: List[Repetition]
    context: Dict[str, object]
    path: Path
    noise: List[str] = field(default_factory=list)  # why the host was noisy while it ran (host_state.noise)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def param_key(self) -> tuple:
        """What identifies the point apart from its backend."""
        return (self.workload, tuple(sorted(self.params.items(), key=lambda kv: kv[0])))


@dataclass
class ResultSet:
    path: Path
    set_id: str
    profile_id: str
    manifest: dict
    points: Dict[str, Point] = field(default_factory=dict)
    missing: List[str] = field(default_factory=list)  # in the manifest, no record yet

    @property
    def context(self) -> Dict[str, object]:
        """The first record's context (a set is built from one binary)."""
        for point in self.points.values():
            if point.context:
                return point.context
        return {}

    @property
    def label(self) -> str:
        return f"{self.profile_id}/{self.set_id}"


def resolve(arg: str) -> Path:
    """A set given as a path to its folder, or as a set id under results/*/."""
    return sets.find_set(arg, results_root())


def all_sets() -> List[Path]:
    """Every set under results/<profile>/<set>/ that has its manifest."""
    return [p for p in sets.all_sets(results_root()) if (p / MANIFEST).is_file()]


def read_json(path: Path) -> dict:
    try:
        doc = json.loads(path.read_bytes())
    except FileNotFoundError:
        raise LabError(f"{path}: missing") from None
    except (ValueError, UnicodeDecodeError) as err:
        raise LabError(f"{path}: not valid JSON ({err})") from None
    if not isinstance(doc, dict):
        raise LabError(f"{path}: expected a JSON object")
    return doc


def need(doc: dict, name: str, kind, path: Path, where: str = ""):
    """doc[name], which must be an instance of `kind`."""
    value = doc.get(name) if isinstance(doc, dict) else None
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        what = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
        got = "missing" if name not in doc else f"got {type(value).__name__}"
        raise LabError(f"{path}: field '{where}{name}': expected {what}, {got}")
    return value


def check_header(doc: dict, kind: str, path: Path) -> None:
    version = doc.get("schema_version")
    if version != SCHEMA_VERSION:
        raise LabError(f"{path}: schema_version {version!r} is not supported (this lab reads version {SCHEMA_VERSION})")
    if doc.get("kind") != kind:
        raise LabError(f"{path}: field 'kind': expected {kind!r}, got {doc.get('kind')!r}")


def parse_repetition(doc, path: Path, where: str) -> Repetition:
    if not isinstance(doc, dict):
        raise LabError(f"{path}: field '{where}': expected object")
    counters = need(doc, "counters", dict, path, where + ".")
    for name, value in counters.items():
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
            raise LabError(f"{path}: field '{where}.counters.{name}': expected a finite number, got {value!r}")
    histogram, max_ns = None, None
    hist = doc.get("latency_histogram")
    if hist is not None:
        counts = need(hist, "counts", dict, path, where + ".latency_histogram.")
        for index, count in counts.items():
            if not index.isdigit() or not isinstance(count, int) or count < 0:
                raise LabError(f"{path}: field '{where}.latency_histogram.counts.{index}': "
                               "expected a bucket index and a count")
        histogram, max_ns = counts, hist.get("max_ns")
    label = doc.get("label") or ""
    return Repetition(int(doc.get("index", 0)), counters, str(label), histogram, max_ns,
                      parse_series(doc.get("series"), path, where))


def parse_series(doc, path: Path, where: str) -> Dict[str, Tuple[int, List[float]]]:
    """A repetition's time series (RECORDS.md, `series`), checked."""
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise LabError(f"{path}: field '{where}.series': expected object")
    out = {}
    for name, s in doc.items():
        period = s.get("period_ns") if isinstance(s, dict) else None
        values = s.get("values") if isinstance(s, dict) else None
        if (not isinstance(period, int) or isinstance(period, bool) or period < 0 or not isinstance(values, list)
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
                           for v in values)):
            raise LabError(f"{path}: field '{where}.series.{name}': expected period_ns and a list of numbers")
        out[name] = (period, [float(v) for v in values])
    return out


def parse_point(path: Path) -> Point:
    doc = read_json(path)
    check_header(doc, "rculab.point", path)
    point = need(doc, "point", dict, path)
    key = need(point, "key", str, path, "point.")
    if key != path.stem:
        raise LabError(f"{path}: field 'point.key': {key!r} does not match the file name")
    status = need(doc, "status", str, path)
    if status not in STATUSES:
        raise LabError(f"{path}: field 'status': expected one of {', '.join(STATUSES)}, got {status!r}")
    reps = [parse_repetition(r, path, f"repetitions[{i}]") for i, r in enumerate(need(doc, "repetitions", list, path))]
    workload = need(point, "workload", str, path, "point.")
    error = doc.get("error")
    if status == "ok":
        found = plausible.findings(workload, [{"counters": r.counters} for r in reps])
        if found:  # an older record the runner did not judge: never a number in a table or chart
            status, error = "failed", {"reason": "implausible", "message": plausible.summary(found)}
    return Point(
        key=key,
        benchmark=str(point.get("benchmark", "")),
        workload=workload,
        backend=need(point, "backend", str, path, "point."),
        params=need(point, "params", dict, path, "point."),
        status=status,
        error=error,
        repetitions=reps,
        context=doc.get("context") or {},
        path=path,
        noise=[str(r) for r in ((doc.get("host_state") or {}).get("noise") or [])],
    )


def load_set(folder) -> ResultSet:
    folder = Path(folder)
    manifest_path = folder / "manifest.json"
    manifest = read_json(manifest_path)
    check_header(manifest, "rculab.set", manifest_path)
    result = ResultSet(path=folder,
                       set_id=need(manifest, "set_id", str, manifest_path),
                       profile_id=need(manifest, "profile_id", str, manifest_path),
                       manifest=manifest)
    listed = need(manifest, "points", list, manifest_path)
    keys = []
    for i, entry in enumerate(listed):
        keys.append(need(entry, "key", str, manifest_path, f"points[{i}]."))
    # Hidden names are a writer's temporaries; points/.superseded/ is not globbed.
    for path in sorted((folder / "points").glob("[!.]*.json")):
        point = parse_point(path)
        result.points[point.key] = point
    result.missing = [key for key in keys if key not in result.points]
    return result


def load(arg: str) -> ResultSet:
    return load_set(resolve(arg))


def add_sets_argument(parser) -> None:
    parser.add_argument("sets", nargs="*", metavar="SET",
                        help="set id (under results/*/) or set folder; none: every set under results/")


def load_many(args: List[str]) -> List[ResultSet]:
    """The named sets, or every set under results/ when none is named. All are
    read before the caller writes anything."""
    if args:
        return [load(arg) for arg in args]
    folders = all_sets()
    if not folders:
        raise LabError(f"no result sets under {results_root()}/*/")
    return [load_set(folder) for folder in folders]


def host_profile(profile_id: str) -> Optional[dict]:
    """hw-profiles/<id>/profile.json when it exists (any JSON object), else None."""
    path = profiles_root() / profile_id / "profile.json"
    return read_json(path) if path.is_file() else None
