"""Reading a sweep spec (TOML) and checking every key before anything runs.

    name = "mine"                 # set ids end with it (default: the file's stem)
    description = "..."
    seed = 42                     # run-order seed (default: random, recorded)
    repetitions = 3               # --benchmark_repetitions per point
    interleave = true             # repetitions as passes over every point (rep 1 of all, then rep 2, ...)
    adaptive_ci = 0.05            # more passes for a point until its headline's 95% median CI is
                                  # within +-5% (0, the default: exactly `repetitions`)
    max_repetitions = 20          # adaptive's cap (default 20, at least `repetitions`)
    duration = 0.2                # measured window, s
    warmup = 0.05                 # warm-up, s
    timeout = 600                 # per point, s (default: from the window)
    tolerate_bind_failure = false
    worker_placement = "free"     # call_rcu workers: free (PUs no measured thread uses,
                                  # else unpinned) or compact|scatter|cores|smt (pinned
                                  # after the measured threads, beside them once PUs run out)
    [[group]]                     # one or more
    name = "reads"
    workloads = ["read_cost", "read_scalability"]   # or "all"
    backends = "all"              # or ["qsbr", "urcu-qsbr"]
    readers = ["1..pus", "2*pus", "4*pus"]          # see lab/spec/axes.py
    updaters = [1]
    placements = ["compact"]
    params = { cs_ns = [0, 1000] }  # optional: keep only these values of the workloads' own
                                    # parameters (rculab list --json names them)
"""
from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any, Dict, List, Optional

from lab.spec import axes
from lab.spec.errors import SpecError

PRESETS_DIR = Path(__file__).resolve().parent.parent / "presets"
NAME = re.compile(r"[A-Za-z0-9_.-]+")
# rculab-bench's limits (--benchmark_repetitions, --duration and --warmup):
# beyond them every point would fail, after the set was started.
BENCH_MAX_REPETITIONS = 1000
BENCH_MAX_SECONDS = 3600

# key -> (check, default); a default of None means optional without a value.
TOP_DEFAULTS = {"name": None, "description": "", "seed": None, "repetitions": 3, "duration": 0.2,
                "warmup": 0.05, "timeout": None, "tolerate_bind_failure": False, "worker_placement": "free",
                "interleave": True, "adaptive_ci": 0, "max_repetitions": None,
                "group": None}
# Adaptive repetitions stop at this many unless the spec says.
DEFAULT_MAX_REPETITIONS = 20
GROUP_DEFAULTS = {"name": None, "workloads": "all", "backends": "all", "readers": [1],
                  "updaters": [1], "placements": ["compact"], "params": {}}
# Parameters a group's `params` may not filter: the axes it names itself.
AXIS_PARAMS = ("readers", "placement")


def point_timeout(spec: dict) -> float:
    """A point's time limit: the spec's timeout_s, else a generous default (process
    start-up, every repetition's warm-up + window, which can stretch under
    oversubscription, the final grace periods, slow hosts)."""
    if spec.get("timeout_s"):
        return float(spec["timeout_s"])
    return 120 + 20 * spec["repetitions"] * (spec["duration"] + spec["warmup"])


def preset_names() -> List[str]:
    return sorted(p.stem for p in PRESETS_DIR.glob("*.toml"))


def preset_path(name: str) -> Path:
    if name not in preset_names():
        raise SpecError("", f"unknown preset {name!r} (one of: {', '.join(preset_names())})", "--preset")
    return PRESETS_DIR / f"{name}.toml"


def read_toml(path: Path) -> Dict[str, Any]:
    import tomllib  # Python 3.11+, only where specs are resolved (not in the runner)
    try:
        with open(path, "rb") as source:
            return tomllib.load(source)
    except OSError as err:
        raise SpecError("", f"cannot read the spec: {err.strerror}", str(path)) from None
    except tomllib.TOMLDecodeError as err:
        raise SpecError("", f"not valid TOML ({err})", str(path)) from None


def load(path: Path, source: str = "") -> Dict[str, Any]:
    """The spec as written, every key checked and defaults filled in."""
    source = source or str(path)
    try:
        return check(read_toml(path), Path(path).stem)
    except SpecError as err:
        raise err.located(err.source or source) from None


def unknown_keys(table: dict, known: dict, where: str) -> None:
    for key in table:
        if key not in known:
            raise SpecError(f"{where}{key}", f"unknown key (known: {', '.join(known)})")


def number(value, field: str, minimum: float, inclusive: bool = False, maximum: float = math.inf) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise SpecError(field, f"expected a number, got {value!r}")
    if value < minimum or (value == minimum and not inclusive):
        raise SpecError(field, f"must be {'at least' if inclusive else 'greater than'} {minimum:g}, got {value!r}")
    if value > maximum:
        raise SpecError(field, f"must be at most {maximum:g}, got {value!r}")
    return float(value)


