"""A result set seen as Google Benchmark rows, so the comparison table of
`rculab run` (lab/analysis/summary.py) reads a sweep's records the way it read one
rculab-bench JSON: one iteration row per repetition, failed points as error rows."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List, Tuple

from lab.records import gbjson


def rows_of(record: dict) -> List[dict]:
    name = record["point"].get("listed_name") or record["point"]["benchmark"] + "/iterations:1/manual_time"
    if record["status"] != "ok" and not record.get("repetitions"):
        return [{"name": name, "run_type": "iteration", "error_occurred": True,
                 "error_message": (record.get("error") or {}).get("message", "failed")}]
    rows = []
    for rep in record.get("repetitions", []):
        row = {"name": name, "run_type": "iteration", "repetition_index": rep.get("index", 0),
               "label": rep.get("label", "")}
        row.update(rep["counters"])
        rows.append(row)
    return rows


def document(set_dir: Path) -> Tuple[dict, Dict[str, dict]]:
    """(GB-style document of every record, records by key)."""
    records = {p.name[:-len(".json")]: json.loads(p.read_text())
               for p in sorted((set_dir / "points").glob("*.json"))}
    first = next(iter(records.values()), {})
    doc = {"context": first.get("context", {}),
           "benchmarks": [row for record in records.values() for row in rows_of(record)]}
    return gbjson.check_document(doc, str(set_dir)), records


def failed_points(records: Dict[str, dict]) -> List[str]:
    return [f"{key} ({(r.get('error') or {}).get('reason', 'failed')})"
            for key, r in records.items() if r["status"] != "ok"]
