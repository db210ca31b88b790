"""`python -m zones` and the `zones` command: the command line, quiet on Ctrl-C at any moment.

Kept apart from :mod:`zones.cli.main` so that nothing heavy is imported before the interrupt can be
caught: Ctrl-C while the libraries load ends as quietly as Ctrl-C during a build.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

#: Exit status after Ctrl-C, as shells report a process ended by SIGINT.
INTERRUPTED = 130
INTERRUPTED_LINE = "interrupted: nothing written; any file that was there is intact"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `zones` command; returns the exit status."""
    try:
        from zones.cli.main import main as run

        return run(argv)
    except KeyboardInterrupt:
        print(INTERRUPTED_LINE, file=sys.stderr)
        return INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
