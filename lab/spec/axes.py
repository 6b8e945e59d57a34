"""Thread-count axes that scale with the host: each element is a whole number
or an expression in `pus` (the PU count): `pus`, `pus/2`, `2*pus`, or a range
`A..B` of those, e.g. readers = ["1..pus", "2*pus", "4*pus"], or a range
that doubles (or grows by another whole factor) and always ends at B,
`A..B:x2`: "1..pus:x2" is 1, 2, 4, ..., PUs, a dozen counts on 448 PUs
where "1..pus" would be 448."""
from __future__ import annotations

import re
from typing import List, Union

from lab.spec.errors import SpecError

TERM = r"(?:\d+|pus|pus/\d+|\d+\*pus)"
ELEMENT = re.compile(rf"({TERM})(?:\.\.({TERM})(?::x(\d+))?)?")
HELP = "a positive whole number or an expression like 'pus', 'pus/2', '2*pus', '1..pus', '1..pus:x2'"


def check(values, field: str) -> List[Union[int, str]]:
    """The axis as written, checked (so errors come before any work)."""
    if not isinstance(values, list) or not values:
        raise SpecError(field, f"expected a non-empty list of {HELP}")
    for index, value in enumerate(values):
        where = f"{field}[{index}]"
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise SpecError(where, f"expected {HELP}, got {value!r}")
        if isinstance(value, int) and value < 1:
            raise SpecError(where, f"expected {HELP}, got {value}")
        if isinstance(value, str):
            match = ELEMENT.fullmatch(value.replace(" ", ""))
            if not match:
                raise SpecError(where, f"expected {HELP}, got {value!r}")
            if match.group(2) and term(match.group(1), 1) == 0:
                raise SpecError(where, f"a range starts at 1 or more, got {value!r}")
            if match.group(3) is not None and int(match.group(3)) < 2:
                raise SpecError(where, f"a growing range's factor is 2 or more, got {value!r}")
    return values


def term(text: str, pus: int) -> int:
    if text == "pus":
        return pus
    if text.startswith("pus/"):
        return max(1, pus // int(text[4:]))  # never 0 threads on a 1-PU host
    if text.endswith("*pus"):
        return int(text[:-4]) * pus
    return int(text)


def evaluate(values: List[Union[int, str]], pus: int) -> List[int]:
    """Sorted, de-duplicated counts for a host with `pus` PUs."""
    out = set()
    for value in values:
        if isinstance(value, int):
            out.add(value)
            continue
        low, high, factor = ELEMENT.fullmatch(value.replace(" ", "")).groups()
        first = term(low, pus)
        if not high:
            out.add(first)
        elif factor:
            out.update(growing(first, term(high, pus), int(factor)))
        else:
            out.update(range(first, term(high, pus) + 1))
    return sorted(out)


def growing(first: int, last: int, factor: int) -> List[int]:
    """first, first*factor, ... below last, then last itself."""
    out, value = [], first
    while value < last:
        out.append(value)
        value *= factor
    return out + [last] if last >= first else out
