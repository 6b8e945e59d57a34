"""long_reader: one long traversal protected four ways (global section, its
own SRCU domain, a reference per element, per-chunk sections) vs the
unrelated updaters' grace-period latency, the memory of retired elements
waiting for reclamation, and the long reader's own throughput. One figure
per structure size; x: the mode, a dot per backend."""
from __future__ import annotations

from plots import categorical

TITLE = "long_reader: what a long reader costs others, four ways"
WORKLOAD = "long_reader"
PANELS = (
    ("unrelated updaters: synchronize p50", "lat_p50_ns", 1.0, "grace-period latency p50", "ns"),
    ("unrelated updaters: synchronize p99", "lat_p99_ns", 1.0, "grace-period latency p99", "ns"),
    ("retired elements not yet freed", "pending_bytes_peak", 1.0, "peak memory waiting", "B"),
    ("long reader throughput", "long_elements_per_s", 1.0, "elements visited (elements/s)"),
)


def render(sets, out_dir):
    return categorical.render(
        sets, out_dir, WORKLOAD, "how the long reader is protected (mode)", PANELS,
        lambda placement, elements: f"long_reader, {elements} elements per traversal ({placement} placement)",
        "1 long reader, 1 replacer (one element per 10 µs at most), unrelated short readers and updaters;\n"
        + categorical.DOTS_NOTE,
        split="elements")
