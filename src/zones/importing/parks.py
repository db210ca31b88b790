"""What an import matches features against: the parks (looked up by id and name), Ningbo's
land, which parks are surveyed now, and, for a store, its revision.

A :class:`Target` comes from the store an import writes to (:meth:`Target.of_store`: the
parks as readers see them, with every accepted change) or, for a preview that will not be
applied, from a table of parks (:meth:`Target.of_parks`, e.g. :func:`load_parks`).
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from zones.build.assemble import DISTRICTS_FILE
from zones.errors import ZonesError
from zones.geo import geometry as geo
from zones.importing.messages import MAX_LABEL
from zones.settings import DATA_DIR, GEO_DIR
from zones.text.escape import plain_text

if TYPE_CHECKING:
    from zones.model.dataset import Dataset
    from zones.store import Store


def load_parks(data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """The parks of ``data_dir/parks.csv`` (id, names, location) to match features against.

    Raises
    ------
    DataError
        When the table cannot be read.
    """
    from zones.model.tables import SCHEMAS, read_table

    table = read_table(Path(data_dir) / "parks.csv", SCHEMAS["parks.csv"])
    rows = [{k: v for k, v in r.items() if k != "_line"} for r in table.rows]
    return pd.DataFrame(rows)


def normalise(text: str) -> str:
    """Key for loose comparison: NFKC, case-folded, letters and digits only."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] in "LN")


#: Words that say what kind of place a park is, not which one (longest first).
_GENERIC = sorted(
    [
        "经济技术开发区", "高新技术产业开发区", "高新技术产业园", "经济开发区", "综合保税区",
        "工业园区", "产业园区", "开发区", "高新区", "工业园", "产业园", "保税区", "示范区",
        "合作区", "片区", "园区", "新区", "宁波", "浙江", "国家级", "省级",
        "economicandtechnologicaldevelopmentzone", "economicdevelopmentzone", "industrialpark",
        "developmentzone", "ningbo", "zhejiang", "etdz", "edz", "park", "zone", "newarea", "area",
    ],
    key=len,
    reverse=True,
)  # fmt: skip


def _distinctive(text: str) -> str:
    """The normalised name without place prefixes and generic words (may be empty)."""
    core = normalise(text)
    for word in _GENERIC:
        core = core.replace(word, "")
    return core


class ParkIndex:
    """Lookup of parks by id, exact name and normalised id/name."""

    def __init__(self, parks: pd.DataFrame) -> None:
        if "id" not in parks.columns:
            raise ZonesError("the parks to match against need an 'id' column")
        self.frame = parks.reset_index(drop=True)
        self.names: dict[str, str] = {}
        self.exact: dict[str, set[str]] = {}
        self.loose: dict[str, set[str]] = {}
        self.loose_ids: dict[str, set[str]] = {}
        records = self.frame.drop(columns="geometry", errors="ignore").to_dict("records")
        for row in records:
            pid = str(row["id"])
            name_zh = plain_text(row.get("name_zh"), MAX_LABEL)
            name_en = plain_text(row.get("name_en"), MAX_LABEL)
            self.names[pid] = name_zh or name_en or pid
            self.loose_ids.setdefault(normalise(pid), set()).add(pid)
            for name in (name_zh, name_en):
                if name:
                    self.exact.setdefault(name, set()).add(pid)
                    self.loose.setdefault(normalise(name), set()).add(pid)
        #: park id -> its row (the recorded area, location and precision the checks use)
        self.rows: dict[str, dict[str, Any]] = {str(r["id"]): r for r in records}

    def match(self, ident: str, names: Sequence[str]) -> tuple[str | None, str, list[str]]:
        """(park id or None, how, ambiguous candidates)."""
        if ident and ident in self.names:
            return ident, "id", []
        candidates: list[str] = []
        loose_id = normalise(ident) if ident else ""
        if loose_id and len(self.loose_ids.get(loose_id, ())) == 1:
            return next(iter(self.loose_ids[loose_id])), "id (normalised)", []
        for name in names:
            found = self.exact.get(name, set())
            if len(found) == 1:
                return next(iter(found)), "name", []
            candidates += sorted(found)
        for name in names:
            found = self.loose.get(normalise(name), set())
            if len(found) == 1 and not candidates:
                return next(iter(found)), "name (normalised)", []
            candidates += sorted(found - set(candidates))
        return None, "", candidates

    def suggest(self, ident: str, names: Sequence[str], limit: int = 3) -> list[str]:
        """Parks whose id or name resembles ``ident`` or ``names`` (best first).

        Names are compared on their distinctive part (without 宁波/浙江 and generic words such
        as 工业园 or 经济开发区), so 火星工业园 does not look like 余姚工业园.
        """
        keys = [(normalise(k), _distinctive(k), pid) for k, pid in self._keys()]
        scored: dict[str, float] = {}
        for text in [ident, *names]:
            key, core = (normalise(text), _distinctive(text)) if text else ("", "")
            if len(key) < 2:
                continue
            for other, other_core, pid in keys:
                if not other:
                    continue
                if core and other_core:
                    ratio = difflib.SequenceMatcher(None, core, other_core).ratio()
                    if len(core) >= 2 and (core in other_core or other_core in core):
                        ratio = max(ratio, 0.75)
                else:
                    ratio = difflib.SequenceMatcher(None, key, other).ratio()
                    if key in other or other in key:
                        ratio = max(ratio, 0.75)
                if ratio >= 0.6:
                    scored[pid] = max(scored.get(pid, 0.0), ratio)
        return [pid for pid, _ in sorted(scored.items(), key=lambda kv: (-kv[1], kv[0]))][:limit]

    def _keys(self) -> Iterable[tuple[str, str]]:
        for pid in self.names:
            yield pid, pid
        for name, pids in self.exact.items():
            for pid in pids:
                yield name, pid