def whole(value, field: str, minimum: int, maximum: Optional[int] = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise SpecError(field, f"expected a whole number, got {value!r}")
    if value < minimum:
        raise SpecError(field, f"must be at least {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise SpecError(field, f"must be at most {maximum}, got {value}")
    return value


def text(value, field: str, pattern=None) -> str:
    if not isinstance(value, str) or (pattern is not None and not pattern.fullmatch(value)):
        allowed = " of letters, digits, '-', '_', '.'" if pattern is not None else ""
        raise SpecError(field, f"expected a string{allowed}, got {value!r}")
    return value


def names_or_all(value, field: str):
    if value == "all":
        return "all"
    if not isinstance(value, list) or not value:
        raise SpecError(field, f"expected \"all\" or a non-empty list of names, got {value!r}")
    for index, item in enumerate(value):
        text(item, f"{field}[{index}]", NAME)
    return list(value)


def check(doc: Dict[str, Any], default_name: str) -> Dict[str, Any]:
    unknown_keys(doc, TOP_DEFAULTS, "")
    spec = {key: doc.get(key, default) for key, default in TOP_DEFAULTS.items()}
    spec["name"] = text(spec["name"] or default_name, "name", NAME)
    text(spec["description"], "description")
    if spec["seed"] is not None:
        whole(spec["seed"], "seed", 0)
    whole(spec["repetitions"], "repetitions", 1, BENCH_MAX_REPETITIONS)
    spec["duration"] = number(spec["duration"], "duration", 0, maximum=BENCH_MAX_SECONDS)
    spec["warmup"] = number(spec["warmup"], "warmup", 0, inclusive=True, maximum=BENCH_MAX_SECONDS)
    if spec["timeout"] is not None:
        spec["timeout"] = number(spec["timeout"], "timeout", 0)
    if not isinstance(spec["tolerate_bind_failure"], bool):
        raise SpecError("tolerate_bind_failure", f"expected true or false, got {spec['tolerate_bind_failure']!r}")
    text(spec["worker_placement"], "worker_placement", NAME)  # rculab-bench names the values it takes
    if not isinstance(spec["interleave"], bool):
        raise SpecError("interleave", f"expected true or false, got {spec['interleave']!r}")
    check_adaptive(spec)
    groups = spec["group"]
    if not isinstance(groups, list) or not groups or not all(isinstance(g, dict) for g in groups):
        raise SpecError("group", "expected one or more [[group]] tables")
    spec["group"] = [check_group(group, f"group[{index}]") for index, group in enumerate(groups, start=1)]
    return spec


def check_adaptive(spec: Dict[str, Any]) -> None:
    """adaptive_ci: a relative half-width in [0, 1); max_repetitions: its cap."""
    spec["adaptive_ci"] = number(spec["adaptive_ci"], "adaptive_ci", 0, inclusive=True, maximum=0.99)
    if spec["max_repetitions"] is None:
        spec["max_repetitions"] = max(spec["repetitions"], DEFAULT_MAX_REPETITIONS) if spec["adaptive_ci"] else \
            spec["repetitions"]
    whole(spec["max_repetitions"], "max_repetitions", spec["repetitions"], BENCH_MAX_REPETITIONS)
    if spec["adaptive_ci"] and not spec["interleave"]:
        raise SpecError("adaptive_ci", "needs interleave = true (a point is measured again pass by pass)")
    if spec["max_repetitions"] > spec["repetitions"] and not spec["adaptive_ci"]:
        raise SpecError("max_repetitions", "only means something with adaptive_ci above 0")


def check_group(group: dict, where: str) -> Dict[str, Any]:
    unknown_keys(group, GROUP_DEFAULTS, f"{where}.")
    out = {key: group.get(key, default) for key, default in GROUP_DEFAULTS.items()}
    if out["name"] is not None:
        text(out["name"], f"{where}.name")
    out["workloads"] = names_or_all(out["workloads"], f"{where}.workloads")
    out["backends"] = names_or_all(out["backends"], f"{where}.backends")
    for axis in ("readers", "updaters"):
        axes.check(out[axis], f"{where}.{axis}")
    placements = out["placements"]
    if not isinstance(placements, list) or not placements:
        raise SpecError(f"{where}.placements", f"expected a non-empty list of names, got {placements!r}")
    for index, item in enumerate(placements):
        text(item, f"{where}.placements[{index}]", NAME)
    out["params"] = check_params(out["params"], out["workloads"], f"{where}.params")
    return out


def check_params(table, workloads, field: str) -> Dict[str, list]:
    """`params`: a workload parameter -> the values to keep. Each name must be
    a parameter of one of the group's workloads (catalogue.json)."""
    from lab.records import catalogue
    if not isinstance(table, dict):
        raise SpecError(field, f"expected a table of parameter = [values], got {table!r}")
    known = catalogue.workloads()
    mine = known.values() if workloads == "all" else [known[w] for w in workloads if w in known]
    names = sorted({key for w in mine for key in w.param_keys} - set(AXIS_PARAMS))
    out = {}
    for name, values in table.items():
        if name not in names:
            raise SpecError(f"{field}.{name}", f"not a parameter of these workloads (one of: {', '.join(names)})")
        if not isinstance(values, list) or not values or not all(
                isinstance(v, (int, str)) and not isinstance(v, bool) for v in values):
            raise SpecError(f"{field}.{name}", f"expected a non-empty list of values, got {values!r}")
        out[name] = list(values)
    return out


def resolve(spec: Dict[str, Any], pus: int, source: str, seed: int) -> Dict[str, Any]:
    """The spec with every field filled in for a host with `pus` PUs (the
    manifest's `spec`)."""
    resolved = {
        "name": spec["name"], "description": spec["description"], "source": source,
        "seed": seed, "repetitions": spec["repetitions"], "duration": spec["duration"],
        "warmup": spec["warmup"], "tolerate_bind_failure": spec["tolerate_bind_failure"],
        "worker_placement": spec["worker_placement"], "interleave": spec["interleave"],
        "adaptive_ci": spec["adaptive_ci"], "max_repetitions": spec["max_repetitions"], "pus": pus,
        "groups": [dict(group, name=group["name"] or f"group{index}",
                        readers=axes.evaluate(group["readers"], pus),
                        updaters=axes.evaluate(group["updaters"], pus))
                   for index, group in enumerate(spec["group"], start=1)],
    }
    resolved["timeout_s"] = spec["timeout"] or point_timeout(resolved)
    return resolved
