"""The JSON Schemas of lab/schema/ and checking a document against one, with
each problem located: `repetitions[0].counters.wall_ns: expected number`."""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import List, Tuple

from lab.base.errors import LabError

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schema"
SCHEMAS = {"record": "record.schema.json", "manifest": "manifest.schema.json"}
REQUIRED = re.compile(r"'(.+)' is a required property")


@lru_cache(maxsize=None)
def validator(kind: str):
    try:
        import jsonschema
    except ImportError:
        raise LabError("python3-jsonschema is missing; install it with: sudo apt-get install -y "
                       "python3-jsonschema (or run ./rculab setup)") from None
    store = {}
    for path in SCHEMA_DIR.glob("*.schema.json"):
        doc = json.loads(path.read_text())
        store[doc["$id"]] = doc
    schema = json.loads((SCHEMA_DIR / SCHEMAS[kind]).read_text())
    resolver = jsonschema.RefResolver(schema["$id"], schema, store=store)
    return jsonschema.Draft202012Validator(schema, resolver=resolver)


def field_path(parts) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def describe(error) -> Tuple[str, str]:
    """(field, problem) in the lab's words."""
    field = field_path(error.absolute_path)
    if error.validator == "required":
        missing = REQUIRED.match(error.message)
        name = missing.group(1) if missing else "?"
        return (f"{field}.{name}" if field else name), "missing"
    if error.validator == "type":
        wanted = error.validator_value
        wanted = " or ".join(wanted) if isinstance(wanted, list) else wanted
        return field, f"expected {wanted}, got {json.dumps(error.instance)[:60]}"
    if error.validator == "const":
        return field, f"expected {json.dumps(error.validator_value)}, got {json.dumps(error.instance)[:60]}"
    if error.validator == "enum":
        return field, f"expected one of {', '.join(map(json.dumps, error.validator_value))}, got {json.dumps(error.instance)[:60]}"
    return field, error.message


def problems(kind: str, doc) -> List[Tuple[str, str]]:
    errors = sorted(validator(kind).iter_errors(doc), key=lambda e: [str(p) for p in e.absolute_path])
    return [describe(error) for error in errors]
