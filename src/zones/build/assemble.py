"""Join geo/ and data/ into one validated Dataset, and write it as the embedded GeoPackage.

``build_dataset`` reads every input, collects every problem (all files, all rows) and raises
one ValidationError listing them when any is an error. Notes (facts worth knowing that are not
errors, such as a platform the plan puts in a belt whose area it does not lie in) come back
with the dataset.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from zones.geo import geometry as geo
from zones.present.analysis import connectivity
from zones.model.dataset import SPATIAL_LAYERS, TABLE_LAYERS, Dataset
from zones.errors import DataError, Problem, ValidationError, ZonesError
from zones.settings import (
    DATA_DIR,
    DEFAULT_FOOTPRINT_KM2,
    DEFAULT_GPKG,
    GEO_DIR,
    WGS84,
    is_database_url,
)
from zones.model.tables import SCHEMAS, Table, read_table, read_text
from zones.model.validate import check_citations, check_references, check_sources, errors_in

DISTRICTS_FILE = "districts.geojson"
PARTS_FILE = "district_parts.geojson"
#: Surveyed park boundaries (written by `zones import`); optional.
SURVEYED_FILE = "surveyed_footprints.geojson"
PLAN_FILE = "plan.zh.txt"
#: A park with a surveyed footprint lies in the districts (and belt areas) holding at least this
#: share of its footprint, so that slivers along a boundary do not count.
OVERLAP_SHARE = 0.01
#: Bumped when a build from the same inputs would differ (new layer, new column): older
#: builds then count as stale.
BUILD_FORMAT = 3
#: Key of the inputs digest in the GeoPackage's dataset metadata.
DIGEST_KEY = "zones_inputs_sha256"
#: A location basis as the Chinese notes the build writes say it.
BASIS_ZH = {"sourced": "有出处的", "estimated": "估计的"}


@dataclass
class Inputs:
    """Everything read from geo/ and data/, before assembly."""

    tables: dict[str, Table]
    plan: list[str]
    districts: list[dict[str, Any]]
    parts: list[dict[str, Any]]
    surveyed: list[dict[str, Any]]
    problems: list[Problem] = field(default_factory=list)


def input_files(geo_dir: Path = GEO_DIR, data_dir: Path = DATA_DIR) -> list[Path]:
    """Every file a build reads (for staleness checks)."""
    files = [data_dir / name for name in SCHEMAS] + [data_dir / PLAN_FILE]
    files += [geo_dir / DISTRICTS_FILE, geo_dir / PARTS_FILE]
    surveyed = geo_dir / SURVEYED_FILE
    return [*files, surveyed] if surveyed.exists() else files


def read_inputs(geo_dir: Path = GEO_DIR, data_dir: Path = DATA_DIR) -> Inputs:
    """Read every input file; a file that cannot be read at all becomes one problem."""
    problems: list[Problem] = []
    tables: dict[str, Table] = {}
    for name, schema in SCHEMAS.items():
        try:
            tables[name] = read_table(data_dir / name, schema)
        except DataError as exc:
            problems.append(exc.problem)
            tables[name] = Table(data_dir / name, readable=False)
        problems += tables[name].problems
    plan: list[str] = []
    try:
        plan = read_text(data_dir / PLAN_FILE).splitlines()
    except DataError as exc:
        problems.append(exc.problem)

    def features(name: str, id_field: str, required: bool = True) -> list[dict[str, Any]]:
        path = geo_dir / name
        if not required and not path.exists():
            return []
        try:
            found, bad = geo.read_features(path, id_field=id_field)
        except DataError as exc:
            problems.append(exc.problem)
            return []
        problems.extend(bad)
        seen: dict[str, int] = {}
        unique = []
        for feat in found:
            key = str(feat[id_field])
            if key in seen:
                msg = f"duplicate {id_field} {key!r} (first in feature {seen[key]})"
                problems.append(Problem(str(path), feat["_feature"], id_field, msg))
                continue
            seen[key] = feat["_feature"]
            unique.append(feat)
        return unique

    return Inputs(
        tables=tables,
        plan=plan,
        districts=features(DISTRICTS_FILE, "adcode"),
        parts=features(PARTS_FILE, "id"),
        surveyed=features(SURVEYED_FILE, "park_id", required=False),
        problems=problems,
    )


def _ordered(ids: set[str], order: list[str]) -> list[str]:
    return [i for i in order if i in ids]


class _Assembler:
    """Turns validated inputs into the layers of a Dataset, noting geometric problems."""

    def __init__(self, inputs: Inputs, geo_dir: Path) -> None:
        self.inputs = inputs
        self.geo_dir = geo_dir
        self.t = {name[:-4]: table for name, table in inputs.tables.items()}
        self.problems: list[Problem] = []
        self.district_geom = {str(d["adcode"]): d["geometry"] for d in inputs.districts}
        self.district_name = {str(d["adcode"]): d["name_zh"] for d in inputs.districts}
        self.industry_order = [r["id"] for r in self.t["industries"].rows]
        self.industries = self.t["industries"].by_key()
        self.tiers = self.t["tiers"].by_key()
        self.belt_order = [r["id"] for r in sorted(self.t["belts"].rows, key=lambda r: r["order"])]
        self._clips: dict[tuple[str, ...], tuple[BaseGeometry, BaseGeometry]] = {}
        self._land_clips: dict[int, tuple[BaseGeometry, BaseGeometry]] = {}

    def _problem(self, file: str, row: int | None, fld: str, msg: str, sev: str = "error"):
        self.problems.append(Problem(file, row, fld, msg, sev))

    # -- districts and belts -------------------------------------------------------------
    def districts(self) -> gpd.GeoDataFrame:
        cols = ["adcode", "name_zh", "name_en", "source"]
        frame = geo.frame(sorted(self.inputs.districts, key=lambda d: str(d["adcode"])), cols)
        frame["adcode"] = frame["adcode"].astype(str)
        frame.insert(3, "area_km2", [round(geo.area_km2(g), 3) for g in frame.geometry])
        return frame

    def parts(self) -> dict[str, BaseGeometry]:
        path = str(self.geo_dir / PARTS_FILE)
        out: dict[str, BaseGeometry] = {}
        by_district: dict[str, list[str]] = {}
        for part in self.inputs.parts:
            adcode = str(part.get("district_adcode", ""))
            if adcode not in self.district_geom:
                msg = f"unknown district adcode {adcode!r}"
                self._problem(path, part["_feature"], "district_adcode", msg)
                continue
            clipped = shapely.make_valid(part["geometry"].intersection(self.district_geom[adcode]))
            if clipped.is_empty or geo.area_km2(clipped) < 0.01:
                msg = f"does not overlap its district {adcode}"
                self._problem(path, part["_feature"], "geometry", msg)
                continue
            for other in by_district.get(adcode, []):
                overlap = geo.area_km2(clipped.intersection(out[other]))
                if overlap > 0.01:
                    msg = f"overlaps part {other!r} by {overlap:.2f} km²"
                    self._problem(path, part["_feature"], "geometry", msg)
            by_district.setdefault(adcode, []).append(part["id"])
            out[part["id"]] = clipped
        return out

    def belts(self, parts: dict[str, BaseGeometry]) -> gpd.GeoDataFrame:
        areas = self.t["belt_areas"].rows
        focus = self.t["belt_industries"].rows
        rows, geoms = [], []
        for belt in sorted(self.t["belts"].rows, key=lambda r: r["order"]):
            mine = [a for a in areas if a["belt_id"] == belt["id"]]
            pieces = [
                self.district_geom[a["ref"]] if a["kind"] == "district" else parts[a["ref"]]
                for a in mine
                if a["kind"] != "park" and (a["ref"] in self.district_geom or a["ref"] in parts)
            ]
            shape = geo.on_grid(shapely.union_all(pieces)) if pieces else shapely.Polygon()
            adcodes = {a["ref"] for a in mine if a["kind"] == "district"}
            adcodes |= {
                str(p["district_adcode"])
                for p in self.inputs.parts
                if p["id"] in {a["ref"] for a in mine if a["kind"] == "district_part"}
            }
            by_role = {
                role: _ordered(
                    {
                        f["industry_id"]
                        for f in focus
                        if f["belt_id"] == belt["id"] and f["role"] == role
                    },
                    self.industry_order,
                )
                for role in ("focus", "cultivate")
            }
            has_part = any(a["kind"] == "district_part" for a in mine)
            names = {
                role: [self.industries[i]["name_zh"] for i in ids] for role, ids in by_role.items()
            }
            rows.append(
                {
                    "id": belt["id"],
                    "name_zh": belt["name_zh"],
                    "name_en": belt["name_en"],
                    "kind": belt["kind"],
                    "color": belt["color"],
                    "order": belt["order"],
                    "areas": [a["area_zh"] for a in mine],
                    "district_adcodes": sorted(adcodes),
                    "focus_industry_ids": by_role["focus"],
                    "focus_industries": names["focus"],
                    "cultivate_industry_ids": by_role["cultivate"],
                    "cultivate_industries": names["cultivate"],
                    "geometry_basis": "indicative" if has_part else "districts",
                    "area_km2": round(geo.area_km2(shape), 3),
                    "source": belt["source"],
                    "quote": belt["quote"],
                }
            )
            geoms.append(shape)
        return gpd.GeoDataFrame(rows, geometry=geoms, crs=WGS84)

    # -- parks -----------------------------------------------------------------------------
    def parks(self, belts: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
        parks_path = str(self.t["parks"].path)
        belt_geom = dict(zip(belts["id"], belts.geometry, strict=True))
        belt_name = dict(zip(belts["id"], belts["name_zh"], strict=True))
        platform: dict[str, set[str]] = {}
        for link in self.t["park_belts"].rows:
            platform.setdefault(link["park_id"], set()).add(link["belt_id"])
        land = shapely.union_all(list(self.district_geom.values()))

        anchors: dict[str, BaseGeometry] = {}
        anchor_text: dict[str, str] = {}
        for row in self.t["parks"].rows:
            if not math.isnan(row["lon"]):
                continue
            districts = [self.district_geom[a] for a in row["district_adcodes"]]
            belts_of = [belt_geom[b] for b in sorted(platform.get(row["id"], ()))]
            area = shapely.union_all(districts) if districts else None
            if area is not None and belts_of:
                both = shapely.make_valid(area.intersection(shapely.union_all(belts_of)))
                if geo.area_km2(both) > 1:
                    area = both
            if area is None and belts_of:
                area = shapely.union_all(belts_of)
            if area is None:
                msg = "no location, and no district or belt to estimate one from"
                self._problem(parks_path, row["_line"], "lon", msg)
                continue
            anchors[row["id"]] = area
            names = [self.district_name[a] for a in row["district_adcodes"]] or [
                belt_name[b] for b in sorted(platform.get(row["id"], ()))
            ]
            anchor_text[row["id"]] = "、".join(names)
        estimates = geo.estimate_locations(anchors)

        surveyed = {str(s["park_id"]): s for s in self.inputs.surveyed}
        known = {r["id"] for r in self.t["parks"].rows}
        for park_id, feat in surveyed.items():
            if park_id not in known:
                path = str(self.geo_dir / SURVEYED_FILE)
                self._problem(path, feat["_feature"], "park_id", f"unknown park {park_id!r}")

        links = self._links(platform)
        industries_of: dict[str, set[str]] = {}
        designated_of: dict[str, set[str]] = {}
        for pid, ind, basis in zip(
            links["park_id"], links["industry_id"], links["basis"], strict=True
        ):
            industries_of.setdefault(pid, set()).add(ind)
            if basis == "park":
                designated_of.setdefault(pid, set()).add(ind)
        records, geoms = [], []
        for row in self.t["parks"].rows:
            pid = row["id"]
            if pid in surveyed:  # its location, districts and area follow the survey
                feat = surveyed[pid]
                source = str(feat.get("source") or SURVEYED_FILE)
                row = {**row, **surveyed_facts(row, feat["geometry"], self.district_geom, source)}
            lon, lat, precision = row["lon"], row["lat"], row["location_precision_m"]
            note, note_zh = row["location_note"], row["location_note_zh"]
            if pid in estimates and pid not in surveyed:
                lon, lat, precision = estimates[pid]
                note += (
                    f" Point computed by `zones build`: representative point of {anchor_text[pid]}"
                    " (spread on a 3 km ring where several parks share that area); the precision"
                    " is the distance to the area's farthest point."
                )
                note_zh += (
                    f"位置点由 `zones build` 计算：取{anchor_text[pid]}范围的代表点（多个园区共用"
                    "同一范围时，分布在半径 3 公里的圆环上）；精度为该点到范围最远点的距离。"
                )
            elif math.isnan(lon):
                continue
            point = Point(lon, lat)
            clip, clip_test = self._district_clip(tuple(row["district_adcodes"]))
            inside = pid in surveyed or clip_test.contains(point)
            if row["district_adcodes"] and not inside:
                names = "、".join(self.district_name[a] for a in row["district_adcodes"])
                msg = f"location ({lon}, {lat}) lies outside its district(s) {names}"
                self._problem(parks_path, row["_line"], "lon", msg)
            if clip.is_empty:
                clip = land
            if pid in surveyed:
                area_belts = overlapping(belt_geom, surveyed[pid]["geometry"])
            else:
                area_belts = {b for b, g in belt_geom.items() if g.contains(point)}
            for b in sorted(platform.get(pid, set()) - area_belts):
                msg = (
                    f"the plan names it a platform of {belt_name[b]}, but its location lies "
                    "outside that belt's area"
                )
                self._problem(parks_path, row["_line"], "belt", msg, "note")
            if not platform.get(pid) and area_belts:
                names = "、".join(belt_name[b] for b in sorted(area_belts))
                msg = f"lies in the area of {names} but the plan names it a platform of no belt"
                self._problem(parks_path, row["_line"], "belt", msg, "note")
            belt_ids = _ordered(platform.get(pid, set()) | area_belts, self.belt_order)

            if pid in surveyed:
                shape = surveyed[pid]["geometry"]
                kind, fp_source = "surveyed", str(surveyed[pid].get("source", ""))
                fp_note = str(surveyed[pid].get("note", "")) or "Surveyed boundary."
                fp_note_zh = str(surveyed[pid].get("note_zh", "")) or (
                    str(surveyed[pid].get("note", "")) or "实测边界。"
                )
            else:
                sourced_area = not math.isnan(row["area_km2"])
                area = row["area_km2"] if sourced_area else DEFAULT_FOOTPRINT_KM2
                shape = geo.on_grid(
                    geo.indicative_footprint(lon, lat, area, self._land_of(clip, land))
                )
                kind, fp_source = "indicative", ""
                basis = "its sourced area" if sourced_area else "the default area"
                fp_note = (
                    f"Indicative, not a boundary: a disk of {area:g} km² ({basis}) around the "
                    f"{row['location_basis']} location, clipped to the land of its district(s)."
                )
                basis_zh = "有出处的面积" if sourced_area else "默认面积"
                fp_note_zh = (
                    f"示意范围，并非边界：以{BASIS_ZH.get(row['location_basis'], '')}位置为中心、"
                    f"面积 {area:g} 平方公里（{basis_zh}）的圆，裁剪到所在区县的陆域。"
                )
            industry_ids = _ordered(industries_of.get(pid, set()), self.industry_order)
            designated = _ordered(designated_of.get(pid, set()), self.industry_order)
            tier_ids = sorted(
                {self.industries[i]["tier_id"] for i in industry_ids} - {""},
                key=lambda t: self.tiers[t]["order"],
            )
            names = [self.district_name[a] for a in row["district_adcodes"]]
            records.append(
                {
                    "id": pid,
                    "name_zh": row["name_zh"],
                    "name_en": row["name_en"],
                    "level": row["level"],
                    "level_note": row["level_note"],
                    "level_note_zh": row["level_note_zh"],
                    "type": row["type"],
                    "parent_id": row["parent_id"],
                    "district_adcodes": row["district_adcodes"],
                    "districts": names,
                    "belt_ids": belt_ids,
                    "belts": [belt_name[b] for b in belt_ids],
                    "platform_belt_ids": _ordered(platform.get(pid, set()), self.belt_order),
                    "industry_ids": industry_ids,
                    "industries": [self.industries[i]["name_zh"] for i in industry_ids],
                    "designated_industry_ids": designated,
                    "designated_industries": [self.industries[i]["name_zh"] for i in designated],
                    "tier_ids": tier_ids,
                    "tiers": [self.tiers[t]["name_zh"] for t in tier_ids],
                    "lon": round(lon, 6),
                    "lat": round(lat, 6),
                    "location_basis": row["location_basis"],
                    "location_precision_m": int(precision or 0),
                    "location_source": row["location_source"],
                    "location_note": note.strip(),
                    "location_note_zh": note_zh.strip(),
                    "area_km2": row["area_km2"],
                    "area_source": row["area_source"],
                    "area_note": row["area_note"],
                    "area_note_zh": row["area_note_zh"],
                    "footprint": kind,
                    "footprint_note": fp_note,
                    "footprint_note_zh": fp_note_zh,
                    "footprint_source": fp_source,
                    "footprint_area_km2": round(geo.area_km2(shape), 3),
                    "sources": row["sources"],
                    "notes": row["notes"],
                    "notes_zh": row["notes_zh"],
                }
            )
            geoms.append(shape)
        parks = gpd.GeoDataFrame(records, geometry=geoms, crs=WGS84)
        return parks, links

    def _district_clip(self, adcodes: tuple[str, ...]) -> tuple[BaseGeometry, BaseGeometry]:
        """The union of ``adcodes``' districts, and a prepared copy grown by 1e-9° for point
        tests; made once per set of districts (a build of 50,000 parks asks ~50,000 times)."""
        if adcodes not in self._clips:
            union = shapely.union_all([self.district_geom[a] for a in adcodes])
            test = union.buffer(1e-9)
            shapely.prepare(test)
            self._clips[adcodes] = (union, test)
        return self._clips[adcodes]

    def _land_of(self, clip: BaseGeometry, land: BaseGeometry) -> BaseGeometry:
        """``clip`` ∩ ``land``, made once per clip."""
        key = id(clip)
        if key not in self._land_clips:
            on_land = clip.intersection(land)
            shapely.prepare(on_land)
            self._land_clips[key] = (clip, on_land)
        return self._land_clips[key][1]

    def _links(self, platform: dict[str, set[str]]) -> pd.DataFrame:
        """park_industries: the designations and sourced links of the table, plus belt focus."""
        rows = [
            (r["park_id"], r["industry_id"], r["basis"], r["source"], r["note"])
            for r in self.t["park_industries"].rows
        ]
        seen = {(r[0], r[1], r[2]) for r in rows}
        for focus in self.t["belt_industries"].rows:
            if focus["role"] != "focus":
                continue
            for park in self.t["parks"].rows:
                key = (park["id"], focus["industry_id"], "belt")
                if focus["belt_id"] in platform.get(park["id"], set()) and key not in seen:
                    seen.add(key)
                    note = f"focus of belt {focus['belt_id']}"
                    rows.append((*key, focus["source"], note))
        order = {pid: i for i, pid in enumerate(r["id"] for r in self.t["parks"].rows)}
        basis_order = {"park": 0, "belt": 1, "source": 2}
        ind_order = {iid: i for i, iid in enumerate(self.industry_order)}
        rows.sort(key=lambda r: (order.get(r[0], 0), basis_order[r[2]], ind_order.get(r[1], 0)))
        return pd.DataFrame(rows, columns=["park_id", "industry_id", "basis", "source", "note"])

    def tables(self) -> dict[str, pd.DataFrame]:
        def table(name: str) -> pd.DataFrame:
            rows = [{k: v for k, v in r.items() if k != "_line"} for r in self.t[name].rows]
            return pd.DataFrame(rows, columns=SCHEMAS[f"{name}.csv"].names)

        return {name: table(name) for name in ("industries", "tiers", "targets", "transport_nodes")}


def overlapping(areas: Mapping[str, BaseGeometry], shape: BaseGeometry) -> set[str]:
    """The keys of ``areas`` holding at least :data:`OVERLAP_SHARE` of ``shape``'s area."""
    total = geo.area_km2(shape)
    found = set()
    for key, area in areas.items():
        if total <= 0 or not area.intersects(shape):
            continue
        share = geo.area_km2(shapely.make_valid(area.intersection(shape))) / total
        if share >= OVERLAP_SHARE:
            found.add(key)
    return found


