"""The map tab: one compact bar (count, filter sentence, colouring), the map filling the rest of
the window, and the selected park's details beside it (below it on a phone).

The map keeps its zoom across reruns: it moves only when the user asks to zoom to a park (or a
link names one). A click on a park selects it through the map's ``on_change`` callback, which
runs before the rerun, so the new selection is drawn at once. The park list beside the map drives
the same selection from the keyboard, and the map's search box (in the map) too.

The server asks for a map :data:`MAP_HEIGHT` pixels high; the map's own script
(``static/zones/map-tools.js``) then fits its frame to the window below it.

A signed-in editor or reviewer corrects the selected park on the map itself: the map then has
the drawing tools (a boundary by polygon or rectangle, the point by a marker that can be
dragged), returns what is drawn (``all_drawings``, only for them: a viewer's pans and zooms
never rerun the app), and draws the corrections waiting for review dashed red. What is drawn
for the selected park feeds the correction form in the details (a boundary for the "use the
shape drawn on the map" choice, a point into the typed coordinates, in the basemap's datum);
every park's details list its history, for viewers too.
"""

from __future__ import annotations

import datetime as dt
from functools import partial

import streamlit as st
import streamlit_folium

from zones.map import mapping
from zones.map.coloring import COLOR_BY, Coloring, park_coloring
from zones.model.filters import describe_filter, filter_slug
from zones.present import selection, views
from zones.present.selection import Drawn
from zones.text.i18n import md_text, pick_names, t
from zones_app import loaders
from zones_app.context import Context
from zones_app.corrections import PROPOSED_COUNT, render_correction_form, render_history
from zones_app.state import keep_state

ss = st.session_state
#: The map's height before its script fits it to the window (and in AppTest).
MAP_HEIGHT = 620
#: The most parks the keyboard's park list holds; with more, a name typed narrows it first.
SELECT_LIMIT = 300
#: What the map returns to the app: for a viewer only what selects a park, so that pans and
#: zooms never rerun the app; for an editor also the shapes drawn.
VIEWER_RETURNS = ["last_active_drawing", "last_object_clicked"]
EDITOR_RETURNS = [*VIEWER_RETURNS, "all_drawings"]


def on_map_change() -> None:
    ss["park"], ss["_click"] = selection.next_selection(
        ss["park"], ss.get("map"), ss["_click"], None
    )
    ss[DETAILS_FIRST] = True


def zoom_to(park_id: str) -> None:
    ss["_zoom_to"] = park_id


def pick_from_list() -> None:
    ss["park"] = ss["_zoom_to"] = ss["park_pick"]


def clear_selection() -> None:
    ss.update(park=None)


#: Set by a click on the map: the run it starts sends the details before the map.
DETAILS_FIRST = "_details_first"


def render_map_tab(ctx: Context) -> None:
    """The bar, then the map beside the details (the downloads follow).

    What the user waits for is sent first: after a click on the map, the details; else (a page
    opened, a filter changed) the map, so that the browser starts drawing it while the rest of
    the page follows. Every part keeps its place on the page whatever the order (containers
    made first), so the map is never rebuilt and keeps the user's view.
    """
    lang = ctx.lang
    # One container, there or not: the map after it keeps its place in the page, so a notice
    # never makes Streamlit build a new map (and lose the user's view).
    notices = st.container(key="map_notices")
    if ss["park"] and ss["park"] not in ctx.shown_ids:
        notices.info(t("notice.park_hidden", lang))
        ss["park"] = None
    sentence = describe_filter(ctx.ds, ctx.park_filter, len(ctx.shown), lang)
    bar = st.container(key="zones_bar", horizontal=True, vertical_alignment="center", gap="small")
    coloring = current_coloring(ctx)
    if ctx.basemap == "amap":
        notices.caption(t("basemap.amap_note", lang))

    col_map, col_details = st.columns([2.7, 1], gap="medium")
    # An editor's details follow the map always: the correction form takes what was drawn.
    details_first = ss.pop(DETAILS_FIRST, False) and not editing(ctx)
    if details_first:
        with col_details:
            render_details(ctx)
    with col_map, st.container(key="zones_map"):
        drawn = render_map(ctx, coloring, sentence)
    with col_details:
        if not details_first:
            render_details(ctx, drawn)
        render_pdf(ctx, coloring, sentence)
    with bar:
        render_bar(ctx, sentence)


def editing(ctx: Context) -> bool:
    """Whether the map is an editor's: someone signed in who may propose corrections."""
    return ctx.user is not None and ctx.user.can_propose


def map_datum(ctx: Context) -> str:
    """The datum of what is drawn on the map: the basemap's (GCJ-02 on AMap tiles)."""
    return "gcj02" if mapping.is_gcj02(ctx.basemap) else "wgs84"


