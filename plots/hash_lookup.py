"""hash_lookup (perfbook's hash-table zoo, datastruct/hash/hash_bkt*.c):
lookups per second and per-lookup cost vs reader threads, and the updaters'
inserts and deletes, for RCU lookups per backend; per-bucket locks and one
table rwlock in grey. One figure per placement, hot-key share (`hot_pct`: the
book's "cat" every reader looks up) and updater count."""
from __future__ import annotations

from plots import data, rescues, style

TITLE = "hash-table lookups with a hot key: RCU vs per-bucket locks vs rwlock"
WORKLOAD = "hash_lookup"
PANELS = (("reads_per_s", 1.0, "lookups, all readers (lookups/s)", "lookups", "", False),
          ("ns_per_read", 1e-9, "cost per lookup, per reader", "lookup cost", "s", False),
          ("updates_per_s", 1.0, "inserts and deletes (updates/s)", "updates", "", True))


def title(hot_pct, placement, at):
    updaters = "/".join(map(str, data.levels(at, "updaters")))
    doing = "read only" if updaters == "0" else f"{style.plural(updaters, 'updater')} inserting and deleting"
    return f"Hash table, 1024 buckets, {hot_pct}% of lookups on one hot key, {doing} ({placement} placement)"


def panels(updaters):
    """No updates panel for the read-only runs (updaters:0)."""
    return PANELS if updaters else PANELS[:2]


def render(sets, out_dir):
    return rescues.render_family(sets, out_dir, WORKLOAD, panels, title=title,
                                 note="coloured: RCU lookups per backend; " + style.REPETITIONS_NOTE,
                                 split="updaters")
