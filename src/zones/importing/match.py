"""Stage three of an import: match each feature read to a park and check it against Ningbo and
against the park's records.

A feature is matched by id, else by name (exact, then normalised); close matches are
*proposed*, never taken; ``assign`` takes one explicitly. Two features of one park are both
refused (a duplicate), unless the format says they are parts of one footprint (the shapes of
one DXF layer: :attr:`~zones.importing.read.Read.merge_field`), which are merged. A footprint
farther than :data:`LAND_BUFFER_M` from every district (land, or water the city plausibly
reclaims) is an error; one whose area is more than
:data:`AREA_RATIO` times off its park's recorded area, or that lies more than
:data:`MISMATCH_DISTANCE_M` beyond the recorded location and its precision, is a *mismatch*:
imported only when confirmed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from zones.errors import Problem, UnknownValueError
from zones.geo import geometry as geo
from zones.importing.messages import MAX_LABEL, gdal_message, problem
from zones.importing.options import ImportOptions
from zones.importing.parks import ParkIndex, Target
from zones.importing.preview import ImportPreview, MatchedFeature, UnmatchedFeature
from zones.importing.read import Read, clean_geometry, polygonal_part
from zones.importing.stage import Source
from zones.text.escape import plain_text

#: Attribute names tried, in order, for a park id and for a name (case-insensitive).
ID_FIELDS = ("park_id", "zones_id", "parkid", "id")
NAME_FIELDS = ("name_zh", "name", "名称", "园区名称", "园区", "park_name", "name_en")
#: Attribute names tried for a note on the survey ("notes" is left out: in a zones export it
#: holds the park's notes, not the survey's).
NOTE_FIELDS = ("note", "remark", "remarks", "备注", "说明", "description")
#: A note on a feature whose polygon lies farther than this beyond the park's sourced location.
FAR_FROM_LOCATION_M = 2000.0
#: A surveyed footprint must come within this distance (metres, EPSG:4549) of one of Ningbo's
#: districts: on land, or on tidal flats and sea the city plausibly reclaims. Farther out it is
#: refused (an error), whatever the park.
LAND_BUFFER_M = 5000.0
#: A footprint whose area is more than this many times larger or smaller than the park's
#: recorded area needs an explicit confirmation (``confirm_mismatch``, ``--confirm-mismatch``).
AREA_RATIO = 3.0
#: ... as does one lying farther than this beyond the park's recorded location and its
#: ``location_precision_m``.
MISMATCH_DISTANCE_M = 5000.0


def match_features(
    read: Read, source: Source, options: ImportOptions, target: Target
) -> ImportPreview:
    """The preview of importing the features of ``read`` (from ``source``) into ``target``."""
    parks = target.parks
    assign = assignments(options.assign, parks)
    display = source.display
    frame = read.frame
    id_cols = _columns(frame, options.id_field, read.id_fields or ID_FIELDS)
    name_cols = _columns(frame, options.name_field, read.name_fields or NAME_FIELDS)
    merge_cols = _columns(frame, None, (read.merge_field,) if read.merge_field else ())
    groups: dict[int, str] = {}
    note_cols = _columns(frame, None, NOTE_FIELDS)
    kind_cols = _columns(frame, None, ("footprint",))
    preview = ImportPreview(
        file=display,
        source=source.name,
        crs=read.crs_name,
        gcj02=options.gcj02,
        features=len(frame),
        problems=list(read.problems),
        parks=len(parks.names),
    )
    if not len(frame):
        preview.problems.append(problem(display, None, None, "holds_nothing"))
    elif not id_cols and not name_cols:
        fields = ", ".join(str(c) for c in frame.columns if c != frame.geometry.name) or "—"
        preview.problems.append(problem(display, None, None, "no_fields", fields=fields))
    if options.gcj02:
        preview.problems.append(problem(display, None, "crs", "gcj02_note", "note"))
    if target.land is None and len(frame):
        preview.problems.append(problem(display, None, None, "no_land", "note"))

    candidates: list[MatchedFeature] = []
    records = frame.drop(columns=frame.geometry.name).to_dict("records")
    geoms = read.wgs84(options.gcj02, display)
    for number, (row, geom) in enumerate(zip(records, geoms, strict=True), start=1):
        ident = next((plain_text(row[c], MAX_LABEL) for c in id_cols if plain_text(row[c])), "")
        names = [plain_text(row[c], MAX_LABEL) for c in name_cols if plain_text(row[c])]
        note = next((plain_text(row[c]) for c in note_cols if plain_text(row[c])), "")
        label = names[0] if names else ident
        if merge_cols:
            groups[number] = plain_text(row[merge_cols[0]], MAX_LABEL)
        park_id = assign.get(f"#{number}") or assign.get(label) or assign.get(ident)
        how = "assigned" if park_id else ""
        ambiguous: list[str] = []
        if not park_id:
            park_id, how, ambiguous = parks.match(ident, names)
        if any(plain_text(row[c]).casefold() == "indicative" for c in kind_cols):
            preview.problems.append(
                problem(display, number, "footprint", "indicative", label=label)
            )
            continue
        polygon, notes = _usable(geom, read, display, number, label, target.land)
        preview.problems += notes
        if polygon is None:
            continue
        if park_id is None:
            suggested = ambiguous or parks.suggest(ident, names)
            entry = UnmatchedFeature(
                number, label or f"#{number}", tuple((p, parks.names[p]) for p in suggested)
            )
            (preview.unmatched if suggested else preview.new).append(entry)
            continue
        candidates.append(
            MatchedFeature(
                feature=number,
                label=label or ident or f"#{number}",
                park_id=park_id,
                park_name=parks.names[park_id],
                how=how,
                geometry=polygon,
                area_km2=geo.area_km2(polygon),
                replaces="surveyed" if park_id in target.surveyed else "indicative",
                note=note,
                previous=target.footprints.get(park_id),
            )
        )
    _keep_one_per_park(preview, candidates, parks, groups)
    return preview


def assignments(assign: Mapping[str, str] | None, parks: ParkIndex) -> dict[str, str]:
    """The explicit matches (feature label, id or ``#n`` -> park id), each park checked.

    Raises
    ------
    UnknownValueError
        For a park id no park has (the message lists close ones).
    """
    out: dict[str, str] = {}
    for key, park_id in (assign or {}).items():
        if park_id not in parks.names:
            raise UnknownValueError("park id", str(park_id), parks.suggest(str(park_id), []))
        out[str(key).strip()] = park_id
    return out


def _columns(frame: pd.DataFrame, wanted: str | None, candidates: Sequence[str]) -> list[str]:
    """Columns of ``frame`` to use: ``wanted`` (must exist) or the candidates present."""
    lower = {str(c).casefold(): str(c) for c in frame.columns if c != frame.geometry.name}
    if wanted:
        if wanted.casefold() not in lower:
            available = sorted(lower.values())
            raise UnknownValueError("field", wanted, available[:20])
        return [lower[wanted.casefold()]]
    return [lower[c.casefold()] for c in candidates if c.casefold() in lower]


def _usable(
    geom: Any, read: Read, display: str, number: int, label: str, land: BaseGeometry | None
) -> tuple[BaseGeometry | None, list[Problem]]:
    """The feature's clean polygon, None when it is unusable or off Ningbo's land; the notes."""
    try:
        polygon, notes = clean_geometry(geom, read.crs_name, display, number, label)
        if polygon is not None and land is not None:
            off = geo.to_metres(polygon).distance(land)
            if off > LAND_BUFFER_M:
                km, limit = off / 1000, LAND_BUFFER_M / 1000
                notes.append(
                    problem(
                        display, number, "geometry", "off_land", label=label, km=km, limit=limit
                    )
                )
                polygon = None
    except (shapely.errors.GEOSException, ValueError, TypeError) as exc:
        reason = gdal_message(exc)
        return None, [problem(display, number, "geometry", "unusable", label=label, reason=reason)]
    return polygon, notes


def _keep_one_per_park(
    preview: ImportPreview,
    candidates: list[MatchedFeature],
    parks: ParkIndex,
    groups: Mapping[int, str] | None = None,
) -> None:
    """Move the candidates into ``preview.matched``: one per park, checked against its
    records; several features of one park are all refused, unless ``groups`` (feature number
    -> its DXF layer) says they are parts of one group: then they are merged."""
    display = preview.file
    by_park: dict[str, list[MatchedFeature]] = {}
    for m in candidates:
        by_park.setdefault(m.park_id, []).append(m)
    for park_id, group in by_park.items():
        keys = {(groups or {}).get(m.feature, "") for m in group}
        if len(group) > 1 and len(keys) == 1 and "" not in keys:
            merged = _merged(group, keys.pop())
            numbers = ", ".join(f"#{m.feature}" for m in group)
            preview.problems.append(
                problem(
                    display,
                    merged.feature,
                    "geometry",
                    "merged",
                    "note",
                    label=merged.label,
                    numbers=numbers,
                    group=merged.label,
                    park=park_id,
                )
            )
            group = [merged]
        if len(group) == 1:
            preview.matched.append(group[0])
            preview.problems += _against_records(parks, group[0], display)
            continue
        numbers = ", ".join(f"#{m.feature}" for m in group)
        for m in group:
            preview.problems.append(
                problem(
                    display,
                    m.feature,
                    "park_id",
                    "duplicate",
                    label=m.label,
                    numbers=numbers,
                    park=park_id,
                )
            )
    preview.matched.sort(key=lambda m: m.feature)


def _merged(group: list[MatchedFeature], key: str) -> MatchedFeature:
    """The features of ``group`` (one park, one group ``key``) as one: their polygons united."""
    first = group[0]
    geometry = shapely.union_all([m.geometry for m in group])
    geometry = polygonal_part(geo.on_grid(geometry))
    notes = list(dict.fromkeys(m.note for m in group if m.note))
    return replace(
        first,
        label=key,
        how=first.how if len({m.how for m in group}) == 1 else "assigned",
        geometry=geometry,
        area_km2=geo.area_km2(geometry),
        note="; ".join(notes),
        parts=tuple(m.feature for m in group),
    )


def _against_records(parks: ParkIndex, match: MatchedFeature, display: str) -> list[Problem]:
    """How a matched footprint compares with its park's records: a mismatch (to confirm) when
    its area is more than :data:`AREA_RATIO` times off the recorded area, or it lies more than
    :data:`MISMATCH_DISTANCE_M` beyond the recorded location and its precision; a note when a
    sourced location is more than :data:`FAR_FROM_LOCATION_M` beyond."""
    row = parks.rows.get(match.park_id, {})
    number, park_id = match.feature, match.park_id
    out: list[Problem] = []
    recorded = row.get("area_km2")
    if _finite(recorded) and float(recorded) > 0:
        ratio = match.area_km2 / float(recorded)
        if not 1 / AREA_RATIO <= ratio <= AREA_RATIO:
            out.append(
                problem(
                    display,
                    number,
                    "geometry",
                    "mismatch_area",
                    "mismatch",
                    label=match.label,
                    got=match.area_km2,
                    want=float(recorded),
                    ratio=ratio,
                    park=park_id,
                    limit=AREA_RATIO,
                )
            )
    lon, lat = row.get("lon"), row.get("lat")
    if not _finite(lon) or not _finite(lat):
        return out
    precision = row.get("location_precision_m")
    precision = float(precision) if _finite(precision) else 0.0
    distance = geo.distance_m(shapely.Point(float(lon), float(lat)), match.geometry)
    if distance > precision + MISMATCH_DISTANCE_M:
        out.append(
            problem(
                display,
                number,
                "geometry",
                "mismatch_far",
                "mismatch",
                label=match.label,
                km=distance / 1000,
                park=park_id,
                beyond=(distance - precision) / 1000,
                precision=precision / 1000,
                limit=MISMATCH_DISTANCE_M / 1000,
            )
        )
    elif distance > precision + FAR_FROM_LOCATION_M and row.get("location_basis") == "sourced":
        out.append(
            problem(
                display,
                number,
                "geometry",
                "far_note",
                "note",
                km=distance / 1000,
                park=park_id,
                m=precision,
            )
        )
    return out


def _finite(value: Any) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False
