"""The one grammar of a citation of the plan text: ``plan:L58``, or a range ``plan:L58-L60``.

Every plan fact in data/ cites the line(s) of data/plan.zh.txt it comes from. This module
parses, formats and finds such citations; the build checks them (:mod:`zones.model.validate`), the
app, the briefing and the bundle show them (规划原文第58行 / plan text, line 58).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PREFIX = "plan:L"
#: A whole citation: ``plan:L58``, ``plan:L58-L60`` (``plan:L58-60`` is read the same way).
_WHOLE = re.compile(r"^plan:L(\d+)(?:-L?(\d+))?$")
#: Citations inside a longer text.
_WITHIN = re.compile(r"plan:L\d+(?:-L?\d+)?")


@dataclass(frozen=True)
class PlanRef:
    """Lines ``first`` to ``last`` (1-based, inclusive) of the plan text."""

    first: int
    last: int

    @property
    def lines(self) -> range:
        return range(self.first, self.last + 1)

    def label(self) -> str:
        """``58``, or ``58–60`` for a range (as the app and the briefing show it)."""
        return str(self.first) if self.first == self.last else f"{self.first}–{self.last}"

    def __str__(self) -> str:
        return format_ref(self.first, self.last)


def parse(text: object) -> PlanRef | None:
    """The citation ``text`` is, or None when it is not one (a URL, a name...).

    A range that runs backwards (``plan:L60-L58``) is not a citation.
    """
    match = _WHOLE.match(str(text or "").strip())
    if not match:
        return None
    first = int(match.group(1))
    last = int(match.group(2) or first)
    return PlanRef(first, last) if last >= first else None


def format_ref(first: int, last: int | None = None) -> str:
    """``plan:L58``, or ``plan:L58-L60``."""
    return f"{PREFIX}{first}" if last in (None, first) else f"{PREFIX}{first}-L{last}"


def find_all(text: object) -> list[str]:
    """Every citation inside ``text``, as written."""
    return _WITHIN.findall(str(text or ""))


def looks_like(text: object) -> bool:
    """Whether ``text`` means to be a citation (starts ``plan:L``), valid or not."""
    return str(text or "").strip().startswith(PREFIX)
