"""Cached loaders, keyed on the store and its revision (which moves with every rebuild and
every change accepted or reverted, by this app server or any other on the same store).

``cache_resource``: shared, never copied, so treat the results as read-only (tests check that
the mapping functions do not modify the GeoJSON they are given).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from zones.errors import ZonesError
from zones.map import assets, many, mapping
from zones.model import filters
from zones.model.dataset import Dataset
from zones.model.filters import ParkFilter, apply_filter
from zones.present import urlstate, views
from zones.store import open_store


def display_name(store: str) -> str:
    """``store`` as pages may show it: a PostGIS URL without its password."""
    return open_store(store).url


def base_url_path() -> str:
    """The path the server serves the app under (``server.baseUrlPath``), "" at the root."""
    return st.get_option("server.baseUrlPath") or ""


def draws_on_canvas(ds: Dataset) -> bool:
    """From :data:`zones.map.many.MANY_PARKS` parks on, the map draws them on one canvas from
    :func:`park_table`'s file instead of sending GeoJSON (:func:`park_features`)."""
    return len(ds.parks) >= many.MANY_PARKS


@st.cache_resource(show_spinner=False)
def has_cjk_font() -> bool:
    """Whether the server can draw the PDF briefing's Chinese (asked on every first visit:
    matplotlib's import and font list, ~0.15 s the first time)."""
    from zones.present.briefing_pdf import cjk_font

    return cjk_font() is not None


def warm_default_view(store: str, revision: str) -> None:
    """Fill what a session's first run on the default view (a link without parameters) reads
    from these caches: the filters' choices, the outlines, and with many parks the canvas
    table (50,000 parks: ~6 s, most of it the search keys' pinyin). Called by the server's
    warm-up (:mod:`zones_app.warmup`), once the dataset is loaded."""
    view = urlstate.ViewState()
    lang, basemap, path = view.lang, view.basemap, base_url_path()
    filter_choices(store, revision, lang)
    outline_urls(store, revision, lang, basemap, path)
    if draws_on_canvas(load(store, revision)):
        park_table(store, revision, lang, basemap, path)


def revision(store: str) -> str:
    """The store's revision (one small query): the cache key of everything below. A store
    that cannot be read gives "unreadable", and :func:`load` then says why."""
    try:
        return open_store(store).revision()
    except ZonesError:
        return "unreadable"


@st.cache_resource(max_entries=2, show_spinner=False)
def load(store: str, revision: str) -> Dataset:
    """The dataset of ``store`` with its accepted changes (raises ZonesError)."""
    return open_store(store).dataset()


def filter_choices(store: str, revision: str, lang: str) -> dict[str, dict[str, str]]:
    """Each filter's choices (:func:`zones.model.filters.filter_choices`), cached per
    registry of filters too (a dimension registered later gets its own)."""
    return _filter_choices(store, revision, lang, tuple(d.key for d in filters.DIMENSIONS))


@st.cache_resource(max_entries=8, show_spinner=False)
def _filter_choices(
    store: str, revision: str, lang: str, dimensions: tuple[str, ...]
) -> dict[str, dict[str, str]]:
    return filters.filter_choices(load(store, revision), lang)


@st.cache_resource(max_entries=8, show_spinner=False)
def base_features(store: str, revision: str, lang: str, basemap: str) -> tuple[dict, dict]:
    """The districts' and belts' GeoJSON for the map."""
    ds = load(store, revision)
    return (
        mapping.district_features(ds.districts, lang=lang, basemap=basemap),
        mapping.belt_features(ds.belts, lang=lang, basemap=basemap),
    )


@st.cache_resource(max_entries=32, show_spinner=False)
def park_features(store: str, revision: str, f: ParkFilter, lang: str, basemap: str) -> dict:
    """The GeoJSON of the parks that ``f`` shows."""
    ds = load(store, revision)
    return mapping.park_features(apply_filter(ds, f), lang=lang, basemap=basemap)


@st.cache_resource(max_entries=8, show_spinner=False)
def park_table(
    store: str, revision: str, lang: str, basemap: str, base_url_path: str
) -> tuple[str, tuple[str, ...]]:
    """Every park of a large dataset as the map's canvas table (:mod:`zones.map.many`): the URL
    the map fetches it at (:func:`zones.map.assets.fetch_url`) and the park ids in its order."""
    ds = load(store, revision)
    table = many.park_table(mapping.park_features(ds.parks, lang=lang, basemap=basemap))
    return assets.fetch_url(many.table_bytes(table), "parks", base_url_path), tuple(table["ids"])


@st.cache_resource(max_entries=8, show_spinner=False)
def outline_urls(
    store: str, revision: str, lang: str, basemap: str, base_url_path: str
) -> dict[str, str]:
    """Where the map fetches the districts' and each belt's outlines (once, instead of every
    rerun sending them; :func:`zones.map.assets.fetch_url`): layer key -> URL
    (:func:`zones.map.mapping.outline_keys`)."""
    districts_fc, belts_fc = base_features(store, revision, lang, basemap)
    return {
        key: assets.fetch_url(mapping.geojson_bytes(fc), "outlines", base_url_path)
        for key, fc in mapping.outline_layers(districts_fc, belts_fc).items()
    }


@st.cache_resource(max_entries=8, show_spinner=False)
def proposed_features(store: str, revision: str, basemap: str) -> dict:
    """The corrections waiting for review that the map draws (empty for a store without a
    log: nothing can be proposed there)."""
    try:
        proposed = open_store(store).changes(status="proposed")
    except ZonesError:
        proposed = []
    return mapping.proposed_features(proposed, basemap=basemap)


@st.cache_resource(max_entries=8, show_spinner=False)
def matrix_data(store: str, revision: str, basis: str, lang: str) -> tuple[pd.DataFrame, dict]:
    """The matrix's long table and its heatmap as a Vega-Lite spec (Altair's validation of
    the spec costs ~40 ms, so it is done once)."""
    long = views.matrix_long(load(store, revision), basis, lang)
    return long, views.matrix_chart(long, lang).to_dict()