def current_coloring(ctx: Context) -> Coloring:
    """What the bar's selectors colour the parks by (their values made valid first)."""
    if ss.get("color_by") not in COLOR_BY:
        ss["color_by"] = COLOR_BY[0]
    industry = None
    if ss["color_by"] == "industry":
        labels = views.industry_labels(ctx.ds, ctx.lang)
        if ss.get("color_industry") not in labels:
            ss["color_industry"] = next(iter(labels), None)
        industry = ss["color_industry"]
    return park_coloring(ctx.ds, ctx.shown, ss["color_by"], lang=ctx.lang, industry=industry)


def render_bar(ctx: Context, sentence: str) -> None:
    """Count and filter sentence (what the map shows, in words) and the selectors of what
    parks are coloured by (:func:`current_coloring` read them)."""
    lang = ctx.lang
    st.metric(t("count.metric", lang), len(ctx.shown), width="content")
    st.markdown(md_text(sentence), width="stretch")
    by = st.selectbox(
        t("color.label", lang),
        COLOR_BY,
        key="color_by",
        format_func=lambda b: t("color.option", lang, by=t(f"color.by.{b}", lang)),
        label_visibility="collapsed",
        width=230,
    )
    if by == "industry":
        labels = views.industry_labels(ctx.ds, lang)
        st.selectbox(
            t("color.industry", lang),
            list(labels),
            key="color_industry",
            format_func=labels.get,
            label_visibility="collapsed",
            width=220,
        )


def _update_view(parks_fc: dict) -> None:
    """Move the map to the park to zoom to, if any (a "zoom to" click, or a link's park)."""
    if not ss["_zoom_to"]:
        return
    view = mapping.park_view(parks_fc, ss["_zoom_to"], height_px=MAP_HEIGHT)
    if view and ss["_view"] and view[0] == ss["_view"][0]:  # the map only moves on a change
        view = ([view[0][0] + 1e-7, view[0][1]], view[1])
    ss["_view"], ss["_zoom_to"] = view or ss["_view"], None


def render_map(ctx: Context, coloring: Coloring, sentence: str) -> Drawn:
    """The map with the parks the filter shows, coloured; a click selects a park. On an
    editor's map, returns what was drawn for the selected park."""
    lang, basemap = ctx.lang, ctx.basemap
    edit = editing(ctx)
    districts_fc, belts_fc = loaders.base_features(ctx.store, ctx.revision, lang, basemap)
    base_url_path = loaders.base_url_path()
    edit_view = {"park": ss["park"], "key": draw_key()} if edit else None
    if loaders.draws_on_canvas(ctx.ds):  # thousands: one canvas, a bit and a byte a park
        url, ids = loaders.park_table(ctx.store, ctx.revision, lang, basemap, base_url_path)
        zoom_to = ctx.shown[ctx.shown["id"] == ss["_zoom_to"]] if ss["_zoom_to"] else ctx.shown[:0]
        _update_view(mapping.park_features(zoom_to, lang=lang, basemap=basemap))
        groups = mapping.many_park_groups(
            url,
            ids,
            ctx.shown_ids,
            lang=lang,
            selected_id=ss["park"],
            coloring=coloring,
            sentence=sentence,
            edit=edit_view,
        )
    else:
        parks_fc = loaders.park_features(ctx.store, ctx.revision, ctx.park_filter, lang, basemap)
        _update_view(parks_fc)
        groups = mapping.park_groups(
            parks_fc,
            lang=lang,
            selected_id=ss["park"],
            coloring=coloring,
            sentence=sentence,
            edit=edit_view,
        )
    base = mapping.base_map(
        districts_fc,
        belts_fc,
        lang=lang,
        basemap=basemap,
        tianditu_token=ctx.token,
        base_url_path=base_url_path,
        map_height=MAP_HEIGHT,
        editing=edit,
        outline_urls=loaders.outline_urls(ctx.store, ctx.revision, lang, basemap, base_url_path),
    )
    if edit:  # the corrections waiting for review, under the selection's outline
        groups.insert(-1, mapping.proposed_group(_proposed(ctx), lang=lang))
    returned = streamlit_folium.st_folium(
        base,
        key="map",
        height=MAP_HEIGHT,
        use_container_width=True,
        feature_group_to_add=groups,
        layer_control=mapping.layer_control(),
        returned_objects=EDITOR_RETURNS if edit else VIEWER_RETURNS,
        center=ss["_view"][0] if ss["_view"] else None,
        zoom=ss["_view"][1] if ss["_view"] else None,
        on_change=on_map_change,
    )
    if not len(ctx.shown):
        st.info(t("map.no_parks", lang))
    park, ss["_click"] = selection.next_selection(ss["park"], returned, ss["_click"], ctx.shown_ids)
    if park != ss["park"]:  # a click the map callback did not see (e.g. under AppTest)
        ss["park"] = park
        st.rerun()
    return take_drawings(ctx, returned) if edit else Drawn()


