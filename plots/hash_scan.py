"""hash_scan: full-table statistical scans of an RCU hash table while
lookups, inserts and deletes run: the scan as one read-side section, as one
section per bucket, and under a table rwlock (the non-RCU way). x: how the
scan is protected, a dot per backend (the rwlock variant does not use
the backend: its dots should coincide)."""
from __future__ import annotations

from plots import categorical

TITLE = "hash_scan: scanning a hash table during updates"
WORKLOAD = "hash_scan"
PANELS = (
    ("lookups during scans", "reads_per_s", 1.0, "lookups (lookups/s)"),
    ("inserts and deletes during scans", "updates_per_s", 1.0, "updates (updates/s)"),
    ("one full-table scan", "scan_ns", 1.0, "scan time", "ns"),
    ("updaters' synchronize p99", "lat_p99_ns", 1.0, "grace-period latency p99", "ns"),
    ("deleted nodes not yet freed", "pending_bytes_peak", 1.0, "peak memory waiting", "B"),
)


def render(sets, out_dir):
    return categorical.render(
        sets, out_dir, WORKLOAD, "how the scan is protected (scan)", PANELS,
        lambda placement, _: f"hash_scan, 65 536 permanent + up to 65 536 volatile keys ({placement} placement)",
        "1 scanner; lookups of random keys; updaters toggle volatile keys (call_rcu), timing one synchronize "
        "per 64 toggles;\n" + categorical.DOTS_NOTE)
