"""Sweep specs: a TOML file or shipped preset (lab/presets/) is parsed and
checked (load), its host-relative thread counts evaluated (axes), and expanded
into the exact benchmark names rculab-bench lists (plan). The plan is plain
JSON: the runner (lab/runner/) needs nothing else."""
