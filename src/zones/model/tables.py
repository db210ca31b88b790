"""Read the attribute tables in data/: strict CSV in, checked rows out, every problem collected.

Each table has a schema: its columns and, per column, whether it is required and how its text
becomes a value. Reading never stops at the first bad cell: it returns the rows it could read and
the problems it found, each naming the file, the line and the column.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zones.errors import DataError, Problem

Parser = Callable[[str], Any]


def as_text(value: str) -> str:
    """Text as written, surrounding spaces removed."""
    return value.strip()


def as_float(value: str) -> float:
    """A finite decimal number, or NaN for an empty cell."""
    value = value.strip()
    if not value:
        return math.nan
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{value!r} is not a finite number")
    return number


def as_int(value: str) -> int | None:
    """A whole number, or None for an empty cell."""
    value = value.strip()
    return int(value) if value else None


def as_list(value: str) -> list[str]:
    """A ``;``-separated list of ids (``a;b``), empty cell = empty list."""
    return [v.strip() for v in value.split(";") if v.strip()]


def as_sources(value: str) -> list[str]:
    """A `` | ``-separated list of sources (``plan:L58 | https://...``)."""
    return [v.strip() for v in value.split("|") if v.strip()]


def one_of(*allowed: str) -> Parser:
    """A parser accepting exactly one of ``allowed``."""

    def parse(value: str) -> str:
        value = value.strip()
        if value not in allowed:
            raise ValueError(f"{value!r} is not one of {', '.join(allowed)}")
        return value

    return parse


@dataclass(frozen=True)
class Column:
    """One column of a table: its name, its parser and whether an empty cell is an error."""

    name: str
    parse: Parser = as_text
    required: bool = False


@dataclass(frozen=True)
class Schema:
    """A table's columns; ``key`` names the column whose values must be unique (or None)."""

    name: str
    columns: tuple[Column, ...]
    key: str | None = "id"

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


@dataclass
class Table:
    """Rows read from one file: each row a dict with the parsed values and ``_line``."""

    path: Path
    rows: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    #: False when the file could not be read to its end (later rows, even their keys, unknown).
    readable: bool = True
    #: Keys of rows left out for a bad cell: they exist, so references to them are no error.
    dropped_keys: set[str] = field(default_factory=set)
    _ids: tuple[int, set[Any]] | None = field(default=None, repr=False, compare=False)

    def refers_to(self, key: str) -> bool:
        """Whether ``key`` may be a key of this table: a read row, a dropped row, or any key
        at all when the file was unreadable (references to it are checked once it reads)."""
        if not self.readable or key in self.dropped_keys:
            return True
        if self._ids is None or self._ids[0] != len(self.rows):  # rows read since: index again
            self._ids = (len(self.rows), {row.get("id") for row in self.rows})
        return key in self._ids[1]

    def by_key(self, key: str = "id") -> dict[str, dict[str, Any]]:
        return {row[key]: row for row in self.rows}


def read_text(path: Path) -> str:
    """The file's text as UTF-8 (a leading BOM is dropped); DataError naming the file if not."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(Problem(str(path), None, None, f"cannot read: {exc.strerror}")) from exc
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        msg = f"not UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start}); save it as UTF-8"
        raise DataError(Problem(str(path), line, None, msg)) from exc


def read_table(path: Path, schema: Schema) -> Table:
    """Read ``path`` against ``schema``. A broken file raises DataError; bad cells are problems."""
    text = read_text(path)
    table = Table(path)
    name = str(path)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise DataError(Problem(name, None, None, "empty file: expected a header row")) from None
    except csv.Error as exc:
        raise DataError(Problem(name, 1, None, f"malformed CSV: {exc}")) from exc
    header = [h.strip() for h in header]
    missing = [c for c in schema.names if c not in header]
    if missing:
        msg = f"missing column(s) {', '.join(missing)}; expected {', '.join(schema.names)}"
        raise DataError(Problem(name, 1, None, msg))
    unknown = [h for h in header if h not in schema.names]
    for col in unknown:
        table.problems.append(Problem(name, 1, col, "unknown column (ignored)", "note"))
    seen: dict[str, int] = {}
    line = 1
    while True:
        starts_on = reader.line_num + 1  # a record may span lines: report where it starts
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            table.problems.append(Problem(name, starts_on, None, f"malformed CSV: {exc}"))
            table.readable = False  # the rows after this one are unknown
            break
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            msg = f"has {len(cells)} cells, the header has {len(header)}"
            table.problems.append(Problem(name, line, None, msg))
            if schema.key in header and header.index(schema.key) < len(cells):
                table.dropped_keys.add(cells[header.index(schema.key)].strip())
            continue
        raw = dict(zip(header, cells, strict=True))
        row: dict[str, Any] = {"_line": line}
        ok = True
        for col in schema.columns:
            cell = raw[col.name]
            if col.required and not cell.strip():
                table.problems.append(Problem(name, line, col.name, "required value is empty"))
                ok = False
                continue
            try:
                row[col.name] = col.parse(cell)
            except ValueError as exc:
                table.problems.append(Problem(name, line, col.name, f"bad value: {exc}"))
                ok = False
        if not ok:
            if schema.key and raw.get(schema.key, "").strip():
                table.dropped_keys.add(raw[schema.key].strip())
            continue
        if schema.key:
            key = row[schema.key]
            if key in seen:
                msg = f"duplicate {schema.key} {key!r} (first on line {seen[key]})"
                table.problems.append(Problem(name, line, schema.key, msg))
                continue
            seen[key] = line
        table.rows.append(row)
    return table


def _required(*names: str) -> tuple[Column, ...]:
    """Required text columns, in the order given."""
    return tuple(Column(name, required=True) for name in names)


def _links(name: str, *columns: Column) -> Schema:
    """A table linking rows of two others: ``columns``, no key of its own."""
    return Schema(name, columns, key=None)


#: The first columns of a table of named things: the id and the Chinese and English names.
_NAMED = _required("id", "name_zh", "name_en")
#: The columns of a row taken from the plan: the line it cites (``plan:Lnn``) and its words.
_CITED = _required("source", "quote")

TIERS = Schema(
    "tiers",
    (
        *_NAMED,
        Column("order", as_int, required=True),
        *_CITED,
    ),
)
INDUSTRIES = Schema(
    "industries",
    (
        *_NAMED,
        Column("tier_id"),
        Column("parent_id"),
        Column("aliases", as_list),
        *_CITED,
        Column("note"),
    ),
)
BELTS = Schema(
    "belts",
    (
        *_NAMED,
        Column("kind", one_of("circle", "belt"), required=True),
        Column("color", required=True),
        Column("order", as_int, required=True),
        *_CITED,
    ),
)
BELT_AREAS = _links(
    "belt_areas",
    *_required("belt_id", "area_zh"),
    Column("kind", one_of("district", "district_part", "park"), required=True),
    *_required("ref", "source"),
)
BELT_INDUSTRIES = _links(
    "belt_industries",
    *_required("belt_id", "industry_id"),
    Column("role", one_of("focus", "cultivate"), required=True),
    *_CITED,
)
#: The notes of a park written in English (``level_note``…) and, beside each, in Chinese
#: (``level_note_zh``…): the Chinese app shows the Chinese one, the English app the English
#: one; :func:`zones.model.validate.check_sources` wants both or neither.
PARK_NOTES = ("level_note", "location_note", "area_note", "notes")
PARKS = Schema(
    "parks",
    (
        *_NAMED,
        Column("level", one_of("national", "provincial", "unknown"), required=True),
        Column("level_note"),
        Column("level_note_zh"),
        Column("type"),
        Column("parent_id"),
        Column("district_adcodes", as_list),
        Column("lon", as_float),
        Column("lat", as_float),
        Column("location_basis", one_of("sourced", "estimated"), required=True),
        Column("location_precision_m", as_int),
        Column("location_source"),
        Column("location_note", required=True),
        Column("location_note_zh"),
        Column("area_km2", as_float),
        Column("area_source"),
        Column("area_note"),
        Column("area_note_zh"),
        Column("sources", as_sources),
        Column("notes"),
        Column("notes_zh"),
    ),
)
PARK_BELTS = _links("park_belts", *_required("park_id", "belt_id", "plan_name", "source"))
PARK_INDUSTRIES = _links(
    "park_industries",
    *_required("park_id", "industry_id"),
    Column("basis", one_of("park", "source"), required=True),
    *_required("source"),
    Column("note"),
)
TARGETS = Schema(
    "targets",
    (
        *_NAMED,
        Column("value", as_float, required=True),
        *_required("unit_zh", "unit_en"),
        Column("year", as_int, required=True),
        *_CITED,
    ),
)

TRANSPORT_NODES = Schema(
    "transport_nodes",
    (
        *_NAMED,
        Column("kind", one_of("seaport", "river-port", "airport", "rail", "bridge"), required=True),
        Column("lon", as_float),
        Column("lat", as_float),
        Column("location_basis", one_of("sourced", "missing"), required=True),
        Column("location_precision_m", as_int),
        Column("location_note"),
        Column("note"),
        Column("sources", as_sources),
    ),
)

#: Every table of data/, by file name.
SCHEMAS: dict[str, Schema] = {
    f"{s.name}.csv": s
    for s in (
        TIERS,
        INDUSTRIES,
        BELTS,
        BELT_AREAS,
        BELT_INDUSTRIES,
        PARKS,
        PARK_BELTS,
        PARK_INDUSTRIES,
        TARGETS,
        TRANSPORT_NODES,
    )
}
