"""Map app of Ningbo's manufacturing layout: `streamlit run app.py` (or `./dev app`).

Thin on purpose: it reads widgets and the query string, calls cached loaders and the zones
library (filters, mapping, selection, urlstate, export, i18n, views), and renders. Three tabs:
the map (always run, so the map keeps its zoom), the plan analysis and the GIS exchange (each
run only while open). ZONES_GPKG, ZONES_GEO_DIR and ZONES_DATA_DIR are read at every run, so
tests point the app, and the imports it writes, at copies.
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

from zones import assets, mapping, selection, urlstate, views
from zones.bundle import CRS_CHOICES, DEFAULT_CRS, bundle_bytes
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
from zones.importer import import_history
from zones.settings import DATA_DIR as REPO_DATA_DIR
from zones.settings import DEFAULT_GPKG, PLAN_NAME
from zones.settings import GEO_DIR as REPO_GEO_DIR

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
#: The analysis and GIS tabs run only when open; the map tab always runs, so the map (and the
#: user's zoom) survives a look at another tab.
TAB_KEY = "view_tab"


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

# Read at every run (not at import), so tests can point the app, and the imports it writes, at
# copies of geo/ and data/. (Not ZONES_ROOT: that also moves static/, which the app serves.)
GEO_DIR = Path(os.environ.get("ZONES_GEO_DIR") or REPO_GEO_DIR)
DATA_DIR = Path(os.environ.get("ZONES_DATA_DIR") or REPO_DATA_DIR)
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


def keep_tab() -> None:  # the open tab's label changes with the language
    if label := views.tab_in(ss.get(TAB_KEY), ss["lang"]):
        ss[TAB_KEY] = label


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


# --- map callbacks ---------------------------------------------------------------------------
def on_map_change() -> None:  # runs before the rerun, so the new selection is drawn at once
    ss["park"], ss["_click"] = selection.next_selection(
        ss["park"], ss.get("map"), ss["_click"], None
    )


def zoom_to(park_id: str) -> None:
    ss["_zoom_to"] = park_id


def pick_from_list() -> None:
    ss["park"] = ss["_zoom_to"] = ss["park_pick"]


tab_map, tab_analysis, tab_gis = st.tabs(
    views.tab_labels(lang), key=TAB_KEY, on_change="rerun", default=views.tab_labels(lang)[0]
)

# --- map tab: count, map and details, downloads ----------------------------------------------
with tab_map:
    if ss["park"] and ss["park"] not in shown_ids:
        st.info(t("notice.park_hidden", lang))
        ss["park"] = None
    st.metric(t("count.metric", lang), len(shown))
    st.markdown(md_text(describe_filter(ds, f, len(shown), lang)))
    if basemap == "amap":
        st.caption(t("basemap.amap_note", lang))

    # map and details
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
            b2.button(
                t("details.clear", lang), on_click=lambda: ss.update(park=None), key="clear_btn"
            )

    # downloads
    st.subheader(t("export.header", lang))
    fmt = st.radio(
        t("export.format", lang),
        [n for n, w in WRITERS.items() if "parks" in w.layers and n != "bundle"],  # see GIS tab
        key="export_fmt",
        horizontal=True,
        format_func=lambda x: label("fmt", x, lang),
    )
    writer = WRITERS[fmt]
    today = dt.date.today().isoformat()
    belt_ds = (
        dataclasses.replace(ds, belts=ds.belts[ds.belts["id"].isin(f.belts)]) if f.belts else ds
    )
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


# --- plan analysis tab (all parks, whatever the filters) -------------------------------------
@st.cache_resource(max_entries=8, show_spinner=False)
def matrix_data(path: str, mtime: float, basis: str, lang: str) -> tuple[pd.DataFrame, dict]:
    """The matrix's long table and its heatmap as a Vega-Lite spec (Altair's validation of
    the spec costs ~40 ms, so it is done once)."""
    long = views.matrix_long(load(path, mtime), basis, lang)
    return long, views.matrix_chart(long, lang).to_dict()


if tab_analysis.open:
    with tab_analysis:
        st.caption(t("analysis.scope", lang, n=len(ds.parks)))
        st.subheader(t("analysis.matrix_header", lang))
        basis = st.radio(
            t("analysis.basis", lang),
            list(views.BASES),
            index=list(views.BASES).index(views.DEFAULT_BASIS),
            key="an_basis",
            horizontal=True,
            format_func=lambda b: t(f"analysis.basis.{b}", lang),
            help=t("analysis.basis_help", lang),
        )
        long, spec = matrix_data(str(path), mtime, basis, lang)
        if long.empty:
            st.info(t("analysis.matrix_empty", lang))
        else:
            st.vega_lite_chart(spec=spec, key="matrix_chart", width="stretch")
            st.caption(t("analysis.matrix_note", lang))
            with st.expander(t("analysis.matrix_table", lang)):
                st.table(views.md_table(views.matrix_wide(long, lang)))

        st.subheader(t("analysis.overlap_header", lang))
        st.table(views.md_table(views.overlap_table(ds, lang)), hide_index=True)
        st.caption(t("analysis.overlap_note", lang))
        crowded = views.crowded_table(ds, lang)
        if len(crowded):
            st.warning(t("analysis.crowded", lang, n=len(crowded), at=views.CROWDED_AT))
            st.table(views.md_table(crowded), hide_index=True)
        else:
            st.caption(t("analysis.crowded_none", lang, at=views.CROWDED_AT))

        st.subheader(t("analysis.compare_header", lang))
        cmp_names = views.park_labels(ds, lang)
        ss["cmp_parks"] = [p for p in ss.get("cmp_parks", []) if p in cmp_names]
        chosen = st.multiselect(
            t("analysis.compare_pick", lang),
            list(cmp_names),
            key="cmp_parks",
            format_func=cmp_names.get,
            max_selections=views.COMPARE_MAX,
            placeholder=t("filter.placeholder", lang),
        )
        chosen = chosen[: views.COMPARE_MAX]  # "select all" must not get past the limit
        if len(chosen) < views.COMPARE_MIN:
            st.info(t("analysis.compare_need", lang))
        else:
            st.table(views.md_table(views.compare_table(ds, chosen, lang)))
            st.caption(t("analysis.distances", lang))
            st.table(views.md_table(views.distance_table(ds, chosen, lang)))

        st.subheader(t("analysis.targets_header", lang))
        st.table(views.md_table(views.targets_table(ds, lang)), hide_index=True)
        st.caption(t("analysis.targets_note", lang))

        st.subheader(t("analysis.report_header", lang))
        st.download_button(
            t("analysis.report", lang),
            key="dl_report",
            on_click="ignore",
            icon=":material/download:",
            data=partial(views.report_bytes, ds, lang),
            mime="text/html",
            file_name=views.report_file_name(lang, dt.date.today()),
            help=t("analysis.report_help", lang),
        )


# --- GIS exchange tab: import surveyed boundaries, export a bundle ---------------------------
def apply_upload(preview: object) -> None:  # a callback: runs before the rerun
    try:
        n = views.apply_and_rebuild(preview, geo_dir=GEO_DIR, data_dir=DATA_DIR, out=path)
    except views.RebuildFailed as exc:
        ss["_gis_error"] = t("gis.rebuild_failed", lang, reason=md_text(exc))
        return
    except Exception as exc:  # the app keeps working; geo/ is left as it was
        ss["_gis_error"] = t("gis.error", lang, reason=md_text(views.error_text(exc)))
        return
    st.cache_resource.clear()
    ss["_gis_done"] = t("gis.applied", lang, n=n)
    ss["_upload_n"] = ss.get("_upload_n", 0) + 1  # a new, empty uploader
    ss.pop("_preview", None)


def undo_upload() -> None:
    try:
        views.undo_and_rebuild(geo_dir=GEO_DIR, data_dir=DATA_DIR, out=path)
    except Exception as exc:
        ss["_gis_error"] = t("gis.error", lang, reason=md_text(views.error_text(exc)))
        return
    st.cache_resource.clear()
    ss["_gis_done"] = t("gis.undone", lang)
    ss.pop("_preview", None)


if tab_gis.open:
    with tab_gis:
        st.subheader(t("gis.import_header", lang))
        st.caption(t("gis.import_help", lang))
        counts = views.footprint_counts(ds)
        st.markdown(t("gis.status", lang, **counts))
        if done := ss.pop("_gis_done", None):
            st.success(done, icon=":material/check_circle:")
        if failed := ss.pop("_gis_error", None):
            st.error(failed)
        upload = st.file_uploader(
            t("gis.file", lang),
            type=list(views.UPLOAD_TYPES),
            key=f"upload_{ss.get('_upload_n', 0)}",
            max_upload_size=100,
        )
        c1, c2 = st.columns(2)
        source_crs = c1.selectbox(
            t("gis.source_crs", lang),
            ["", *views.IMPORT_CRS],
            key="imp_crs",
            format_func=lambda c: views.crs_label(c, lang),
            help=t("gis.source_crs_help", lang),
        )
        gcj02 = c2.checkbox(t("gis.gcj02", lang), key="imp_gcj02", help=t("gis.gcj02_help", lang))
        if upload is not None:
            data = upload.getvalue()
            token = (upload.file_id, len(data), source_crs, gcj02, views.surveyed_stamp(GEO_DIR))
            if ss.get("_preview", (None,))[0] != token:
                ss["_preview"] = (
                    token,
                    *views.preview_import(
                        data,
                        upload.name,
                        geo_dir=GEO_DIR,
                        data_dir=DATA_DIR,
                        source_crs=source_crs,
                        gcj02=gcj02,
                    ),
                )
            _, preview, error = ss["_preview"]
            if error:
                st.error(t("gis.error", lang, reason=md_text(error)))
            else:
                found = views.preview_counts(preview)
                cols = st.columns(4)
                for col, key in zip(cols, found, strict=True):
                    col.metric(t(f"gis.{key}", lang), found[key])
                st.dataframe(views.preview_table(preview, lang), hide_index=True)
                with st.expander(t("gis.preview", lang), expanded=not preview.can_apply):
                    st.code(preview.text(lang), language=None, wrap_lines=True)
                if preview.can_apply:
                    st.button(
                        t("gis.apply", lang, n=found["matched"]),
                        key="imp_apply",
                        type="primary",
                        on_click=apply_upload,
                        args=(preview,),
                        icon=":material/upload:",
                    )
                else:
                    st.warning(t("gis.nothing", lang))
        if history := import_history(GEO_DIR):
            st.button(
                t("gis.undo", lang),
                key="imp_undo",
                on_click=undo_upload,
                icon=":material/undo:",
                help=t("gis.undo_help", lang, n=len(history)),
            )

        st.divider()
        st.subheader(t("gis.bundle_header", lang))
        st.markdown(md_text(describe_filter(ds, f, len(shown), lang)))
        crs = st.selectbox(
            t("gis.bundle_crs", lang),
            list(CRS_CHOICES),
            index=list(CRS_CHOICES).index(DEFAULT_CRS),
            key="bundle_crs",
            format_func=lambda c: views.crs_label(c, lang, CRS_CHOICES),
        )
        bundle_name = views.bundle_file_name(filter_slug(ds, f), crs, dt.date.today())
        st.download_button(
            t("gis.bundle", lang),
            key="dl_bundle",
            on_click="ignore",
            icon=":material/download:",
            disabled=not len(shown),
            data=partial(
                bundle_bytes,
                ds,
                crs=crs,
                park_filter=f,
                lang=lang,
                geo_dir=GEO_DIR,
                root=bundle_name.removesuffix(".zip"),
            ),
            mime="application/zip",
            file_name=bundle_name,
        )
        st.caption(t("gis.bundle_help", lang))

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