@dataclass(frozen=True)
class Target:
    """What features are matched against.

    Attributes
    ----------
    parks
        The parks, by id and name, with their recorded area and location.
    land
        Ningbo's districts in EPSG:4549 metres; None when they cannot be read (a note says
        footprints were not checked against them).
    surveyed
        The parks whose footprint is surveyed now.
    footprints
        Each park's footprint now (WGS84), when known: what an import replaces.
    store
        The store the parks come from (None for a table of parks: such a preview cannot be
        applied).
    revision
        The store's revision the parks were read at.
    """

    parks: ParkIndex
    land: BaseGeometry | None
    surveyed: frozenset[str] = frozenset()
    footprints: Mapping[str, BaseGeometry] = field(default_factory=dict)
    store: Store | None = None
    revision: str | None = None

    @classmethod
    def of(cls, against: pd.DataFrame | Store | Target, geo_dir: Path | None = None) -> Target:
        """``against`` as a target: a Target as it is, a store's parks, or a table of parks."""
        if isinstance(against, Target):
            return against
        if isinstance(against, pd.DataFrame):
            return cls.of_parks(against, geo_dir)
        return cls.of_store(against)

    @classmethod
    def of_parks(cls, parks: pd.DataFrame, geo_dir: Path | None = None) -> Target:
        """A table of parks (``id``, ``name_zh``, ``name_en``; ``lon``, ``lat``, ``area_km2``,
        ``location_basis``, ``location_precision_m`` for the checks; ``footprint`` and a
        geometry when known), checked against the districts of ``geo_dir`` (else the
        repository's geo/)."""
        return cls(ParkIndex(parks), _land_of_folder(geo_dir), *_footprints(parks))

    @classmethod
    def of_store(
        cls, store: Store, ds: Dataset | None = None, revision: str | None = None
    ) -> Target:
        """The parks of ``store`` as its readers see them. ``ds`` and ``revision``: the
        dataset already read at that revision (the app's cache), else read now."""
        if ds is None or revision is None:
            revision = store.revision()  # before the dataset: a later change makes it stale
            ds = store.dataset()
        parks = ds.parks
        return cls(
            ParkIndex(parks), _land_of_frame(ds.districts), *_footprints(parks), store, revision
        )


def _footprints(parks: pd.DataFrame) -> tuple[frozenset[str], dict[str, BaseGeometry]]:
    """(the surveyed parks, each park's footprint) of a table of parks, as far as it says."""
    ids = parks["id"].astype(str)
    surveyed = frozenset()
    if "footprint" in parks.columns:
        surveyed = frozenset(ids[parks["footprint"].astype(str) == "surveyed"])
    shapes: dict[str, BaseGeometry] = {}
    if isinstance(parks, gpd.GeoDataFrame) and parks.geometry.name in parks.columns:
        shapes = {p: g for p, g in zip(ids, parks.geometry, strict=True) if g is not None}
    return surveyed, shapes


@functools.lru_cache(maxsize=4)
def _land_of_file(path: str, stamp: int) -> BaseGeometry:
    """The union of the districts in ``path`` (as of ``stamp``), in EPSG:4549 metres."""
    features, _ = geo.read_features(Path(path), id_field="adcode")
    return geo.to_metres(shapely.union_all([f["geometry"] for f in features]))


def _land_of_folder(geo_dir: Path | str | None) -> BaseGeometry | None:
    """Ningbo's districts (of ``geo_dir``, else the repository's geo/) in metres; None when
    they cannot be read."""
    for folder in (geo_dir, GEO_DIR):
        if folder is None:
            continue
        path = Path(folder) / DISTRICTS_FILE
        try:
            land = _land_of_file(str(path), path.stat().st_mtime_ns)
        except (OSError, ZonesError):
            continue
        if not land.is_empty:
            return land
    return None


_LAND: dict[str, BaseGeometry] = {}


def _land_of_frame(districts: gpd.GeoDataFrame) -> BaseGeometry | None:
    """The union of ``districts`` in metres (kept for the same geometries); None if empty."""
    geoms = np.asarray(districts.geometry.values, dtype=object)
    key = hashlib.sha256(b"".join(shapely.to_wkb(geoms))).hexdigest()
    if key not in _LAND:
        if len(_LAND) >= 4:
            _LAND.clear()
        _LAND[key] = geo.to_metres(shapely.union_all(geoms))
    land = _LAND[key]
    return None if land.is_empty else land
