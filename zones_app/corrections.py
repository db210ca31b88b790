"""Corrections in the app: an editor proposes one for the selected park, a reviewer works
through the queue, and every park's details list its history. Nothing here exists for a
viewer (no sign-in); every text from the log is escaped before it is shown.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pandas as pd
import streamlit as st

from zones.errors import ZonesError
from zones.present import views
from zones.store import Change, corrections, open_store
from zones.store.auth import User
from zones.text.i18n import level_label, md_text, pick_name, t
from zones_app.context import Context

ss = st.session_state
KINDS = ("location", "footprint", "area", "level", "district")
LEVELS = ("national", "provincial", "unknown")
#: How many corrections this session proposed: the map tab clears the shapes drawn for one
#: when it grows (zones_app.map_tab).
PROPOSED_COUNT = "_fix_count"


def _park_name(ctx: Context, park_id: str) -> str:
    rows = ctx.ds.parks[ctx.ds.parks["id"] == park_id]
    return pick_name(rows.iloc[0], ctx.lang) if len(rows) else park_id


def _ring(text: str) -> dict[str, Any]:
    """A typed boundary: GeoJSON, or one "lon,lat" per line (closed if needed)."""
    text = text.strip()
    if text.startswith("{"):
        value = json.loads(text)
        return dict(value.get("geometry", value))
    points = []
    for line in text.splitlines():
        if line.strip():
            lon, lat = (float(v) for v in line.replace("，", ",").split(",")[:2])
            points.append([lon, lat])
    if len(points) < 3:
        raise ZonesError("a boundary needs at least three vertices")
    if points[0] != points[-1]:
        points.append(points[0])
    return {"type": "Polygon", "coordinates": [points]}


def _new_change(ctx: Context, park_id: str, kind: str, drawing: dict[str, Any] | None):
    """The change the form describes (raises ZonesError with a reason the user can act on)."""
    source, note = ss.get("fix_source", ""), ss.get("fix_note", "")
    datum = ss.get("fix_datum", "wgs84")
    version = open_store(ctx.store).versions([park_id]).get(park_id)
    if kind == "location":
        lon, lat = float(ss.get("fix_lon") or math.nan), float(ss.get("fix_lat") or math.nan)
        return corrections.location_change(
            park_id,
            lon,
            lat,
            source_datum=datum,
            precision_m=int(ss.get("fix_precision") or 50),
            source=source,
            note=note,
            base_version=version,
        )
    if kind == "footprint":
        if ss.get("fix_use_drawing"):
            if not drawing:
                raise ZonesError(t("fix.no_drawing", ctx.lang))
            geometry = drawing.get("geometry", drawing)
            # Drawn on the map: in the datum of the basemap shown (GCJ-02 on AMap tiles).
            datum = "gcj02" if ctx.basemap == "amap" else "wgs84"
        else:
            try:
                geometry = _ring(ss.get("fix_ring", ""))
            except (ValueError, TypeError, KeyError, AttributeError) as exc:
                raise ZonesError(f"{exc}") from exc
        return corrections.footprint_change(
            park_id, geometry, source_datum=datum, source=source, note=note, base_version=version
        )
    value: Any = {
        "area": lambda: float(ss.get("fix_area") or 0),
        "level": lambda: ss.get("fix_level"),
        "district": lambda: list(ss.get("fix_districts") or []),
    }[kind]()
    return corrections.attribute_change(
        park_id, kind, value, source=source, note=note, base_version=version
    )


def _propose(ctx: Context, park_id: str, user: User, drawing: dict[str, Any] | None) -> None:
    kind = ss.get("fix_kind", "location")
    try:
        change = _new_change(ctx, park_id, kind, drawing)
        (change_id,) = open_store(ctx.store).propose([change], author=user.name)
    except ZonesError as exc:
        ss["_fix_msg"] = ("error", t("fix.error", ctx.lang, reason=md_text(exc.text(ctx.lang))))
        return
    ss["_fix_msg"] = ("success", t("fix.proposed", ctx.lang, id=change_id))
    ss[PROPOSED_COUNT] = ss.get(PROPOSED_COUNT, 0) + 1  # the map clears what was drawn
    for key in ("fix_source", "fix_note", "fix_ring"):
        ss[key] = ""


def render_correction_form(
    ctx: Context, park_id: str, user: User | None, drawing: dict[str, Any] | None = None
) -> None:
    """The form an editor fills to correct the selected park (nothing for a viewer)."""
    if user is None or not user.can_propose:
        return
    lang = ctx.lang
    with st.expander(t("fix.title", lang), expanded=False):
        kind = st.radio(
            t("fix.kind", lang),
            KINDS,
            key="fix_kind",
            format_func=lambda k: t(f"fix.kind.{k}", lang),
            horizontal=True,
        )
        if kind in ("location", "footprint"):
            st.selectbox(
                t("fix.datum", lang),
                tuple(corrections.DATUMS),
                key="fix_datum",
                format_func=lambda d: t(f"fix.datum.{d}", lang),
            )
        if kind == "location":
            st.text_input(t("fix.lon", lang), key="fix_lon", max_chars=20)
            st.text_input(t("fix.lat", lang), key="fix_lat", max_chars=20)
            st.number_input(
                t("fix.precision", lang),
                min_value=1,
                max_value=20000,
                value=50,
                key="fix_precision",
            )
        elif kind == "footprint":
            st.checkbox(t("fix.use_drawing", lang), key="fix_use_drawing")
            st.text_area(t("fix.ring", lang), key="fix_ring", max_chars=200_000)
        elif kind == "area":
            st.number_input(t("fix.area", lang), min_value=0.01, value=1.0, key="fix_area")
        elif kind == "level":
            st.selectbox(
                t("fix.level", lang),
                LEVELS,
                key="fix_level",
                format_func=lambda code: level_label(code, lang),
            )
        else:
            districts = ctx.ds.districts
            names = dict(zip(districts["adcode"].astype(str), districts["name_zh"], strict=True))
            st.multiselect(
                t("fix.districts", lang), list(names), key="fix_districts", format_func=names.get
            )
        st.text_input(t("fix.source", lang), key="fix_source", max_chars=500)
        st.text_area(t("fix.note", lang), key="fix_note", max_chars=2000)
        st.button(
            t("fix.submit", lang),
            key="fix_submit",
            type="primary",
            on_click=_propose,
            args=(ctx, park_id, user, drawing),
        )
        if msg := ss.pop("_fix_msg", None):
            getattr(st, msg[0])(msg[1])


def _history_frame(ctx: Context, changes: list[Change]) -> pd.DataFrame:
    columns = t("history.cols", ctx.lang).split("|")
    rows = [
        [
            f"#{c.id}",
            t(f"fix.kind.{c.kind}", ctx.lang),
            t(f"status.{c.status}", ctx.lang),
            c.author,
            c.events[-1].at.replace("T", " ").removesuffix("+00:00"),
            c.source,
            c.note,
        ]
        for c in reversed(changes)
    ]
    return views.md_table(pd.DataFrame(rows, columns=columns))


def _move(ctx: Context, change_id: int, action: str, user: User) -> None:
    store = open_store(ctx.store)
    comment = ss.get(f"review_comment_{change_id}", "")
    try:
        getattr(store, action)(change_id, by=user.name, comment=comment)
    except ZonesError as exc:
        reason = md_text(exc.text(ctx.lang))
        ss["_review_msg"] = ("error", t("review.error", ctx.lang, reason=reason))
        return
    status = {"accept": "accepted", "reject": "rejected", "revert": "reverted"}[action]
    ss["_review_msg"] = (
        "success",
        t("review.done", ctx.lang, id=change_id, status=t(f"status.{status}", ctx.lang)),
    )


def render_history(ctx: Context, park_id: str, user: User | None) -> None:
    """Every change of the park: who, when, on what source, its status (all escaped); a
    reviewer may revert an accepted one."""
    try:
        changes = open_store(ctx.store).changes(park_id=park_id)
    except ZonesError:
        return  # a store without a log (an older build): no history to show
    st.markdown(f"**{t('history.title', ctx.lang)}**")
    if not changes:
        st.caption(t("history.none", ctx.lang))
        return
    st.table(_history_frame(ctx, changes))
    if user is not None and user.can_review:
        for change in changes:
            if change.status == "accepted":
                st.button(
                    f"{t('review.revert', ctx.lang)} #{change.id}",
                    key=f"revert_{change.id}",
                    on_click=_move,
                    args=(ctx, change.id, "revert", user),
                )


def render_review_queue(ctx: Context, user: User | None) -> None:
    """The proposed changes, oldest first, each with what it does and accept/reject."""
    if user is None or not user.can_review:
        return
    lang = ctx.lang
    st.subheader(t("review.title", lang))
    if msg := ss.pop("_review_msg", None):
        getattr(st, msg[0])(msg[1])
    store = open_store(ctx.store)
    queue = store.changes(status="proposed")
    if not queue:
        st.caption(t("review.none", lang))
        return
    st.caption(t("review.legend", lang))
    for change in queue:
        head = t(
            "review.head",
            lang,
            id=change.id,
            park=md_text(_park_name(ctx, change.park_id)),
            kind=t(f"fix.kind.{change.kind}", lang),
            author=md_text(change.author),
            at=change.created_at.replace("T", " ").removesuffix("+00:00"),
        )
        with st.container(border=True):
            st.markdown(head)
            left, right = st.columns([1, 1])
            facts = corrections.review_facts(ctx.ds, change)
            with left:
                st.image(corrections.review_svg(ctx.ds, change), width=340)
            with right:
                if facts["area_after_km2"] is not None:
                    before, after = facts["area_before_km2"], facts["area_after_km2"]
                    st.markdown(t("review.area", lang, before=before, after=after))
                if facts["moved_m"] is not None:
                    st.markdown(t("review.moved", lang, m=f"{facts['moved_m']:,}"))
                if change.kind not in ("footprint", "location", "area"):
                    st.markdown(md_text(json.dumps(change.new_value, ensure_ascii=False)))
                st.markdown(t("review.source", lang, source=md_text(change.source)))
                st.markdown(t("review.note", lang, note=md_text(change.note)))
                st.text_input(
                    t("review.comment", lang), key=f"review_comment_{change.id}", max_chars=1000
                )
                a, r = st.columns(2)
                a.button(
                    t("review.accept", lang),
                    key=f"accept_{change.id}",
                    type="primary",
                    on_click=_move,
                    args=(ctx, change.id, "accept", user),
                )
                r.button(
                    t("review.reject", lang),
                    key=f"reject_{change.id}",
                    on_click=_move,
                    args=(ctx, change.id, "reject", user),
                )
