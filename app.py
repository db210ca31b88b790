"""Map app of Ningbo's manufacturing layout: `streamlit run app.py` (or `./dev app`).

Thin on purpose: it reads widgets and the query string, calls cached loaders and the zones
library (filters, mapping, selection, urlstate, export, i18n), and renders.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from functools import partial
from pathlib import Path

import pandas as pd
import streamlit as st
import streamlit_folium

from zones import assets, mapping, selection, urlstate
from zones.dataset import Dataset, load_dataset
from zones.errors import DataError, ZonesError
from zones.export import WRITERS, export_bytes
from zones.filters import (
    ParkFilter,
    apply_filter,
    describe_filter,
    filter_slug,
    resolve_filter,
)
from zones.i18n import (
    LANG_NAMES,
    LANGS,
    field_description,
    filter_options,
    label,
    md_text,
    norm_lang,
    pick_names,
    t,
)
from zones.settings import DEFAULT_GPKG, PLAN_NAME

ss = st.session_state
FILTER_KEYS = {
    "belts": "f_belts",
    "industries": "f_industries",
    "tiers": "f_tiers",
    "districts": "f_districts",
    "levels": "f_levels",
}
FILTER_LABELS = {
    "belts": "filter.belt",
    "industries": "filter.industry",
    "tiers": "filter.tier",
    "districts": "filter.district",
    "levels": "filter.level",
}
MAP_HEIGHT = 620


# --- cached loaders (keyed on the file and its modification time) ----------------------------
# cache_resource: shared, never copied, so treat the results as read-only (tests check that
# the mapping functions do not modify the GeoJSON they are given).
@st.cache_resource(max_entries=2, show_spinner=False)
def load(path: str, mtime: float) -> Dataset:
    return load_dataset(path)


@st.cache_resource(max_entries=8, show_spinner=False)
def base_features(path: str, mtime: float, lang: str, basemap: str) -> tuple[dict, dict]:
    ds = load(path, mtime)
    return (
        mapping.district_features(ds.districts, lang=lang, basemap=basemap),
        mapping.belt_features(ds.belts, lang=lang, basemap=basemap),
    )


@st.cache_resource(max_entries=32, show_spinner=False)
def park_features(path: str, mtime: float, f: ParkFilter, lang: str, basemap: str) -> dict:
    ds = load(path, mtime)
    return mapping.park_features(apply_filter(ds, f), lang=lang, basemap=basemap)


def secret(name: str) -> str | None:
    try:
        return os.environ.get(name) or st.secrets.get(name)
    except Exception:  # no secrets.toml: not an error
        return None


# --- page ------------------------------------------------------------------------------------
st.set_page_config(page_title="宁波制造业布局 · Ningbo zones", page_icon="🏭", layout="wide")
query = {k: st.query_params.get_all(k) for k in st.query_params}
lang = norm_lang(ss.get("lang") or (query.get("lang") or [None])[-1])

path = Path(os.environ.get("ZONES_GPKG") or DEFAULT_GPKG)
try:
    mtime = path.stat().st_mtime if path.exists() else 0.0
    ds = load(str(path), mtime)
except ZonesError as exc:
    st.title(t("app.title", lang))
    reason = exc.problem.message if isinstance(exc, DataError) else str(exc)
    st.error(t("error.dataset", lang, path=md_text(path), reason=md_text(reason)))
    st.markdown(t("error.rebuild", lang))
    st.code("zones build   # or: ./dev app", language="bash")
    st.stop()

token = secret("TIANDITU_TOKEN")
basemaps = mapping.available_basemaps(token)

# First run of a session: the link's view becomes the widgets' state.
if "_init" not in ss:
    view, notices = urlstate.from_query(query, urlstate.allowed_values(ds, basemaps))
    for name, key in FILTER_KEYS.items():
        ss[key] = list(getattr(view, name))
    ss.update(
        f_designated=view.designated_only,
        f_text=view.text,
        lang=view.lang,
        basemap=view.basemap,
        park=view.park,
        _notices=notices,
        _init=True,
        _zoom_to=view.park,
        _click=None,
        _view=None,
    )
lang = ss["lang"]

# --- sidebar: language, filters, basemap -----------------------------------------------------
options = filter_options(ds, lang)


def clear_filters() -> None:
    for key in FILTER_KEYS.values():
        ss[key] = []
    ss.update(f_designated=False, f_text="")


with st.sidebar:
    st.radio(
        t("app.language", lang), LANGS, key="lang", format_func=LANG_NAMES.get, horizontal=True
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
basemap = ss["basemap"]

f = resolve_filter(
    ds,
    **{n: ss[k] for n, k in FILTER_KEYS.items()},
    designated_only=ss["f_designated"],
    text=ss["f_text"],
)
shown = apply_filter(ds, f)
shown_ids = set(shown["id"])

# --- header, notices, count ------------------------------------------------------------------
st.title(t("app.title", lang))
st.caption(t("app.caption", lang, plan=md_text(PLAN_NAME)))
if missing := assets.missing_assets():
    st.error(t("error.assets", lang, files=md_text(", ".join(missing))))
if ss["_notices"]:
    for n in ss["_notices"]:
        st.warning(
            t(
                "notice.unknown_value",
                lang,
                field=t(f"field.{n.key}", lang),
                value=md_text(n.value),
            ),
            icon=":material/warning:",
        )
    st.button(t("notice.dismiss", lang), on_click=lambda: ss.update(_notices=[]), key="dismiss_btn")
if ss["park"] and ss["park"] not in shown_ids:
    st.info(t("notice.park_hidden", lang))
    ss["park"] = None
st.metric(t("count.metric", lang), len(shown))
st.markdown(md_text(describe_filter(ds, f, len(shown), lang)))
if basemap == "amap":
    st.caption(t("basemap.amap_note", lang))


# --- map and details ---------------------------------------------------------------------------
def on_map_change() -> None:  # runs before the rerun, so the new selection is drawn at once
    ss["park"], ss["_click"] = selection.next_selection(
        ss["park"], ss.get("map"), ss["_click"], None
    )


def zoom_to(park_id: str) -> None:
    ss["_zoom_to"] = park_id


def pick_from_list() -> None:
    ss["park"] = ss["_zoom_to"] = ss["park_pick"]


col_map, col_details = st.columns([2.3, 1], gap="medium")
districts_fc, belts_fc = base_features(str(path), mtime, lang, basemap)
parks_fc = park_features(str(path), mtime, f, lang, basemap)
if ss["_zoom_to"]:  # a "zoom to" click, or a link that names a park
    view = mapping.park_view(parks_fc, ss["_zoom_to"], height_px=MAP_HEIGHT)
    if view and ss["_view"] and view[0] == ss["_view"][0]:  # the map only moves on a change
        view = ([view[0][0] + 1e-7, view[0][1]], view[1])
    ss["_view"], ss["_zoom_to"] = view or ss["_view"], None
with col_map:
    base = mapping.base_map(
        districts_fc,
        belts_fc,
        lang=lang,
        basemap=basemap,
        tianditu_token=token,
        base_url_path=st.get_option("server.baseUrlPath") or "",
        map_height=MAP_HEIGHT,
    )
    returned = streamlit_folium.st_folium(
        base,
        key="map",
        height=MAP_HEIGHT,
        use_container_width=True,
        feature_group_to_add=mapping.park_groups(parks_fc, lang=lang, selected_id=ss["park"]),
        layer_control=mapping.layer_control(),
        returned_objects=["last_active_drawing", "last_object_clicked"],
        center=ss["_view"][0] if ss["_view"] else None,
        zoom=ss["_view"][1] if ss["_view"] else None,
        on_change=on_map_change,
    )
    if not len(shown):
        st.info(t("map.no_parks", lang))
park, ss["_click"] = selection.next_selection(ss["park"], returned, ss["_click"], shown_ids)
if park != ss["park"]:  # a click the map callback did not see (e.g. under AppTest)
    ss["park"] = park
    st.rerun()

with col_details:
    st.subheader(t("details.header", lang))
    park_names = dict(zip(shown["id"], pick_names(shown, lang), strict=True))
    ss["park_pick"] = ss["park"]
    st.selectbox(
        t("details.choose", lang),
        list(park_names),
        key="park_pick",
        format_func=park_names.get,
        on_change=pick_from_list,
        placeholder=t("details.none", lang),
    )
    details = selection.park_details(ds, ss["park"], lang) if ss["park"] else None
    if details is not None:
        st.markdown(f"### {details.title}")
        if details.subtitle:
            st.caption(details.subtitle)
        st.markdown(details.markdown())
        b1, b2 = st.columns(2)
        b1.button(
            t("details.zoom", lang),
            on_click=zoom_to,
            args=(details.park_id,),
            icon=":material/zoom_in:",
            key="zoom_btn",
        )
        b2.button(t("details.clear", lang), on_click=lambda: ss.update(park=None), key="clear_btn")

# --- export ------------------------------------------------------------------------------------
st.subheader(t("export.header", lang))
fmt = st.radio(
    t("export.format", lang),
    [name for name, w in WRITERS.items() if "parks" in w.layers],
    key="export_fmt",
    horizontal=True,
    format_func=lambda x: label("fmt", x, lang),
)
writer = WRITERS[fmt]
today = dt.date.today().isoformat()
belt_ds = dataclasses.replace(ds, belts=ds.belts[ds.belts["id"].isin(f.belts)]) if f.belts else ds
belt_slug = filter_slug(ds, ParkFilter(belts=f.belts))
c1, c2 = st.columns(2)
c1.download_button(
    t("export.parks", lang),
    key="dl_parks",
    on_click="ignore",
    icon=":material/download:",
    disabled=not len(shown),
    data=partial(export_bytes, ds, layer="parks", fmt=fmt, park_filter=f),
    mime=writer.media_type,
    file_name=f"ningbo-parks_{filter_slug(ds, f)}_{today}{writer.extensions[0]}",
)
c2.download_button(
    t("export.belts", lang),
    key="dl_belts",
    on_click="ignore",
    icon=":material/download:",
    disabled="belts" not in writer.layers,
    data=partial(export_bytes, belt_ds, layer="belts", fmt=fmt),
    mime=writer.media_type,
    file_name=f"ningbo-belts_{belt_slug}_{today}{writer.extensions[0]}",
)
st.caption(t("export.note", lang))
with st.expander(t("export.fields", lang)):
    st.dataframe(
        pd.DataFrame(
            [
                {
                    t("export.layer", lang): layer,
                    t("export.field", lang): c,
                    t("export.description", lang): field_description(c, lang, layer),
                }
                for layer in ("parks", "belts")
                for c in ds.layer(layer).columns
            ]
        ),
        hide_index=True,
    )

# --- the view into the URL, so a copied link reopens it --------------------------------------
view = urlstate.ViewState(
    **{n: tuple(ss[k]) for n, k in FILTER_KEYS.items()},
    designated_only=ss["f_designated"],
    text=ss["f_text"].strip(),
    park=ss["park"],
    lang=lang,
    basemap=basemap,
)
to_set, to_delete = urlstate.query_updates(query, urlstate.to_query(view))
for key in to_delete:
    del st.query_params[key]
if to_set:
    st.query_params.update(to_set)
