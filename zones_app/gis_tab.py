"""The GIS exchange tab: import surveyed park boundaries (preview, apply with a rebuild, undo),
then the GIS bundle of the filtered parks.

Apply and undo run as button callbacks, before the rerun: they rewrite geo/, rebuild the
dataset and clear the caches, and leave a message for the run that follows.
"""

from __future__ import annotations

import streamlit as st

from zones import views
from zones.i18n import md_text, t
from zones.importer import ImportPreview, import_history
from zones_app import export
from zones_app.context import Context, Paths

ss = st.session_state


def apply_upload(preview: ImportPreview, paths: Paths, lang: str) -> None:
    """Write the previewed footprints and rebuild; on failure geo/ is left as it was."""
    try:
        n = views.apply_and_rebuild(
            preview, geo_dir=paths.geo_dir, data_dir=paths.data_dir, out=paths.gpkg
        )
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


def undo_upload(paths: Paths, lang: str) -> None:
    """Undo the last import and rebuild."""
    try:
        views.undo_and_rebuild(geo_dir=paths.geo_dir, data_dir=paths.data_dir, out=paths.gpkg)
    except Exception as exc:
        ss["_gis_error"] = t("gis.error", lang, reason=md_text(views.error_text(exc)))
        return
    st.cache_resource.clear()
    ss["_gis_done"] = t("gis.undone", lang)
    ss.pop("_preview", None)


def render_gis_tab(ctx: Context) -> None:
    """The import section, then the bundle download."""
    render_import(ctx)
    st.divider()
    export.render_bundle(ctx)


def render_import(ctx: Context) -> None:
    """Status, last outcome, the uploader and its options, the preview, apply and undo."""
    lang, paths = ctx.lang, ctx.paths
    st.subheader(t("gis.import_header", lang))
    st.caption(t("gis.import_help", lang))
    counts = views.footprint_counts(ctx.ds)
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
        stamp = (upload.file_id, len(data), source_crs, gcj02, views.surveyed_stamp(paths.geo_dir))
        if ss.get("_preview", (None,))[0] != stamp:  # preview each upload and option once
            ss["_preview"] = (
                stamp,
                *views.preview_import(
                    data,
                    upload.name,
                    geo_dir=paths.geo_dir,
                    data_dir=paths.data_dir,
                    source_crs=source_crs,
                    gcj02=gcj02,
                ),
            )
        _, preview, error = ss["_preview"]
        if error:
            st.error(t("gis.error", lang, reason=md_text(error)))
        else:
            render_preview(ctx, preview)
    if history := import_history(paths.geo_dir):
        st.button(
            t("gis.undo", lang),
            key="imp_undo",
            on_click=undo_upload,
            args=(paths, lang),
            icon=":material/undo:",
            help=t("gis.undo_help", lang, n=len(history)),
        )


def render_preview(ctx: Context, preview: ImportPreview) -> None:
    """What the upload would change, and the button that applies it."""
    lang = ctx.lang
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
            args=(preview, ctx.paths, lang),
            icon=":material/upload:",
        )
    else:
        st.warning(t("gis.nothing", lang))
