"""How the `zones` commands talk: results to stdout, problems to stderr, errors to exit codes."""

from __future__ import annotations

import argparse
import sys

from zones import text
from zones.errors import DataError, UnknownValueError, ValidationError, ZonesError


def out(text: str = "") -> None:
    """A result line, on stdout."""
    print(text)


def err(text: str) -> None:
    """A problem or progress line, on stderr."""
    print(text, file=sys.stderr)


def add_lang_option(parser: argparse.ArgumentParser, help_text: str) -> None:
    """Add ``--lang`` to ``parser``: one of :data:`zones.text.LANGUAGES`, the default language
    unless given."""
    parser.add_argument(
        "--lang", choices=text.LANGUAGES, default=text.DEFAULT_LANGUAGE, help=help_text
    )


def report_error(exc: ZonesError) -> int:
    """Print ``exc`` as `zones` prints errors (``file:row [field]: message``); return the status.

    1 for bad data or a failed write, 2 for a bad command-line value (with close matches).
    """
    if isinstance(exc, ValidationError):
        for problem in exc.problems:
            err(str(problem))
        errors = sum(p.severity == "error" for p in exc.problems)
        err(f"{errors} error(s); nothing written")
        return 1
    if isinstance(exc, UnknownValueError):
        err(f"error: {exc}")
        return 2
    if isinstance(exc, DataError):
        err(str(exc.problem))
        return 1
    err(f"error: {exc}")
    return 1
