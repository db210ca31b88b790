"""Rules the input must follow, each returning every problem it finds (never just the first).

Three kinds of rule: references between tables (every id points at something that exists),
citations (every ``plan:Lnn`` names a line of the plan text, and every quote is on that line),
and sources (a sourced fact says where it comes from). Geometric rules that need the assembled
layout live in :mod:`zones.build.assemble` next to the geometry they check.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any

from zones.errors import Problem
from zones.model import citation
from zones.model.tables import PARK_NOTES, Table

#: The plan marks omitted text in a quote with an ellipsis; each fragment must be on the line.
ELLIPSIS = re.compile(r"……|\.\.\.")


def _p(table: Table, row: dict[str, Any], field: str, message: str, severity: str = "error"):
    return Problem(str(table.path), row["_line"], field, message, severity)


def _exists(target: Table | set[str], key: str) -> bool:
    """Whether ``key`` is a known id of ``target`` (a table, or a set of ids from geo/)."""
    return key in target if isinstance(target, set) else target.refers_to(key)


def check_references(
    tables: dict[str, Table], *, adcodes: set[str], part_ids: set[str]
) -> list[Problem]:
    """Every id in a table refers to a row that exists; industries form a tree (no cycle).

    A reference to a row that exists but was left out for a problem of its own (a bad cell, a
    file that is not UTF-8) is no error: that problem is the cause, reported once, and the
    references are checked again once it is fixed. So one bad byte gives one error, not one
    per row that names the lost rows.
    """
    problems: list[Problem] = []
    tiers = tables["tiers.csv"]
    industries = tables["industries.csv"]
    belts = tables["belts.csv"]
    parks = tables["parks.csv"]

    def known(table: Table, field: str, target: Table | set[str], what: str) -> None:
        for row in table.rows:
            values = row[field] if isinstance(row[field], list) else [row[field]]
            for value in values:
                if value and not _exists(target, value):
                    problems.append(_p(table, row, field, f"unknown {what} {value!r}"))

    known(tables["industries.csv"], "tier_id", tiers, "tier")
    known(tables["industries.csv"], "parent_id", industries, "industry")
    known(tables["belt_areas.csv"], "belt_id", belts, "belt")
    known(tables["belt_industries.csv"], "belt_id", belts, "belt")
    known(tables["belt_industries.csv"], "industry_id", industries, "industry")
    known(tables["parks.csv"], "district_adcodes", adcodes, "district adcode")
    known(tables["parks.csv"], "parent_id", parks, "park")
    known(tables["park_belts.csv"], "park_id", parks, "park")
    known(tables["park_belts.csv"], "belt_id", belts, "belt")
    known(tables["park_industries.csv"], "park_id", parks, "park")
    known(tables["park_industries.csv"], "industry_id", industries, "industry")

    area_refs: dict[str, Table | set[str]] = {
        "district": adcodes,
        "district_part": part_ids,
        "park": parks,
    }
    table = tables["belt_areas.csv"]
    for row in table.rows:
        if not _exists(area_refs[row["kind"]], row["ref"]):
            problems.append(_p(table, row, "ref", f"unknown {row['kind']} {row['ref']!r}"))
    industries_by_id = industries.by_key()

    table = industries
    for row in table.rows:
        seen, node = {row["id"]}, row["parent_id"]
        while node and node in industries_by_id:
            if node in seen:
                problems.append(_p(table, row, "parent_id", "industries form a cycle"))
                break
            seen.add(node)
            node = industries_by_id[node]["parent_id"]
    return problems


def check_sources(tables: dict[str, Table]) -> list[Problem]:
    """A park's facts carry their sources; estimates say how they were made; each note is
    written in English and in Chinese (:data:`zones.model.tables.PARK_NOTES`)."""
    problems: list[Problem] = []
    table = tables["parks.csv"]
    for row in table.rows:
        has_point = not (math.isnan(row["lon"]) or math.isnan(row["lat"]))
        if not row["sources"]:
            problems.append(_p(table, row, "sources", "a park needs at least one source"))
        if math.isnan(row["lon"]) != math.isnan(row["lat"]):
            problems.append(_p(table, row, "lon", "give both lon and lat, or neither"))
        if row["location_basis"] == "sourced":
            if not has_point:
                problems.append(_p(table, row, "lon", "a sourced location needs lon and lat"))
            if not row["location_source"]:
                msg = "a sourced location needs its source"
                problems.append(_p(table, row, "location_source", msg))
        if has_point and not row["location_precision_m"]:
            msg = "a location needs its precision in metres"
            problems.append(_p(table, row, "location_precision_m", msg))
        if not math.isnan(row["area_km2"]):
            if not row["area_source"]:
                problems.append(_p(table, row, "area_source", "an area needs its source"))
            if row["area_km2"] <= 0:
                problems.append(_p(table, row, "area_km2", "an area must be positive"))
        if has_point:
            lon, lat = row["lon"], row["lat"]
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                msg = f"({lon}, {lat}) is not WGS84 lon/lat"
                problems.append(_p(table, row, "lon", msg))
        for note in PARK_NOTES:
            english, chinese = row[note], row[f"{note}_zh"]
            if english and not chinese:
                msg = f"{note} needs its Chinese text in {note}_zh (the Chinese app shows that)"
                problems.append(_p(table, row, f"{note}_zh", msg))
            elif chinese and not english:
                msg = f"{note}_zh needs its English text in {note} (the English app shows that)"
                problems.append(_p(table, row, note, msg))
    table = tables["transport_nodes.csv"]
    for row in table.rows:
        has_point = not (math.isnan(row["lon"]) or math.isnan(row["lat"]))
        if not row["sources"]:
            problems.append(_p(table, row, "sources", "a transport node needs a source"))
        if row["location_basis"] == "sourced" and not (has_point and row["location_precision_m"]):
            msg = "a sourced location needs lon, lat and location_precision_m"
            problems.append(_p(table, row, "lon", msg))
        if row["location_basis"] == "missing" and has_point:
            problems.append(_p(table, row, "lon", "basis 'missing' but lon/lat given"))
    return problems


def _plan_line(ref: str, plan: list[str]) -> tuple[int | None, str | None]:
    """(first line number, text of the cited lines) for ``plan:Lnn`` or ``plan:Lnn-Lmm``
    (:mod:`zones.model.citation`), or (None, reason) when it names no plan line."""
    cited = citation.parse(ref)
    if cited is None:
        return None, None
    if (
        cited.first < 1
        or cited.last > len(plan)
        or not all(plan[n - 1].strip() for n in cited.lines)
    ):
        return None, f"{ref} is not a line of the plan text with words on it"
    return cited.first, "".join(plan[n - 1] for n in cited.lines)


def _quoted(quote: str, line: str) -> bool:
    """True when every fragment of ``quote`` (split at ellipses) stands on ``line``."""
    squeeze = re.compile(r"\s+")
    text = squeeze.sub("", line)
    parts = [squeeze.sub("", part) for part in ELLIPSIS.split(quote)]
    parts = [part for part in parts if part]
    return bool(parts) and all(part in text for part in parts)


def check_citations(tables: dict[str, Table], plan: list[str]) -> list[Problem]:
    """Every ``plan:Lnn`` names a line of the plan, and each quote stands on the line it cites.

    Which column holds the words that must be on the cited line depends on the table: ``quote``
    for most, ``area_zh`` for belt areas, ``plan_name`` for park-belt links, ``note`` for
    designations (basis ``park``). Multi-valued ``sources`` are checked for existence only.
    """
    quote_fields = {
        "tiers.csv": "quote",
        "industries.csv": "quote",
        "belts.csv": "quote",
        "belt_industries.csv": "quote",
        "targets.csv": "quote",
        "belt_areas.csv": "area_zh",
        "park_belts.csv": "plan_name",
        "park_industries.csv": "note",
    }
    problems: list[Problem] = []
    for name, field in quote_fields.items():
        table = tables[name]
        for row in table.rows:
            ref = row["source"]
            number, text = _plan_line(ref, plan)
            if number is None:
                if text:
                    problems.append(_p(table, row, "source", text))
                elif name != "park_industries.csv" or row.get("basis") == "park":
                    msg = f"{ref!r} is not a plan citation (plan:Lnn or plan:Lnn-Lmm)"
                    problems.append(_p(table, row, "source", msg))
                continue
            if name == "park_industries.csv" and row["basis"] != "park":
                continue
            assert text is not None
            if not _quoted(row[field], text):
                msg = f"{row[field]!r} is not on plan line {number}"
                problems.append(_p(table, row, field, msg))
    table = tables["parks.csv"]
    for row in table.rows:
        for ref in row["sources"]:
            number, reason = _plan_line(ref, plan)
            if number is None and reason:
                problems.append(_p(table, row, "sources", reason))
    return problems


def errors_in(problems: Iterable[Problem]) -> list[Problem]:
    """Only the problems that stop a build."""
    return [p for p in problems if p.severity == "error"]
