"""Run every benchmark in this folder (``./dev bench``), or those named: ``./dev bench build``.

Other arguments go to every script run: ``./dev bench browser --rounds 2 --write``.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(args: list[str]) -> int:
    scripts = sorted(HERE.glob("bench_*.py"))
    known = {s.stem.removeprefix("bench_") for s in scripts}
    names = [a for a in args if a in known]
    options = [a for a in args if a not in known]
    if names:
        scripts = [s for s in scripts if s.stem.removeprefix("bench_") in names]
    for script in scripts:
        print(f"== {script.name}", flush=True)
        sys.argv = [str(script), *options]
        runpy.run_path(str(script), run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
