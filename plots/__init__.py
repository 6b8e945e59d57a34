"""Chart families of the lab, one module each, sharing plots/style.py.

Each module has TITLE and render(sets, out_dir) -> [file names], raising
style.NoData(reason) when the sets hold nothing for it."""
from __future__ import annotations

from typing import Dict, List, Sequence, Union

from plots import call_rcu, cs_length, gp_latency, memory, read_scalability, style, update_rate

FAMILIES = (read_scalability, cs_length, gp_latency, update_rate, call_rcu, memory)
from plots import ref_call_rcu  # noqa: E402
FAMILIES += (ref_call_rcu,)

from plots import stat_counter  # noqa: E402  (issue 8 families, one line each)
from plots import removable_device  # noqa: E402
from plots import resizable_array  # noqa: E402
from plots import correlated_fields  # noqa: E402

FAMILIES += (stat_counter,)
FAMILIES += (removable_device,)
FAMILIES += (resizable_array,)
FAMILIES += (correlated_fields,)

from plots import long_reader  # noqa: E402
FAMILIES += (long_reader,)

from plots import hash_scan  # noqa: E402
FAMILIES += (hash_scan,)

from plots import call_rcu_backlog  # noqa: E402
FAMILIES += (call_rcu_backlog,)

from plots import route_table  # noqa: E402
FAMILIES += (route_table,)

from plots import hash_lookup  # noqa: E402
FAMILIES += (hash_lookup,)
from plots import percpu_ref  # noqa: E402
FAMILIES += (percpu_ref,)

from plots import retrigger_gp  # noqa: E402
FAMILIES += (retrigger_gp,)


def family_name(module) -> str:
    return module.__name__.rsplit(".", 1)[-1]


def render_all(sets: Sequence, out_dir) -> Dict[str, Union[List[str], str]]:
    """Family name -> files written, or the reason it was skipped."""
    outcome: Dict[str, Union[List[str], str]] = {}
    for module in FAMILIES:
        try:
            outcome[family_name(module)] = module.render(sets, out_dir)
        except style.NoData as why:
            outcome[family_name(module)] = str(why)
    return outcome
