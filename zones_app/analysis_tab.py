"""The plan analysis tab, over every park whatever the filters: the belt × industry heatmap,
belt overlap and crowding, a side-by-side comparison of parks, the plan's targets, and the
briefing download."""

from __future__ import annotations

import datetime as dt
from functools import partial

import streamlit as st

from zones.present import views
from zones.text.i18n import t
from zones_app import loaders
from zones_app.context import Context
from zones_app.state import keep_known

ss = st.session_state


def render_analysis_tab(ctx: Context) -> None:
    """Every section of the tab, in order."""
    st.caption(t("analysis.scope", ctx.lang, n=len(ctx.ds.parks)))
    render_matrix(ctx)
    render_overlap(ctx)
    render_compare(ctx)
    render_targets(ctx)
    render_report(ctx)


def render_matrix(ctx: Context) -> None:
    """The heatmap of parks by belt and industry, on the chosen basis, and its table."""
    lang = ctx.lang
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
    long, spec = loaders.matrix_data(ctx.store, ctx.revision, basis, lang)
    if long.empty:
        st.info(t("analysis.matrix_empty", lang))
        return
    st.vega_lite_chart(spec=spec, key="matrix_chart", width="stretch")
    st.caption(t("analysis.matrix_note", lang))
    with st.expander(t("analysis.matrix_table", lang)):
        st.table(views.md_table(views.matrix_wide(long, lang)))


def render_overlap(ctx: Context) -> None:
    """The focus industries each pair of belts shares, and those that many belts focus on."""
    ds, lang = ctx.ds, ctx.lang
    st.subheader(t("analysis.overlap_header", lang))
    st.table(views.md_table(views.overlap_table(ds, lang)), hide_index=True)
    st.caption(t("analysis.overlap_note", lang))
    crowded = views.crowded_table(ds, lang)
    if len(crowded):
        st.warning(t("analysis.crowded", lang, n=len(crowded), at=views.CROWDED_AT))
        st.table(views.md_table(crowded), hide_index=True)
    else:
        st.caption(t("analysis.crowded_none", lang, at=views.CROWDED_AT))


def render_compare(ctx: Context) -> None:
    """Two to four chosen parks side by side, and the distances between them."""
    ds, lang = ctx.ds, ctx.lang
    st.subheader(t("analysis.compare_header", lang))
    cmp_names = views.park_labels(ds, lang)
    keep_known("cmp_parks", cmp_names)
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
        return
    st.table(views.md_table(views.compare_table(ds, chosen, lang)))
    st.caption(t("analysis.distances", lang))
    st.table(views.md_table(views.distance_table(ds, chosen, lang)))


def render_targets(ctx: Context) -> None:
    """The plan's quantified targets, cited."""
    st.subheader(t("analysis.targets_header", ctx.lang))
    st.table(views.md_table(views.targets_table(ctx.ds, ctx.lang)), hide_index=True)
    st.caption(t("analysis.targets_note", ctx.lang))


def render_report(ctx: Context) -> None:
    """The HTML briefing, built on click."""
    lang = ctx.lang
    st.subheader(t("analysis.report_header", lang))
    st.download_button(
        t("analysis.report", lang),
        key="dl_report",
        on_click="ignore",
        icon=":material/download:",
        data=partial(views.report_bytes, ctx.ds, lang),
        mime="text/html",
        file_name=views.report_file_name(lang, dt.date.today()),
        help=t("analysis.report_help", lang),
    )
