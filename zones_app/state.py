"""Session state and the link: widget keys, the first run from the query string, the filter
the widgets make, and the view written back to the URL so a copied link reopens it (with the
map's colouring: the map tab's selectors :data:`COLOR_KEY` and :data:`COLOR_INDUSTRY_KEY`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import streamlit as st

from zones.model import filters
from zones.model.dataset import Dataset
from zones.model.filters import MULTI, Dimension, ParkFilter, resolve_filter
from zones.present import urlstate
from zones.text import norm_lang

ss = st.session_state
#: The analysis and GIS tabs run only when open; the map tab always runs, so the map (and the
#: user's zoom) survives a look at another tab.
TAB_KEY = "view_tab"
#: The map tab's selectors of what parks are coloured by, and of the industry when by one.
COLOR_KEY, COLOR_INDUSTRY_KEY = "color_by", "color_industry"

Query = dict[str, list[str]]


def read_query() -> Query:
    """The query string, every value of each key."""
    return {k: st.query_params.get_all(k) for k in st.query_params}


def first_lang(query: Query) -> str:
    """The language before the session is set up (for an error page): the widget's, else the
    link's, else the default."""
    return norm_lang(ss.get("lang") or (query.get("lang") or [None])[-1])


def widget_value(d: Dimension, value: filters.Value) -> Any:
    """A dimension's filter value as its sidebar widget holds it (a multiselect a list)."""
    return list(value) if d.kind == MULTI and isinstance(value, tuple) else value


def keep_state(key: str, value: Any) -> None:
    """Give the widget ``key`` the value ``value`` only if it holds another. Setting a widget's
    state sends it to the browser with the run; done on every run, a run already under way
    when the user changed the widget would send the old value back and undo the change."""
    if key not in ss or ss[key] != value:
        ss[key] = value


def keep_known(key: str, known: Any) -> None:
    """Drop from the multiselect ``key`` what is no longer among its options ``known``."""
    keep_state(key, [v for v in ss.get(key, []) if v in known])


def set_widgets(f: ParkFilter) -> None:
    """Put ``f`` into the filter widgets (every dimension of filters.DIMENSIONS)."""
    for d in filters.DIMENSIONS:
        ss[d.widget_key] = widget_value(d, f.get(d.key))


def widget_values() -> dict[str, Any]:
    """What the filter widgets hold, by dimension key."""
    return {d.key: ss[d.widget_key] for d in filters.DIMENSIONS}


def init_session(ds: Dataset, query: Query, basemaps: Sequence[str]) -> None:
    """On the first run of a session, make the link's view the widgets' state."""
    if "_init" in ss:
        return
    view, notices = urlstate.from_query(query, urlstate.allowed_values(ds, basemaps))
    set_widgets(view.park_filter)
    ss.update(
        {COLOR_KEY: view.color_by, COLOR_INDUSTRY_KEY: view.color_industry},
        lang=view.lang,
        basemap=view.basemap,
        park=view.park,
        _notices=notices,
        _init=True,
        _zoom_to=view.park,
        _click=None,
        _view=None,
    )


def current_filter(ds: Dataset) -> ParkFilter:
    """The filter the sidebar's widgets hold."""
    return resolve_filter(ds, **widget_values())


def write_query(query: Query, lang: str, basemap: str) -> None:
    """Put the current view into the URL, changing only the keys that differ."""
    view = urlstate.ViewState(
        ParkFilter(**widget_values()),
        park=ss["park"],
        lang=lang,
        basemap=basemap,
        color_by=ss.get(COLOR_KEY) or urlstate.DEFAULT_COLOR_BY,
        color_industry=ss.get(COLOR_INDUSTRY_KEY),
    )
    to_set, to_delete = urlstate.query_updates(query, urlstate.to_query(view))
    for key in to_delete:
        del st.query_params[key]
    if to_set:
        st.query_params.update(to_set)
