"""The GIS exchange tab: import surveyed park boundaries (preview, apply with a rebuild, undo),
then the GIS bundle of the filtered parks.

Apply and undo run as button callbacks, before the rerun: they rewrite geo/, rebuild the
dataset and clear the caches, and leave a message for the run that follows.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import streamlit as st

from zones import views
from zones.i18n import md_text, t
from zones.importer import ImportPreview, import_history, problem_text
from zones_app import export
from zones_app.context import Context, Paths

ss = st.session_state
log = logging.getLogger(__name__)


def _folders(paths: Paths) -> dict[Path, str]:
    """Server folders and the names messages show instead."""
    return {
        Path(paths.geo_dir): "geo",
        Path(paths.data_dir): "data",
        Path(paths.gpkg).parent: "build",
    }


def apply_upload(preview: ImportPreview, paths: Paths, lang: str, confirm: bool = False) -> None:
    """Write the previewed footprints and rebuild; on failure geo/ is left as it was."""
    try:
        n = views.apply_and_rebuild(
            preview,
            geo_dir=paths.geo_dir,
            data_dir=paths.data_dir,
            out=paths.gpkg,
            confirm_mismatch=confirm,
        )
    except views.RebuildFailed as exc:
        reason = views.error_text(exc.cause, lang, _folders(paths))
        ss["_gis_error"] = t("gis.rebuild_failed", lang, reason=md_text(reason))
        return
    except Exception as exc:  # the app keeps working; geo/ is left as it was
        reason = views.error_text(exc, lang, _folders(paths))
        ss["_gis_error"] = t("gis.error", lang, reason=md_text(reason))
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
        reason = views.error_text(exc, lang, _folders(paths))
        ss["_gis_error"] = t("gis.error", lang, reason=md_text(reason))
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
        max_upload_size=views.UPLOAD_MAX_MB,
        help=t("gis.file_help", lang),
    )
    st.caption(t("gis.file_limit", lang, mb=views.UPLOAD_MAX_MB))
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
        try:
            render_upload(ctx, upload, source_crs, gcj02)
        except Exception as exc:  # a bug must not take the tab down, nor show a traceback
            log.exception("import preview of an upload failed")
            ss.pop("_preview", None)
            st.error(t("gis.unexpected", lang, kind=type(exc).__name__))
    if history := import_history(paths.geo_dir):
        st.button(
            t("gis.undo", lang),
            key="imp_undo",
            on_click=undo_upload,
            args=(paths, lang),
            icon=":material/undo:",
            help=t("gis.undo_help", lang, n=len(history)),
        )


def render_upload(ctx: Context, upload: Any, source_crs: str, gcj02: bool) -> None:
    """The layer choice (when the file has several), then the upload's preview (made once per
    upload, option and state of the surveyed file)."""
    lang, paths = ctx.lang, ctx.paths
    data = upload.getvalue()
    if ss.get("_layers", (None,))[0] != upload.file_id:
        ss["_layers"] = (upload.file_id, *views.layer_choices(data, upload.name))
    _, layers, default = ss["_layers"]
    layer = None
    if layers:
        layer = st.selectbox(
            t("gis.layer", lang),
            layers,
            index=layers.index(default) if default in layers else 0,
            key=f"imp_layer_{upload.file_id}",
            help=t("gis.layer_help", lang),
        )
    stamp = (
        upload.file_id,
        len(data),
        source_crs,
        gcj02,
        layer,
        lang,
        views.surveyed_stamp(paths.geo_dir),
    )
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
                layer=layer,
                lang=lang,
            ),
        )
    _, preview, error = ss["_preview"]
    if error:
        st.error(t("gis.error", lang, reason=md_text(error)))
    else:
        render_preview(ctx, preview)


def render_preview(ctx: Context, preview: ImportPreview) -> None:
    """What the upload would change, and the button that applies it (after a confirmation
    when features differ widely from their park's records)."""
    lang = ctx.lang
    found = views.preview_counts(preview)
    cols = st.columns(4)
    for col, key in zip(cols, found, strict=True):
        col.metric(t(f"gis.{key}", lang), found[key])
    st.dataframe(views.preview_table(preview, lang), hide_index=True)
    with st.expander(t("gis.preview", lang), expanded=not preview.can_apply):
        st.code(preview.text(lang), language=None, wrap_lines=True)
    confirm = False
    if preview.can_apply and preview.needs_confirmation:
        mismatches = preview.mismatches
        listed = "\n".join(
            f"- {md_text(problem_text(p, lang))}" for p in mismatches
        )
        n = len({p.row for p in mismatches})
        st.warning(t("gis.mismatch", lang, n=n) + "\n\n" + listed)
        confirm = st.checkbox(t("gis.confirm_mismatch", lang), key="imp_confirm")
    if preview.can_apply:
        st.button(
            t("gis.apply", lang, n=found["matched"]),
            key="imp_apply",
            type="primary",
            on_click=apply_upload,
            args=(preview, ctx.paths, lang, confirm),
            icon=":material/upload:",
            disabled=preview.needs_confirmation and not confirm,
        )
    else:
        st.warning(t("gis.nothing", lang))
