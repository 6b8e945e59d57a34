"""Bundles: the lab for hosts with no compiler, no root and no Debian packages.

`rculab bundle` (make.py) packs the release binaries, every shared library
they load except the C runtime, the lab's Python package and the presets (as
JSON) into one tarball. On the target, `./run-sweep` (run_sweep.py) needs only
python3 >= 3.9 and a glibc not older than the build host's; it writes a result
set that `rculab import` brings back."""