def surveyed_facts(
    row: Mapping[str, Any],
    shape: BaseGeometry,
    district_geom: Mapping[str, BaseGeometry],
    source: str,
) -> dict[str, Any]:
    """The facts of a park's ``row`` that its surveyed footprint ``shape`` (from ``source``)
    replaces.

    Its location becomes the footprint's representative point (precision: the distance to
    the footprint's farthest point), its districts those of ``district_geom`` holding at least
    :data:`OVERLAP_SHARE` of it (else the nearest one: a footprint on reclaimed land), its
    area the footprint's (EPSG:4549); the notes, in English and in Chinese (``*_zh``), keep
    what was recorded before.
    """
    said = f"surveyed footprint: {source}"
    point = shape.representative_point()
    reach = shapely.hausdorff_distance(geo.to_metres(point), geo.to_metres(shape))
    adcodes = sorted(overlapping(district_geom, shape)) or [
        min(district_geom, key=lambda a: district_geom[a].distance(shape))
    ]
    lon, area = _number(row.get("lon")), _number(row.get("area_km2"))
    before = f"({lon}, {row.get('lat')}), {row.get('location_basis')}" if lon == lon else "none"
    recorded = f"{area:g} km² ({row.get('area_source') or 'no source'})" if area == area else "none"
    basis_zh = BASIS_ZH.get(str(row.get("location_basis")), str(row.get("location_basis")))
    before_zh = f"（{lon}, {row.get('lat')}），{basis_zh}" if lon == lon else "无"
    recorded_zh = (
        f"{area:g} 平方公里（{row.get('area_source') or '无出处'}）" if area == area else "无"
    )
    return {
        "lon": round(point.x, 6),
        "lat": round(point.y, 6),
        "location_precision_m": round(reach),
        "location_basis": "sourced",
        "location_source": said,
        "location_note": (
            f"{row.get('location_note') or ''} Point computed by `zones build` from the {said}: "
            "its representative point; the precision is the distance to its farthest point. "
            f"Recorded location before: {before}."
        ).strip(),
        "location_note_zh": (
            f"{row.get('location_note_zh') or ''}位置点由 `zones build` 根据实测范围（{source}）"
            f"计算：取其代表点；精度为该点到范围最远点的距离。此前记录的位置：{before_zh}。"
        ).strip(),
        "district_adcodes": adcodes,
        "area_km2": round(geo.area_km2(shape), 3),
        "area_source": said,
        "area_note": (
            f"Area of the {said}, measured in EPSG:4549 by `zones build`; recorded area before: "
            f"{recorded}. {row.get('area_note') or ''}"
        ).strip(),
        "area_note_zh": (
            f"实测范围（{source}）的面积，由 `zones build` 按 EPSG:4549 量算；此前记录的面积："
            f"{recorded_zh}。{row.get('area_note_zh') or ''}"
        ).strip(),
    }


