"""The sidebar: language, filters and basemap."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from zones import text
from zones.map import mapping
from zones.model import filters
from zones.model.filters import FLAG, MULTI, ParkFilter
from zones.present import urlstate, views
from zones.text import language_name, t
from zones_app.state import TAB_KEY, keep_known, set_widgets

ss = st.session_state
#: Each multi-valued filter's choices, ``{id: label}`` by dimension key.
Choices = dict[str, dict[str, str]]


def clear_filters() -> None:
    set_widgets(ParkFilter())


def keep_tab() -> None:
    """Keep the open tab when the language changes (its label changes with it)."""
    if label := views.tab_in(ss.get(TAB_KEY), ss["lang"]):
        ss[TAB_KEY] = label


def prepare_sidebar(choices: Choices, basemaps: Sequence[str]) -> str:
    """Make what the sidebar's widgets hold valid (``choices``: each filter's, by key) before
    anything is drawn (the map, drawn first, needs the filter and the basemap); return the
    basemap."""
    for d in filters.DIMENSIONS:
        if d.kind == MULTI:
            keep_known(d.widget_key, choices[d.key])
    if ss.get("basemap") not in basemaps:
        ss["basemap"] = mapping.DEFAULT_BASEMAP
    return ss["basemap"]


def render_filters(choices: Choices, lang: str) -> None:
    """One widget per filter dimension (filters.DIMENSIONS), in its order."""
    for d in filters.DIMENSIONS:
        label = t(d.label, lang)
        help_text = t(d.help, lang) if d.help else None
        if d.kind == MULTI:
            options = choices[d.key]
            st.multiselect(
                label,
                list(options),
                key=d.widget_key,
                format_func=options.get,
                placeholder=t(d.placeholder or "filter.placeholder", lang),
                help=help_text,
            )
        elif d.kind == FLAG:
            st.checkbox(label, key=d.widget_key, help=help_text)
        else:
            st.text_input(
                label,
                key=d.widget_key,
                placeholder=t(d.placeholder, lang) if d.placeholder else None,
                max_chars=urlstate.MAX_TEXT,
                help=help_text,
            )


def render_sidebar(choices: Choices, lang: str, basemaps: Sequence[str]) -> None:
    """Draw the sidebar's widgets (their values are in session state, made valid by
    :func:`prepare_sidebar`)."""
    with st.sidebar:
        st.radio(
            t("app.language", lang),
            text.LANGUAGES,
            key="lang",
            format_func=language_name,
            horizontal=True,
            on_change=keep_tab,
        )
        st.header(t("filter.header", lang))
        render_filters(choices, lang)
        st.button(t("filter.reset", lang), on_click=clear_filters, key="reset_btn")
        st.divider()
        st.selectbox(
            t("app.basemap", lang),
            basemaps,
            key="basemap",
            format_func=lambda b: t(f"basemap.{b}", lang),
            help=t("app.basemap_help", lang),
        )