def _proposed(ctx: Context) -> dict:
    """The corrections waiting for review of the parks the map shows."""
    proposed = loaders.proposed_features(ctx.store, ctx.revision, ctx.basemap)
    features = [f for f in proposed["features"] if f["properties"]["park"] in ctx.shown_ids]
    return {"type": "FeatureCollection", "features": features}


def draw_key() -> str:
    """Changes with the selected park and with each correction proposed: the map then clears
    the shapes drawn (and the app no longer offers them)."""
    return f"{ss['park']}|{ss.get(PROPOSED_COUNT, 0)}"


def take_drawings(ctx: Context, returned: object) -> Drawn:
    """What was drawn on the map for the selected park
    (:func:`zones.present.selection.drawings_for`); a new boundary or point is put into the
    correction form (before its widgets are made)."""
    key = draw_key()
    used = ss.get("_draw_key", key) != key  # the map clears what it reported last
    ss["_draw_key"] = key
    if ss.get("_fix_park", ss["park"]) != ss["park"]:
        # Another park: what was typed or drawn for the one before is not offered for it.
        ss.update(fix_lon="", fix_lat="", fix_ring="", fix_use_drawing=False)
    ss["_fix_park"] = ss["park"]
    drawn, ss["_drawn"] = selection.drawings_for(
        ss["park"], returned, ss.get("_drawn", {}), used=used
    )
    if drawn.new_shape:
        ss.update(fix_kind="footprint", fix_use_drawing=True)
    if drawn.new_point and drawn.point is not None:
        lon, lat = drawn.point
        ss.update(
            fix_kind="location",
            fix_lon=f"{lon:.6f}",
            fix_lat=f"{lat:.6f}",
            fix_datum=map_datum(ctx),
        )
    return drawn


def render_details(ctx: Context, drawn: Drawn | None = None) -> None:
    """A list to choose a park from (the keyboard's way to the details), and its details: for
    an editor the correction form (fed by what was drawn on the map), for everyone the park's
    history of corrections."""
    lang = ctx.lang
    st.subheader(t("details.header", lang))
    park_names = dict(zip(ctx.shown["id"], pick_names(ctx.shown, lang), strict=True))
    if len(park_names) > SELECT_LIMIT:  # a list of thousands would cross the websocket each run
        query = st.text_input(
            t("details.find", lang),
            key="park_find",
            help=t("details.find_help", lang, n=len(park_names), limit=SELECT_LIMIT),
        )
        park_names = selection.matching_parks(park_names, query, ss["park"], SELECT_LIMIT)
    keep_state("park_pick", ss["park"])
    st.selectbox(
        t("details.choose", lang),
        list(park_names),
        key="park_pick",
        format_func=park_names.get,
        on_change=pick_from_list,
        placeholder=t("details.none", lang),
    )
    details = selection.park_details(ctx.ds, ss["park"], lang) if ss["park"] else None
    if details is None:
        return
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
    b2.button(t("details.clear", lang), on_click=clear_selection, key="clear_btn")
    drawn = drawn or Drawn()
    if editing(ctx):
        # One container whatever was drawn: the form after it keeps its place on the page, so
        # it stays open across reruns (an element that moves is a new, closed one).
        with st.container(key="fix_notes"):
            st.caption(t("fix.map_hint", lang))
            if drawn.shape is not None:
                st.info(t("fix.drawn_shape", lang), icon=":material/draw:")
            if drawn.point is not None:
                datum = t(f"fix.datum.{map_datum(ctx)}", lang)
                st.info(t("fix.drawn_point", lang, datum=datum), icon=":material/location_on:")
    render_correction_form(ctx, details.park_id, ctx.user, drawn.shape)
    render_history(ctx, details.park_id, ctx.user)


def render_pdf(ctx: Context, coloring: Coloring, sentence: str) -> None:
    """The print-ready A4 briefing of the current filter and colours (built on click)."""
    from zones.present.briefing_pdf import LIST_MAX_ROWS, briefing_pdf

    lang = ctx.lang
    if not loaders.has_cjk_font():
        st.caption(t("pdf.no_font", lang))
        return
    today = dt.date.today()
    st.download_button(
        t("pdf.button", lang),
        key="dl_pdf",
        on_click="ignore",
        icon=":material/picture_as_pdf:",
        disabled=not len(ctx.shown),
        help=t("pdf.help", lang, max=f"{LIST_MAX_ROWS:,}"),
        data=partial(
            briefing_pdf,
            ctx.ds,
            ctx.shown,
            lang=lang,
            coloring=coloring,
            sentence=sentence,
            today=today,
        ),
        mime="application/pdf",
        file_name=f"ningbo-briefing_{filter_slug(ctx.ds, ctx.park_filter)}_{today}.pdf",
    )
