"""What one run of the app hands to its tabs: the files, the dataset and the current view."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd

from zones.model.dataset import Dataset
from zones.model.filters import ParkFilter
from zones.store.auth import User


@dataclass(frozen=True)
class Paths:
    """The store the app shows (a GeoPackage path or a PostGIS URL), and the geo/ and data/
    folders a rebuild reads."""

    store: str
    geo_dir: Path
    data_dir: Path

    @property
    def gpkg(self) -> Path:
        """The embedded store's file (where builds write when the store is a GeoPackage)."""
        return Path(self.store)


@dataclass(frozen=True)
class Context:
    """The state of one run: dataset (and the store's revision, the cache key), language,
    basemap, Tianditu token, filter, the parks it shows and who is signed in."""

    ds: Dataset
    paths: Paths
    revision: str
    lang: str
    basemap: str
    token: str | None
    park_filter: ParkFilter
    shown: gpd.GeoDataFrame
    shown_ids: frozenset[str]
    #: The signed-in editor or reviewer; None for a viewer.
    user: User | None = None

    @property
    def store(self) -> str:
        """The store as the cached loaders key it."""
        return self.paths.store
