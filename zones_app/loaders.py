"""Cached loaders, keyed on the dataset's file and its modification time.

``cache_resource``: shared, never copied, so treat the results as read-only (tests check that
the mapping functions do not modify the GeoJSON they are given).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from zones import mapping, views
from zones.dataset import Dataset, load_dataset
from zones.filters import ParkFilter, apply_filter


def file_mtime(path: Path) -> float:
    """``path``'s modification time, 0.0 when it does not exist (the load then says why)."""
    return path.stat().st_mtime if path.exists() else 0.0


@st.cache_resource(max_entries=2, show_spinner=False)
def load(path: str, mtime: float) -> Dataset:
    """The built dataset at ``path`` (raises :class:`zones.errors.ZonesError`)."""
    return load_dataset(path)


@st.cache_resource(max_entries=8, show_spinner=False)
def base_features(path: str, mtime: float, lang: str, basemap: str) -> tuple[dict, dict]:
    """The districts' and belts' GeoJSON for the map."""
    ds = load(path, mtime)
    return (
        mapping.district_features(ds.districts, lang=lang, basemap=basemap),
        mapping.belt_features(ds.belts, lang=lang, basemap=basemap),
    )


@st.cache_resource(max_entries=32, show_spinner=False)
def park_features(path: str, mtime: float, f: ParkFilter, lang: str, basemap: str) -> dict:
    """The GeoJSON of the parks that ``f`` shows."""
    ds = load(path, mtime)
    return mapping.park_features(apply_filter(ds, f), lang=lang, basemap=basemap)


@st.cache_resource(max_entries=8, show_spinner=False)
def matrix_data(path: str, mtime: float, basis: str, lang: str) -> tuple[pd.DataFrame, dict]:
    """The matrix's long table and its heatmap as a Vega-Lite spec (Altair's validation of
    the spec costs ~40 ms, so it is done once)."""
    long = views.matrix_long(load(path, mtime), basis, lang)
    return long, views.matrix_chart(long, lang).to_dict()
