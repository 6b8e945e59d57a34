"""Set-up: Debian packages, the CMake build, the built binaries (rculab-core) and the build's provenance."""
