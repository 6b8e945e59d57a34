"""rculab's command-line side: set-up (Debian packages, CMake), and the commands
that drive the C++ core binary `rculab-core`."""