def _number(value: Any) -> float:
    """``value`` as a float; NaN when it is missing or not a number."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def build_dataset(
    geo_dir: Path = GEO_DIR, data_dir: Path = DATA_DIR
) -> tuple[Dataset, list[Problem]]:
    """Read, validate and assemble the layout. Returns the dataset and the notes.

    Raises ValidationError listing every error found in every input file.
    """
    inputs = read_inputs(geo_dir, data_dir)
    problems = list(inputs.problems)
    adcodes = {str(d["adcode"]) for d in inputs.districts}
    part_ids = {str(p["id"]) for p in inputs.parts}
    problems += check_references(inputs.tables, adcodes=adcodes, part_ids=part_ids)
    problems += check_sources(inputs.tables)
    if inputs.plan:
        problems += check_citations(inputs.tables, inputs.plan)
    if errors_in(problems):
        raise ValidationError(problems)
    asm = _Assembler(inputs, geo_dir)
    districts = asm.districts()
    belts = asm.belts(asm.parts())
    parks, links = asm.parks(belts)
    problems += asm.problems
    if errors_in(problems):
        raise ValidationError(problems)
    tables = asm.tables()
    parks = pd.concat([parks, connectivity(parks, tables["transport_nodes"])], axis=1)
    parks = parks[[c for c in parks.columns if c != "geometry"] + ["geometry"]]
    dataset = Dataset(
        districts=districts,
        belts=belts,
        parks=parks,
        industries=tables["industries"],
        tiers=tables["tiers"],
        park_industries=links,
        targets=tables["targets"],
        transport_nodes=tables["transport_nodes"],
    )
    return dataset, [p for p in problems if p.severity != "error"]


def inputs_digest(geo_dir: Path = GEO_DIR, data_dir: Path = DATA_DIR) -> str:
    """SHA-256 over every input file's name and bytes (and the build format): what a build
    stores, so a later check knows whether it was made from these inputs."""
    digest = hashlib.sha256(f"zones-build-format:{BUILD_FORMAT}\n".encode())
    for path in input_files(geo_dir, data_dir):
        digest.update(f"{path.name}\n".encode())
        digest.update(path.read_bytes() if path.is_file() else b"(missing)")
        digest.update(b"\n")
    return digest.hexdigest()


def is_stale(
    out: Path | str = DEFAULT_GPKG, geo_dir: Path = GEO_DIR, data_dir: Path = DATA_DIR
) -> bool:
    """True unless ``out`` is a sound GeoPackage built by this version from these very inputs.

    Modification times are not trusted (a copy, a checkout or a truncated file can all look
    new): the file must pass SQLite's integrity check, hold every layer, and carry the digest
    of the current inputs (:func:`inputs_digest`) that :func:`build` stored in it.
    """
    if is_database_url(out):
        from zones.store import open_store

        try:
            stored = open_store(str(out)).status().built_from
        except ZonesError:
            return True
        return stored != inputs_digest(geo_dir, data_dir)
    out = Path(out)
    if not out.is_file():
        return True
    stored = built_inputs_digest(out)
    return stored is None or stored != inputs_digest(geo_dir, data_dir)


def built_inputs_digest(path: Path) -> str | None:
    """The inputs digest stored in the GeoPackage at ``path``; None when the file is damaged,
    lacks a layer or carries no digest (built by another version)."""
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            if db.execute("PRAGMA quick_check").fetchone() != ("ok",):
                return None
        present = {name for name, _ in pyogrio.list_layers(path)}
        if not set(SPATIAL_LAYERS + TABLE_LAYERS) <= present:
            return None
        metadata = pyogrio.read_info(path, layer=SPATIAL_LAYERS[0])["dataset_metadata"] or {}
    except Exception:  # sqlite3 and pyogrio raise several kinds for a damaged file
        return None
    return metadata.get(DIGEST_KEY)


def build(
    out: Path | str = DEFAULT_GPKG, geo_dir: Path = GEO_DIR, data_dir: Path = DATA_DIR
) -> tuple[Dataset, list[Problem]]:
    """Build and write the layers into the store at ``out`` (a GeoPackage path, written
    atomically, or a PostGIS URL, written in one transaction); on errors nothing is written.

    The store's log of changes is kept; the digest of the inputs is stored with the layers
    (see :func:`is_stale`).
    """
    from zones.store import open_store

    digest = inputs_digest(geo_dir, data_dir)
    dataset, notes = build_dataset(geo_dir, data_dir)
    open_store(out).write_base(dataset, digest=digest)
    return dataset, notes
