"""The sweep runner: runs an already-resolved plan (JSON) point by point into a
result set (lab/RECORDS.md). Kept small and stdlib-only, Python >= 3.9 (no
`match`, no `X | Y` at run time), because it is shipped to hosts with nothing
but a bare `python3`: it imports only lab.runner.*, lab.errors, lab.results,
lab.gbjson, lab.host and lab.paths. TOML specs are resolved into plans
elsewhere (lab/spec/)."""
