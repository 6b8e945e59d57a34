"""Point names and keys (RECORDS.md "A point")."""
from __future__ import annotations

import re

# Characters that are special in the regexes Google Benchmark's filter accepts
# (std::regex ECMAScript and POSIX ERE alike); `-` and `/` are literal there.
_REGEX_SPECIAL = re.compile(r"([\\.^$|?*+()\[\]{}])")


def point_key(benchmark: str) -> str:
    """read_cost/backend:qsbr/readers:1 -> read_cost.backend=qsbr.readers=1 (a file name)."""
    return benchmark.replace("/", ".").replace(":", "=")


def exact_filter(listed_name: str) -> str:
    """--benchmark_filter value that selects exactly this listed benchmark."""
    return "^" + _REGEX_SPECIAL.sub(r"\\\1", listed_name) + "$"
