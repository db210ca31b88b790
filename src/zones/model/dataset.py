"""The built dataset: what `zones build` writes to the GeoPackage and everything else reads.

Layers and their columns (list columns hold Python lists in memory, JSON text in the GeoPackage):

``districts`` (polygons): adcode, name_zh, name_en, area_km2, source
``belts`` (polygons): id, name_zh, name_en, kind ("circle"/"belt"), color, order,
    areas (list of area names as the plan writes them), district_adcodes (list),
    focus_industry_ids, focus_industries, cultivate_industry_ids, cultivate_industries (lists:
    ids, and their Chinese names, the plan's, as industries.name_zh), geometry_basis
    ("indicative" where a district part is drawn), area_km2, source (plan:Lnn), quote
``parks`` (polygons): id, name_zh, name_en, level ("national"/"provincial"/"unknown"), level_note,
    level_note_zh, type, parent_id, district_adcodes, districts, belt_ids, belts (the belts whose
    area holds the park or that name it a platform), platform_belt_ids (the belts the plan names
    it a platform of), industry_ids, industries, designated_industry_ids, designated_industries,
    tier_ids, tiers, lon, lat, location_basis ("sourced"/"estimated"), location_precision_m,
    location_source, location_note, location_note_zh, area_km2 (sourced area or NaN),
    area_source, area_note, area_note_zh, footprint ("surveyed"/"indicative"), footprint_note,
    footprint_note_zh, footprint_source, footprint_area_km2, sources, notes, notes_zh (every
    note in English, and beside it in Chinese as ``<note>_zh``)
``industries`` (table): id, name_zh, name_en, tier_id ("" = not tiered by the plan), parent_id,
    aliases (list), source, quote, note
``tiers`` (table): id, name_zh, name_en, order, source, quote
``park_industries`` (table): park_id, industry_id, basis ("park"/"belt"/"source"), source, note
``targets`` (table): id, name_zh, name_en, value, unit_zh, unit_en, year, source, quote
``transport_nodes`` (table): id, name_zh, name_en, kind (seaport/river-port/airport/rail/bridge),
    lon, lat (NaN when no coordinate is sourced), location_basis ("sourced"/"missing"),
    location_precision_m, location_note, note, sources (list)

Parks also carry their connectivity, from the transport nodes that have a sourced coordinate:
nearest_port_km, nearest_port (seaport areas), airport_km (Lishe), nearest_rail_km, nearest_rail
(geodesic km from the park's location; as rough as that location, see location_precision_m).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from zones.errors import DataError, Problem
from zones.settings import DEFAULT_GPKG

SPATIAL_LAYERS = ("districts", "belts", "parks")
TABLE_LAYERS = ("industries", "tiers", "park_industries", "targets", "transport_nodes")

#: Columns that hold lists, per layer.
LIST_COLUMNS: dict[str, tuple[str, ...]] = {
    "districts": (),
    "belts": (
        "areas",
        "district_adcodes",
        "focus_industry_ids",
        "focus_industries",
        "cultivate_industry_ids",
        "cultivate_industries",
    ),
    "parks": (
        "district_adcodes",
        "districts",
        "belt_ids",
        "belts",
        "platform_belt_ids",
        "industry_ids",
        "industries",
        "designated_industry_ids",
        "designated_industries",
        "tier_ids",
        "tiers",
        "sources",
    ),
    "industries": ("aliases",),
    "tiers": (),
    "park_industries": (),
    "targets": (),
    "transport_nodes": ("sources",),
}
#: Tables whose rows are places: layer -> (longitude column, latitude column). Every export
#: format with a geometry of its own gives them a point there (a row without coordinates keeps
#: a null one); CSV keeps the two columns.
POINT_TABLES: dict[str, tuple[str, str]] = {"transport_nodes": ("lon", "lat")}


@dataclass(frozen=True)
class Dataset:
    """All layers of one build. GeoDataFrames are in EPSG:4326 (WGS84 lon/lat)."""

    districts: gpd.GeoDataFrame
    belts: gpd.GeoDataFrame
    parks: gpd.GeoDataFrame
    industries: pd.DataFrame
    tiers: pd.DataFrame
    park_industries: pd.DataFrame
    targets: pd.DataFrame
    transport_nodes: pd.DataFrame = field(default_factory=pd.DataFrame)

    def layer(self, name: str) -> pd.DataFrame:
        """Return the layer called ``name`` (one of SPATIAL_LAYERS + TABLE_LAYERS)."""
        if name not in SPATIAL_LAYERS + TABLE_LAYERS:
            allowed = ", ".join(SPATIAL_LAYERS + TABLE_LAYERS)
            raise ValueError(f"unknown layer {name!r}; expected one of {allowed}")
        return getattr(self, name)


def encode_lists(frame: pd.DataFrame, layer: str) -> pd.DataFrame:
    """Copy of ``frame`` with its list columns as JSON text (for GeoPackage and tables)."""
    out = frame.copy()
    for col in LIST_COLUMNS[layer]:
        out[col] = [json.dumps(list(v), ensure_ascii=False) for v in out[col]]
    return out


def decode_lists(frame: pd.DataFrame, layer: str) -> pd.DataFrame:
    """Inverse of :func:`encode_lists`."""
    for col in LIST_COLUMNS[layer]:
        frame[col] = _decode_column(frame[col].tolist())
    return frame


def _decode_column(cells: list[object]) -> list[object]:
    """Each cell's JSON text decoded ([] for a blank or missing cell), in one parse of the
    whole column; one parse per cell when that fails or miscounts, so bad text raises as it
    does alone."""
    texts = [v if isinstance(v, str) and v else "[]" for v in cells]
    try:
        values = json.loads(f"[{','.join(texts)}]")
    except json.JSONDecodeError:
        values = None
    if values is None or len(values) != len(cells):
        values = [json.loads(v) if isinstance(v, str) and v else [] for v in cells]
    return values


def load_dataset(path: Path | str = DEFAULT_GPKG) -> Dataset:
    """Read a GeoPackage written by `zones build`.

    Raises DataError naming the file when it is missing, not a GeoPackage, or lacks a layer.
    """
    path = Path(path)
    if not path.exists():
        msg = f"built dataset not found; run `zones build --out {path}`"
        raise DataError(Problem(str(path), None, None, msg))
    try:
        present = {name for name, _ in pyogrio.list_layers(path)}
    except Exception as exc:  # pyogrio raises several DataSourceError kinds
        raise DataError(
            Problem(str(path), None, None, f"not a readable GeoPackage ({exc}); run `zones build`")
        ) from exc
    missing = [n for n in SPATIAL_LAYERS + TABLE_LAYERS if n not in present]
    if missing:
        msg = f"layer(s) missing: {', '.join(missing)}; run `zones build`"
        raise DataError(Problem(str(path), None, None, msg))
    layers: dict[str, pd.DataFrame] = {}
    try:
        for name in SPATIAL_LAYERS + TABLE_LAYERS:
            layers[name] = decode_lists(_read_layer(path, name), name)
    except (ValueError, json.JSONDecodeError) as exc:
        raise DataError(Problem(str(path), None, None, f"corrupt layer: {exc}")) from exc
    except Exception as exc:
        raise DataError(Problem(str(path), None, None, f"cannot read: {exc}")) from exc
    return Dataset(**layers)  # type: ignore[arg-type]


def _read_layer(path: Path, name: str) -> pd.DataFrame:
    """The layer ``name`` as GDAL's row-by-row reader gives it, read through Arrow (several
    times faster). The two differ only for a text column without any text (an empty layer, a
    column of nulls): Arrow keeps its declared type where the other infers one from the values,
    so such a layer is read again the row-by-row way."""
    frame = _read(path, name, use_arrow=True)
    if any(isinstance(t, pd.StringDtype) and not frame[c].count() for c, t in frame.dtypes.items()):
        frame = _read(path, name, use_arrow=False)
    return frame


def _read(path: Path, name: str, *, use_arrow: bool) -> pd.DataFrame:
    if name in SPATIAL_LAYERS:
        return gpd.read_file(path, layer=name, engine="pyogrio", use_arrow=use_arrow)
    table = pyogrio.read_dataframe(path, layer=name, read_geometry=False, use_arrow=use_arrow)
    return pd.DataFrame(table)


def save_dataset(ds: Dataset, path: Path | str, *, metadata: dict[str, str] | None = None) -> Path:
    """Write every layer of ``ds`` to a GeoPackage at ``path``, atomically.

    The file is written next to ``path`` under a temporary name and renamed into place, so a
    failed write leaves any previous dataset intact. ``metadata`` is stored as the
    GeoPackage's dataset metadata (the build stores the digest of its inputs there).
    """
    from zones.io.atomic import atomic_write

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(path) as tmp:
        write_layers(ds, tmp, metadata=metadata)
    return path


def write_layers(ds: Dataset, path: Path, *, metadata: dict[str, str] | None = None) -> None:
    """Write every layer of ``ds`` into a new GeoPackage at ``path`` (not atomic by itself:
    :func:`save_dataset` and the embedded store call it on a temporary file)."""
    for i, name in enumerate(SPATIAL_LAYERS):
        frame = encode_lists(ds.layer(name), name)
        extra = {"dataset_metadata": metadata} if metadata and i == 0 else {}
        pyogrio.write_dataframe(frame, path, layer=name, driver="GPKG", **extra)
    for name in TABLE_LAYERS:
        frame = encode_lists(ds.layer(name), name)
        pyogrio.write_dataframe(frame, path, layer=name, driver="GPKG")
