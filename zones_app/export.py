"""Download buttons for the data: the map tab's parks and belts, the GIS tab's bundle.

The formats offered are the registry's (:data:`zones.io.formats.FORMATS`): every one-layer format
that holds parks on the map tab, the bundle on the GIS tab; each download is
:func:`zones.io.export.export_bytes` with the sidebar's filter, so it holds what ``zones export``
writes for the same filter. Files are built only when a button is clicked (``data`` is a
callable), with today's date and the filter in their names.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial
from typing import Any

import pandas as pd
import streamlit as st

from zones.geo.crs import DEFAULT_EXPORT_CRS, EXPORT_CRS, crs_label
from zones.io.export import export_bytes
from zones.io.formats import FORMATS, layer_formats
from zones.model.filters import ParkFilter, describe_filter, filter_slug
from zones.present import views
from zones.text.i18n import field_description, md_text, t
from zones_app.context import Context


def _download(
    where: Any,
    label: str,
    key: str,
    *,
    disabled: bool,
    data: Callable[[], bytes],
    mime: str,
    file_name: str,
) -> None:
    """A download button in ``where`` (``st``, a column) whose file is built only when it is
    clicked: ``data`` is called then, and the click does not rerun the app."""
    where.download_button(
        label,
        key=key,
        on_click="ignore",
        icon=":material/download:",
        disabled=disabled,
        data=data,
        mime=mime,
        file_name=file_name,
    )


def render_downloads(ctx: Context) -> None:
    """Format choice, the filtered parks and the chosen belts, and what each field holds."""
    ds, f, lang = ctx.ds, ctx.park_filter, ctx.lang
    st.subheader(t("export.header", lang))
    choices = {fmt.name: fmt for fmt in layer_formats("parks")}  # the bundle: see the GIS tab
    name = st.radio(
        t("export.format", lang),
        list(choices),
        key="export_fmt",
        horizontal=True,
        format_func=lambda x: choices[x].label(lang),
    )
    fmt = choices[name]
    today = dt.date.today().isoformat()
    belt_slug = filter_slug(ds, ParkFilter(belts=f.belts))
    c1, c2 = st.columns(2)
    buttons = (
        (c1, "parks", t("export.parks", lang), filter_slug(ds, f), not len(ctx.shown)),
        (c2, "belts", t("export.belts", lang), belt_slug, "belts" not in fmt.layers),
    )
    for column, layer, label, slug, disabled in buttons:
        _download(
            column,
            label,
            f"dl_{layer}",
            disabled=disabled,
            data=partial(export_bytes, ds, layer=layer, fmt=fmt.name, park_filter=f),
            mime=fmt.media_type,
            file_name=f"ningbo-{layer}_{slug}_{today}{fmt.extension}",
        )
    st.caption(t("export.note", lang))
    # Filled only while open: a data grid costs the browser ~0.3 s on every page load, even
    # in a closed expander.
    fields = st.expander(t("export.fields", lang), key="fields_box", on_change="rerun")
    if fields.open:
        fields.dataframe(
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


def render_bundle(ctx: Context) -> None:
    """The GIS bundle (a zip with a GeoPackage, styles and notes) of the filtered parks."""
    ds, f, lang = ctx.ds, ctx.park_filter, ctx.lang
    bundle = FORMATS["bundle"]
    st.subheader(t("gis.bundle_header", lang))
    st.markdown(md_text(describe_filter(ds, f, len(ctx.shown), lang)))
    crs = st.selectbox(
        t("gis.bundle_crs", lang),
        list(EXPORT_CRS),
        index=EXPORT_CRS.index(DEFAULT_EXPORT_CRS),
        key="bundle_crs",
        format_func=lambda c: crs_label(c, lang),
    )
    bundle_name = views.bundle_file_name(filter_slug(ds, f), crs, dt.date.today())
    _download(
        st,
        t("gis.bundle", lang),
        "dl_bundle",
        disabled=not len(ctx.shown),
        data=partial(
            export_bytes,
            ds,
            fmt=bundle.name,
            crs=crs,
            park_filter=f,
            lang=lang,
            geo_dir=ctx.paths.geo_dir,
            file_name=bundle_name,
        ),
        mime=bundle.media_type,
        file_name=bundle_name,
    )
    st.caption(t("gis.bundle_help", lang))
