"""The small error vocabulary of zones: every message names the file, row and field at fault."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


class ZonesError(Exception):
    """Base class of every error zones raises on purpose.

    An error whose message is in the text catalogs (a store's refusal) sets ``key`` and
    ``fields`` and passes ``self.text("en")`` as its message: ``str()`` is then the English one
    (the CLI's), :meth:`text` says it in any language (the app's)."""

    key: str | None = None
    fields: Mapping[str, Any] = {}

    def text(self, lang: str) -> str:
        """The message in ``lang`` (catalog ``key`` filled from ``fields``); an error without
        a key has only its English message."""
        if self.key is None:
            return str(self)
        from zones.text import t

        return t(self.key, lang, **self.fields)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one place in the input: ``file:row field: message``.

    ``row`` is the 1-based line number in a CSV file (the header is line 1) or the
    1-based feature number in a geometry file; ``None`` when the problem is the whole file.
    ``severity`` is ``"error"`` (the build stops) or ``"note"`` (reported, build goes on).
    """

    file: str
    row: int | None
    field: str | None
    message: str
    severity: str = "error"

    def sort_key(self) -> tuple[str, int, str, str]:
        """Order of reports: by file, whole-file problems first, then by row, field, message."""
        return (self.file, -1 if self.row is None else self.row, self.field or "", self.message)

    def __str__(self) -> str:
        where = self.file if self.row is None else f"{self.file}:{self.row}"
        if self.field:
            where += f" [{self.field}]"
        return f"{self.severity}: {where}: {self.message}"


class DataError(ZonesError):
    """One input file cannot be read at all (not UTF-8, not CSV, not GeoJSON...)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


class ValidationError(ZonesError):
    """The input has errors; ``problems`` lists every one found, not just the first."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=Problem.sort_key)
        errors = [p for p in self.problems if p.severity == "error"]
        lines = "\n".join(f"  {p}" for p in errors)
        super().__init__(f"{len(errors)} problem(s) in the input:\n{lines}")


class UnknownValueError(ZonesError, ValueError):
    """A filter or option value that matches nothing; the message lists close matches."""

    def __init__(self, field: str, value: str, suggestions: list[str]) -> None:
        self.field, self.value, self.suggestions = field, value, suggestions
        hint = f"; did you mean: {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"unknown {field} {value!r}{hint}")


class EmptyValueError(UnknownValueError):
    """An empty or blank filter value (``--industry ""``): refused, never read as "any"."""

    def __init__(self, field: str, value: str = "") -> None:
        self.field, self.value, self.suggestions = field, value, []
        super(UnknownValueError, self).__init__(
            f"empty {field} value {value!r}: give an id or a name, or leave the option out"
        )


class OutputError(ZonesError):
    """A file cannot be written where asked: names the path and the reason."""

    def __init__(self, path: str, reason: str) -> None:
        self.path, self.reason = path, reason
        super().__init__(f"{path or repr(path)}: {reason}")


class StoreError(ZonesError):
    """The store cannot be used as it is: says what is wrong and the command that fixes it."""
