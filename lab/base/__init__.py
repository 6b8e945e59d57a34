"""The ground floor: errors, repository paths, subprocesses, text tables."""
