"""`python -m zones` and the `zones` command: the command line, quiet on Ctrl-C at any moment.

Kept apart from :mod:`zones.cli.main` so that nothing heavy is imported before the interrupt can be
caught: Ctrl-C while the libraries load ends as quietly as Ctrl-C during a build.
"""

from __future__ import annotations

import contextlib
import gc
import sys
from collections.abc import Iterator, Sequence

#: Exit status after Ctrl-C, as shells report a process ended by SIGINT.
INTERRUPTED = 130
INTERRUPTED_LINE = "interrupted: nothing written; any file that was there is intact"


@contextlib.contextmanager
def _importing(module: str) -> Iterator[None]:
    """No garbage collection while ``module`` is first imported, and the objects it leaves
    (modules, classes, functions: they live as long as the process) kept out of every later
    collection (:func:`gc.freeze`). Importing the libraries makes some 200,000 such objects,
    few of them garbage; collecting them over and over costs about 0.1 s of a command."""
    if module in sys.modules or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `zones` command; returns the exit status."""
    try:
        with _importing("zones.cli.main"):
            from zones.cli.main import main as run

        return run(argv)
    except KeyboardInterrupt:
        print(INTERRUPTED_LINE, file=sys.stderr)
        return INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
