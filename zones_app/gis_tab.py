"""The GIS exchange tab: import surveyed park boundaries (preview, apply, undo), then the GIS
bundle of the filtered parks.

Apply and undo run as button callbacks, before the rerun: they record changes in the store's
log (one batch per import; an undo reverts the author's last one) and leave a message for the
run that follows. Nothing is rebuilt: the cached loaders key on the store's revision, which
every change moves.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import streamlit as st

from zones.geo.crs import IMPORT_CRS
from zones.importing import ImportPreview, problem_text
from zones.present import views
from zones.settings import is_database_url
from zones.text.i18n import md_text, t
from zones_app import export
from zones_app.context import Context, Paths

ss = st.session_state
log = logging.getLogger(__name__)


def _folders(paths: Paths) -> dict[Path, str]:
    """Server folders and the names messages show instead."""
    folders = {Path(paths.geo_dir): "geo", Path(paths.data_dir): "data"}
    if not is_database_url(paths.store):
        folders[Path(paths.store).parent] = "build"
    return folders


def apply_upload(
    preview: ImportPreview,
    paths: Paths,
    lang: str,
    confirm: bool = False,
    author: str = views.APP_AUTHOR,
) -> None:
    """Record the previewed footprints in the store as ``author``'s changes, accepted; on
    failure nothing is recorded."""
    try:
        n = views.apply_preview(preview, store=paths.store, author=author, confirm_mismatch=confirm)
    except Exception as exc:  # the app keeps working; nothing was recorded
        reason = views.error_text(exc, lang, _folders(paths))
        ss["_gis_error"] = t("gis.error", lang, reason=md_text(reason))
        return
    ss["_gis_done"] = t("gis.applied", lang, n=n)
    ss["_upload_n"] = ss.get("_upload_n", 0) + 1  # a new, empty uploader
    ss.pop("_preview", None)


def undo_upload(paths: Paths, lang: str, author: str = views.APP_AUTHOR) -> None:
    """Revert ``author``'s last import."""
    try:
        views.undo_last_import(store=paths.store, author=author)
    except Exception as exc:
        reason = views.error_text(exc, lang, _folders(paths))
        ss["_gis_error"] = t("gis.error", lang, reason=md_text(reason))
        return
    ss["_gis_done"] = t("gis.undone", lang)
    ss.pop("_preview", None)


def render_gis_tab(ctx: Context, author: str = views.APP_AUTHOR) -> None:
    """The import section (imports recorded as ``author``'s), then the bundle download."""
    render_import(ctx, author)
    st.divider()
    export.render_bundle(ctx)


def render_import(ctx: Context, author: str = views.APP_AUTHOR) -> None:
    """Status, last outcome, the uploader and its options, the preview, apply and undo (of
    ``author``'s imports)."""
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
        type=views.upload_types(),
        key=f"upload_{ss.get('_upload_n', 0)}",
        max_upload_size=views.UPLOAD_MAX_MB,
        help=t("gis.file_help", lang),
    )
    st.caption(t("gis.file_limit", lang, mb=views.UPLOAD_MAX_MB))
    c1, c2 = st.columns(2)
    source_crs = c1.selectbox(
        t("gis.source_crs", lang),
        ["", *IMPORT_CRS],
        key="imp_crs",
        format_func=lambda c: views.crs_label(c, lang),
        help=t("gis.source_crs_help", lang),
    )
    gcj02 = c2.checkbox(t("gis.gcj02", lang), key="imp_gcj02", help=t("gis.gcj02_help", lang))
    if upload is not None:
        try:
            render_upload(ctx, upload, source_crs, gcj02, author)
        except Exception as exc:  # a bug must not take the tab down, nor show a traceback
            log.exception("import preview of an upload failed")
            ss.pop("_preview", None)
            st.error(t("gis.unexpected", lang, kind=type(exc).__name__))
    if undoable := _undoable(ctx, author):
        st.button(
            t("gis.undo", lang),
            key="imp_undo",
            on_click=undo_upload,
            args=(paths, lang, author),
            icon=":material/undo:",
            help=t("gis.undo_help", lang, n=undoable),
        )


def _undoable(ctx: Context, author: str) -> int:
    """How many of ``author``'s imports can be undone (read once per store revision)."""
    key = (ctx.paths.store, ctx.revision, author)
    if ss.get("_undoable", (None,))[0] != key:
        ss["_undoable"] = (key, views.undoable_imports(ctx.paths.store, author))
    return int(ss["_undoable"][1])


def render_upload(
    ctx: Context, upload: Any, source_crs: str, gcj02: bool, author: str = views.APP_AUTHOR
) -> None:
    """The layer choice (when the file has several), then the upload's preview (made once per
    upload, option and store revision)."""
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
        paths.store,
        ctx.revision,
    )
    if ss.get("_preview", (None,))[0] != stamp:  # preview each upload and option once
        ss["_preview"] = (
            stamp,
            *views.preview_import(
                data,
                upload.name,
                store=paths.store,
                ds=ctx.ds,
                revision=ctx.revision,
                source_crs=source_crs,
                gcj02=gcj02,
                layer=layer,
                lang=lang,
                folders=_folders(paths),
            ),
        )
    _, preview, error = ss["_preview"]
    if error:
        st.error(t("gis.error", lang, reason=md_text(error)))
    else:
        render_preview(ctx, preview, author)


def render_preview(ctx: Context, preview: ImportPreview, author: str = views.APP_AUTHOR) -> None:
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
        listed = "\n".join(f"- {md_text(problem_text(p, lang))}" for p in mismatches)
        n = len({p.row for p in mismatches})
        st.warning(t("gis.mismatch", lang, n=n) + "\n\n" + listed)
        confirm = st.checkbox(t("gis.confirm_mismatch", lang), key="imp_confirm")
    if preview.can_apply:
        st.button(
            t("gis.apply", lang, n=found["matched"]),
            key="imp_apply",
            type="primary",
            on_click=apply_upload,
            args=(preview, ctx.paths, lang, confirm, author),
            icon=":material/upload:",
            disabled=preview.needs_confirmation and not confirm,
        )
    else:
        st.warning(t("gis.nothing", lang))
