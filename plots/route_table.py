"""route_table (perfbook's Pre-BSD routing table, defer/route_*.c): route
lookups per second and per-lookup cost vs reader threads, and the updaters'
deletes and re-adds, for the RCU-protected list (solid) and the whole table
copied per update (dashed, hollow markers) per backend; one global lock
around every lookup and update in grey. One figure per placement, table
size and updater count (updaters:0 is the book's read-only perftest)."""
from __future__ import annotations

from plots import data, rescues, style

TITLE = "Pre-BSD routing table: RCU list vs whole-table copy vs global lock"
WORKLOAD = "route_table"
PANELS = (("reads_per_s", 1.0, "route lookups, all readers (lookups/s)", "lookups", "", False),
          ("ns_per_read", 1e-9, "cost per lookup, per reader", "lookup cost", "s", False),
          ("updates_per_s", 1.0, "route deletes and adds (updates/s)", "updates", "", True))


def title(routes, placement, at):
    updaters = "/".join(map(str, data.levels(at, "updaters")))
    doing = "read only" if updaters == "0" else f"{style.plural(updaters, 'updater')} deleting and re-adding routes"
    return f"Routing table of {routes:,} routes, {doing} ({placement} placement)"


def panels(updaters):
    """No updates panel for the read-only runs (updaters:0)."""
    return PANELS if updaters else PANELS[:2]


def render(sets, out_dir):
    return rescues.render_family(sets, out_dir, WORKLOAD, panels, title,
                                 note="coloured: RCU per backend; " + style.REPETITIONS_NOTE,
                                 split="updaters")
