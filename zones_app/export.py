"""Download buttons for the data: the map tab's parks and belts, the GIS tab's bundle.

Files are built only when a button is clicked (``data`` is a callable), with today's date and
the filter in their names.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from functools import partial

import pandas as pd
import streamlit as st

from zones import views
from zones.bundle import CRS_CHOICES, DEFAULT_CRS, bundle_bytes
from zones.export import WRITERS, export_bytes
from zones.filters import ParkFilter, describe_filter, filter_slug
from zones.i18n import field_description, label, md_text, t
from zones_app.context import Context


def render_downloads(ctx: Context) -> None:
    """Format choice, the filtered parks and the chosen belts, and what each field holds."""
    ds, f, lang = ctx.ds, ctx.park_filter, ctx.lang
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
        disabled=not len(ctx.shown),
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


def render_bundle(ctx: Context) -> None:
    """The GIS bundle (a zip with a GeoPackage, styles and notes) of the filtered parks."""
    ds, f, lang = ctx.ds, ctx.park_filter, ctx.lang
    st.subheader(t("gis.bundle_header", lang))
    st.markdown(md_text(describe_filter(ds, f, len(ctx.shown), lang)))
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
        disabled=not len(ctx.shown),
        data=partial(
            bundle_bytes,
            ds,
            crs=crs,
            park_filter=f,
            lang=lang,
            geo_dir=ctx.paths.geo_dir,
            root=bundle_name.removesuffix(".zip"),
        ),
        mime="application/zip",
        file_name=bundle_name,
    )
    st.caption(t("gis.bundle_help", lang))
