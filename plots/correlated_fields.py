"""correlated_fields (perfbook "Correlated Fields", Schrödinger's animals):
the cost of reading the measurement triple vs reader threads, the update
rate of one updater, and the bytes each update copies, for the triple behind
a pointer (solid), localized in the record (dashed) and the whole record
copied (dotted), per backend; in-place updates under an rwlock in grey. One
figure per placement and record size."""
from __future__ import annotations

from plots import rescues

TITLE = "correlated fields: pointer vs localized vs whole-record copy vs rwlock"
WORKLOAD = "correlated_fields"
PANELS = (("ns_per_read", 1e-9, "cost per read of the triple", "reads", "s", False),
          ("updates_per_s", 1.0, "updates (updates/s)", "updates (1 updater)", "", False),
          ("bytes_per_update", 1.0, "bytes copied per update", "copying", "B", True))


def title(size, placement, at):
    return f"Correlated fields, {size:,}-byte animal record ({placement} placement)"


def render(sets, out_dir):
    return rescues.render_family(sets, out_dir, WORKLOAD, PANELS, title)
