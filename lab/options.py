"""Argument types and flags shared by several commands."""
from __future__ import annotations

import argparse

from lab import paths


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be greater than 0, got {text!r}")
    return value


def whole_number(minimum: int):
    """An argparse type: a whole number >= minimum."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {text!r}")
        return value
    return parse


positive_int = whole_number(1)


def add_preset_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--preset", choices=paths.PRESETS, default=paths.DEFAULT_PRESET,
                        help="CMake preset to build and use (default: %(default)s)")


def name_list(text: str) -> list:
    """a,b,c -> ["a", "b", "c"]; empty names are mistakes."""
    names = [name.strip() for name in text.split(",")]
    if not names or any(not name for name in names):
        raise argparse.ArgumentTypeError(f"expected comma-separated names, got {text!r}")
    return names
