"""benchmarks/RESULTS.md: each benchmark writes its own block, between its markers
``<!-- NAME:start -->`` and ``<!-- NAME:end -->``, and leaves the others as they are."""

from __future__ import annotations

import re
from pathlib import Path

RESULTS = Path(__file__).with_name("RESULTS.md")


def write_block(name: str, section: str, results: Path = RESULTS) -> None:
    """Put ``section`` (Markdown) between ``name``'s markers, replacing what was there, or
    append it with its markers."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    text = results.read_text(encoding="utf-8") if results.exists() else "# Benchmarks\n"
    block = f"{start}\n{section.rstrip()}\n{end}"
    if start in text and end in text:
        text = re.sub(re.escape(start) + ".*?" + re.escape(end), lambda _: block, text, flags=re.S)
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    results.write_text(text, encoding="utf-8")
