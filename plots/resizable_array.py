"""resizable_array (perfbook "Array and Length", QEMU's RCU resizable arrays):
read throughput vs reader threads while one updater resizes back to back,
the resize rate, and the average bytes unpublished but not yet freed. Length
and array in one RCU structure (solid) and published separately with two
grace periods per resize (dashed, hollow markers) per backend; the rwlock in
grey. One figure per placement and maximum length."""
from __future__ import annotations

from plots import rescues

TITLE = "resizable array: one RCU structure vs split length/pointer vs rwlock"
WORKLOAD = "resizable_array"
PANELS = (("reads_per_s", 1.0, "read throughput, all readers (reads/s)", "indexed reads", "", False),
          ("updates_per_s", 1.0, "resizes (resizes/s)", "resizes (1 updater)", "", False),
          ("pending_bytes_avg", 1.0, "bytes awaiting reclamation, time average", "reclamation backlog", "B", False))


def title(length, placement, at):
    return f"Resizable array of up to {length:,} elements, resized back to back ({placement} placement)"


def render(sets, out_dir):
    return rescues.render_family(sets, out_dir, WORKLOAD, PANELS, title)
