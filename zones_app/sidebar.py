"""The sidebar: language, filters and basemap."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from zones import mapping, urlstate, views
from zones.dataset import Dataset
from zones.i18n import LANG_NAMES, LANGS, filter_options, t
from zones_app.state import FILTER_KEYS, TAB_KEY

ss = st.session_state
FILTER_LABELS = {
    "belts": "filter.belt",
    "industries": "filter.industry",
    "tiers": "filter.tier",
    "districts": "filter.district",
    "levels": "filter.level",
}


def clear_filters() -> None:
    for key in FILTER_KEYS.values():
        ss[key] = []
    ss.update(f_designated=False, f_text="")


def keep_tab() -> None:
    """Keep the open tab when the language changes (its label changes with it)."""
    if label := views.tab_in(ss.get(TAB_KEY), ss["lang"]):
        ss[TAB_KEY] = label


def render_sidebar(ds: Dataset, lang: str, basemaps: Sequence[str]) -> str:
    """Draw the sidebar's widgets (their values are in session state); return the basemap."""
    options = filter_options(ds, lang)
    with st.sidebar:
        st.radio(
            t("app.language", lang),
            LANGS,
            key="lang",
            format_func=LANG_NAMES.get,
            horizontal=True,
            on_change=keep_tab,
        )
        st.header(t("filter.header", lang))
        for name, key in FILTER_KEYS.items():
            ss[key] = [v for v in ss.get(key, []) if v in options[name]]
            st.multiselect(
                t(FILTER_LABELS[name], lang),
                list(options[name]),
                key=key,
                format_func=options[name].get,
                placeholder=t("filter.placeholder", lang),
                help=t("filter.industry_help", lang) if name == "industries" else None,
            )
        st.checkbox(
            t("filter.designated_only", lang),
            key="f_designated",
            help=t("filter.designated_help", lang),
        )
        st.text_input(
            t("filter.text", lang),
            key="f_text",
            placeholder=t("filter.text_placeholder", lang),
            max_chars=urlstate.MAX_TEXT,
        )
        st.button(t("filter.reset", lang), on_click=clear_filters, key="reset_btn")
        st.divider()
        if ss.get("basemap") not in basemaps:
            ss["basemap"] = mapping.DEFAULT_BASEMAP
        st.selectbox(
            t("app.basemap", lang),
            basemaps,
            key="basemap",
            format_func=lambda b: t(f"basemap.{b}", lang),
            help=t("app.basemap_help", lang),
        )
    return ss["basemap"]
