"""What one run of the app hands to its tabs: the files, the dataset and the current view."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd

from zones.dataset import Dataset
from zones.filters import ParkFilter


@dataclass(frozen=True)
class Paths:
    """The built dataset the app shows, and the geo/ and data/ folders imports write to."""

    gpkg: Path
    geo_dir: Path
    data_dir: Path


@dataclass(frozen=True)
class Context:
    """The state of one run: dataset (and its file's mtime, the cache key), language, basemap,
    Tianditu token, filter and the parks it shows."""

    ds: Dataset
    paths: Paths
    mtime: float
    lang: str
    basemap: str
    token: str | None
    park_filter: ParkFilter
    shown: gpd.GeoDataFrame
    shown_ids: frozenset[str]

    @property
    def gpkg(self) -> str:
        """The dataset's path as the cached loaders key it."""
        return str(self.paths.gpkg)
