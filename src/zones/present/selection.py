"""Which park is selected, and what the details panel says about it. Pure: no Streamlit.

streamlit-folium returns the map's state as a dict; after a click on a park polygon its
``last_active_drawing`` is the whole GeoJSON feature (properties included) and
``last_object_clicked`` the clicked point. The value stays the same on later reruns, and may
name a park the current filter hides, so :func:`next_selection` acts only on a *new* click
and checks the id against the parks shown.

:func:`park_details` gathers the panel's content as Markdown that is safe to render: every
text from the data goes through :func:`zones.text.i18n.md_text`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

import pandas as pd

from zones.map.search import normalize
from zones.model import cells, citation
from zones.model.dataset import Dataset
from zones.text import data_languages
from zones.text.i18n import format_km2, level_label, md_text, park_type_label, pick_name, t

# --------------------------------------------------------------------------------------------
# From the map's returned dict to a park id


def clicked_park(returned: Any) -> tuple[str | None, str | None]:
    """The park id of the last clicked feature and a fingerprint of that click.

    Returns ``(None, None)`` when ``returned`` holds no clicked feature (no click yet, not a
    dict, a feature without an id). The fingerprint differs for every click, even a second
    click on the same park, when ``last_object_clicked`` (the clicked point) is returned too.
    """
    if not isinstance(returned, Mapping):
        return None, None
    drawing = returned.get("last_active_drawing")
    if not isinstance(drawing, Mapping):
        return None, None
    props = drawing.get("properties")
    park_id = props.get("id") if isinstance(props, Mapping) else None
    if park_id is None:
        park_id = drawing.get("id")
    if not isinstance(park_id, str) or not park_id:
        return None, None
    point = returned.get("last_object_clicked")
    fingerprint = json.dumps([park_id, point], sort_keys=True, default=str)
    return park_id, fingerprint


def next_selection(
    current: str | None,
    returned: Any,
    last_seen: str | None,
    shown_ids: Collection[str] | None,
) -> tuple[str | None, str | None]:
    """The selected park after a rerun, and the click fingerprint to remember.

    A click not seen before selects its park; otherwise ``current`` stays. With
    ``shown_ids`` given, a selection outside it becomes ``None`` (the park is filtered out,
    or the value is stale); with ``None`` nothing is checked yet.
    """
    park_id, fingerprint = clicked_park(returned)
    selected = current
    if fingerprint is not None and fingerprint != last_seen:
        selected = park_id
        last_seen = fingerprint
    if shown_ids is not None and selected is not None and selected not in shown_ids:
        selected = None
    return selected, last_seen


def matching_parks(
    names: Mapping[str, str], query: str, selected: str | None, limit: int
) -> dict[str, str]:
    """The first ``limit`` parks of ``names`` (id -> name) whose name or id holds ``query``
    (compared as the map's search compares, :func:`zones.map.search.normalize`), the
    ``selected`` park always among them: the keyboard's park list when there are many."""
    wanted = normalize(query)
    out = {i: names[i] for i in ([selected] if selected in names else [])}
    if not wanted:
        return out
    for ident, name in names.items():
        if len(out) >= limit:
            break
        if wanted in normalize(name) or wanted in normalize(ident):
            out.setdefault(ident, name)
    return out


# --------------------------------------------------------------------------------------------
# What an editor drew on the map (st_folium's ``all_drawings``)


def drawn_shapes(returned: Any) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The boundary (a polygon: the polygon or rectangle tool) and the point (the marker tool)
    drawn on the map last, as GeoJSON features from st_folium's ``all_drawings``; None for
    what is not there."""
    if not isinstance(returned, Mapping):
        return None, None
    drawings = returned.get("all_drawings")
    if not isinstance(drawings, list):
        return None, None
    shape = point = None
    for feature in drawings:
        geometry = feature.get("geometry") if isinstance(feature, Mapping) else None
        kind = geometry.get("type") if isinstance(geometry, Mapping) else None
        if kind in ("Polygon", "MultiPolygon"):
            shape = dict(feature)
        elif kind == "Point":
            point = dict(feature)
    return shape, point


def _drawing_key(feature: Mapping[str, Any]) -> str:
    return json.dumps(feature.get("geometry"), sort_keys=True, default=str)


@dataclass(frozen=True)
class Drawn:
    """What was drawn on the map for the selected park.

    ``shape``: the boundary drawn (a GeoJSON feature), ``point``: the point placed
    (lon, lat, in the basemap's datum); ``new_shape`` / ``new_point``: first seen on this run
    (the correction form takes them up).
    """

    shape: dict[str, Any] | None = None
    point: tuple[float, float] | None = None
    new_shape: bool = False
    new_point: bool = False


def drawings_for(
    park_id: str | None,
    returned: Any,
    owners: Mapping[str, str | None],
    *,
    used: bool = False,
) -> tuple[Drawn, dict[str, str | None]]:
    """What was drawn for ``park_id``, and the new ``owners`` (drawing -> park) to remember.

    A drawing belongs to the park that was selected when it first came back from the map, so
    a shape drawn for one park is never offered for another. With ``used`` (another park was
    selected, or a correction was just proposed: the map clears what was drawn, without
    telling the app) the drawings the map last reported belong to no park any more. ``owners``
    keeps only the drawings the map last reported.
    """
    shape, point = drawn_shapes(returned)
    present = {_drawing_key(f): f for f in (shape, point) if f is not None}
    fresh = set() if used else {k for k in present if k not in owners}
    kept = {k: None if used else owners.get(k, park_id) for k in present}
    if park_id is None:
        return Drawn(), kept

    def mine(feature: dict[str, Any] | None) -> bool:
        return feature is not None and kept[_drawing_key(feature)] == park_id

    lonlat = None
    if point is not None and mine(point):
        coordinates = point["geometry"].get("coordinates") or []
        if len(coordinates) >= 2 and all(isinstance(c, int | float) for c in coordinates[:2]):
            lonlat = (float(coordinates[0]), float(coordinates[1]))
    drawn = Drawn(
        shape=shape if mine(shape) else None,
        point=lonlat,
        new_shape=mine(shape) and _drawing_key(shape) in fresh,  # type: ignore[arg-type]
        new_point=lonlat is not None and _drawing_key(point) in fresh,  # type: ignore[arg-type]
    )
    return drawn, kept


# --------------------------------------------------------------------------------------------
# Details of one park

#: Characters left as they are in a link target; everything else is percent-encoded, so a
#: URL from the data cannot close the Markdown link or inject anything.
_URL_SAFE = ":/?#@!$&*+,;=%-._~[]"


def source_markdown(source: Any, lang: str) -> str:
    """A source as safe Markdown: ``plan:L58`` -> 规划原文第58行, http(s) URLs -> links."""
    text = "" if source is None else str(source).strip()
    if not text:
        return ""
    if cited := citation.parse(text):
        return md_text(t("source.plan_line", lang, line=cited.label()))
    parts = urlsplit(text)
    if parts.scheme in ("http", "https") and parts.netloc:
        target = quote(text, safe=_URL_SAFE)
        shown = parts.netloc + (parts.path if parts.path not in ("", "/") else "")
        return f"[{md_text(shown)}]({target})"
    return md_text(text)


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


@dataclass(frozen=True)
class ParkDetails:
    """The details panel of one park; every string is safe Markdown.

    ``facts`` are (label, value) rows; ``industries`` are (basis label, items) groups in the
    order designated / belt focus / other sources; ``bounds`` is the footprint's
    (min lon, min lat, max lon, max lat) in WGS84.
    """

    park_id: str
    title: str
    subtitle: str
    facts: list[tuple[str, str]] = field(default_factory=list)
    industries: list[tuple[str, list[str]]] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    bounds: tuple[float, float, float, float] | None = None
    industries_label: str = ""
    sources_label: str = ""
    lang: str = "zh"

    def markdown(self) -> str:
        """The whole panel below the title as one Markdown text."""
        colon = t("punct.colon", self.lang)
        lines = [f"**{md_text(label)}**{colon}{value}" for label, value in self.facts]
        parts = ["  \n".join(lines)]
        if self.industries:
            industry_lines = [
                f"- *{md_text(basis)}*{colon}{_join(items, self.lang)}"
                for basis, items in self.industries
            ]
            parts.append(f"**{md_text(self.industries_label)}**\n\n" + "\n".join(industry_lines))
        if self.sources:
            parts.append(f"**{md_text(self.sources_label)}**{colon}" + " · ".join(self.sources))
        return "\n\n".join(p for p in parts if p)


def _join(items: list[str], lang: str) -> str:
    return t("punct.list", lang).join(items)


def _sep(lang: str) -> str:
    return t("punct.semicolon", lang)


def _paren(inner: str, lang: str) -> str:
    """`` (inner)`` / ``（inner）``: a note after a name."""
    return t("punct.paren", lang, text=inner)


def note_in(row: Any, column: str, lang: str) -> str:
    """The note ``column`` of a park ``row`` in ``lang``: ``<column>_<code>`` of the first
    data language (:func:`zones.text.data_languages`) that has it, English being the bare
    ``column`` (``notes`` / ``notes_zh``); '' when every one is blank."""
    for code in data_languages(lang):
        for key in (f"{column}_{code}", column if code == "en" else ""):
            text = cells.stripped(row.get(key)) if key else ""
            if text:
                return text
    return ""


def _lookup(frame: pd.DataFrame, key: str, lang: str) -> dict[str, str]:
    return {cells.stripped(r[key]): pick_name(r, lang) for _, r in frame.iterrows()}


def park_details(ds: Dataset, park_id: str, lang: str) -> ParkDetails | None:
    """Everything the details panel shows about ``park_id``, or None when there is no such park."""
    parks = ds.parks[ds.parks["id"] == park_id]
    if parks.empty:
        return None
    row = parks.iloc[0]
    title = pick_name(row, lang)
    # The name in the next data language that differs: 杭州湾新区 under Hangzhou Bay New Area.
    others = [pick_name(row, code) for code in data_languages(lang)[1:]]
    subtitle = next((name for name in others if name != title), title)
    none = t("details.none_value", lang)

    district_names = _lookup(ds.districts, "adcode", lang)
    adcodes = cells.text_list(row.get("district_adcodes"))
    districts = [district_names.get(a) or a for a in adcodes]
    districts = districts or cells.text_list(row.get("districts"))
    belt_names = _lookup(ds.belts, "id", lang)
    platforms = set(cells.text_list(row.get("platform_belt_ids")))
    platform = t("details.platform", lang)
    belts = [
        (belt_names.get(b) or b) + _paren(platform, lang)
        if b in platforms
        else belt_names.get(b) or b
        for b in cells.text_list(row.get("belt_ids"))
    ] or cells.text_list(row.get("belts"))

    level = [
        level_label(cells.stripped(row.get("level")), lang),
        note_in(row, "level_note", lang),
    ]
    facts: list[tuple[str, str]] = [
        (t("details.level", lang), _sep(lang).join(md_text(x) for x in level if x)),
    ]
    if cells.stripped(row.get("type")):
        facts.append((t("details.type", lang), md_text(park_type_label(row.get("type"), lang))))
    facts.append((t("details.districts", lang), md_text(_join(districts, lang) or none)))
    facts.append((t("details.belts", lang), md_text(_join(belts, lang) or none)))

    area = _number(row.get("area_km2"))
    if math.isfinite(area):
        value = md_text(t("unit.km2", lang, km2=format_km2(area)))
        source = source_markdown(row.get("area_source"), lang)
        sourced = value + _paren(source, lang)
        area_text = sourced if source else value
    else:
        area_text = md_text(t("details.area_unknown", lang))
    if note_in(row, "area_note", lang):
        area_text += _sep(lang) + md_text(note_in(row, "area_note", lang))
    facts.append((t("details.area", lang), area_text))

    kind = cells.stripped(row.get("footprint")) or "indicative"
    footprint = [
        md_text(t(f"footprint.{kind}", lang) if kind in ("surveyed", "indicative") else kind)
    ]
    drawn = _number(row.get("footprint_area_km2"))
    if math.isfinite(drawn):
        footprint.append(md_text(t("details.footprint_area", lang, km2=format_km2(drawn))))
    if note_in(row, "footprint_note", lang):
        footprint.append(md_text(note_in(row, "footprint_note", lang)))
    if cells.stripped(row.get("footprint_source")):
        footprint.append(source_markdown(row.get("footprint_source"), lang))
    facts.append((t("details.footprint", lang), _sep(lang).join(footprint)))

    basis = cells.stripped(row.get("location_basis")) or "estimated"
    location = [
        md_text(
            t(f"location.{basis}", lang) if basis in ("sourced", "estimated", "located") else basis
        )
    ]
    precision = _number(row.get("location_precision_m"))
    if math.isfinite(precision):
        location.append(md_text(t("details.precision", lang, m=f"{precision:,.0f}")))
    if note_in(row, "location_note", lang):
        location.append(md_text(note_in(row, "location_note", lang)))
    if cells.stripped(row.get("location_source")):
        location.append(source_markdown(row.get("location_source"), lang))
    facts.append((t("details.location", lang), _sep(lang).join(location)))
    if transport := _transport(ds, row, lang):
        facts.append((t("details.transport", lang), transport))
    if note_in(row, "notes", lang):
        facts.append((t("details.notes", lang), md_text(note_in(row, "notes", lang))))

    industries = _industry_groups(ds, park_id, row, lang)
    sources = [source_markdown(x, lang) for x in cells.text_list(row.get("sources"))]
    sources = [s for s in sources if s]
    geometry = row.geometry
    bounds = None
    if geometry is not None and not geometry.is_empty:
        bounds = tuple(float(v) for v in geometry.bounds)
    return ParkDetails(
        park_id=park_id,
        title=md_text(title),
        subtitle=md_text(subtitle) if subtitle != title else "",
        facts=facts,
        industries=industries,
        sources=sources,
        bounds=bounds,  # type: ignore[arg-type]
        industries_label=t("details.industries", lang),
        sources_label=t("details.sources", lang),
        lang=lang,
    )


def _transport(ds: Dataset, row: Any, lang: str) -> str:
    """Straight-line distances to the nearest seaport area, Lishe airport and the nearest rail
    station, with how rough they are (the park's location precision) and how many transport
    nodes were left out for want of a sourced coordinate."""
    nodes = getattr(ds, "transport_nodes", None)
    if nodes is None or "id" not in nodes:
        nodes = pd.DataFrame(columns=["id", "kind", "lon", "lat"])
    names = _lookup(nodes, "id", lang) if len(nodes) else {}
    located = nodes["lon"].notna() & nodes["lat"].notna() if len(nodes) else pd.Series([])
    airports = nodes[located & (nodes["kind"] == "airport")] if len(nodes) else nodes
    airport_id = str(airports["id"].iloc[0]) if len(airports) == 1 else ""
    parts = []
    for key, km_col, id_col in (
        ("details.port", "nearest_port_km", "nearest_port"),
        ("details.airport", "airport_km", None),
        ("details.rail", "nearest_rail_km", "nearest_rail"),
    ):
        km = _number(row.get(km_col))
        if not math.isfinite(km):
            continue
        ident = cells.stripped(row.get(id_col)) if id_col else airport_id
        name = names.get(ident) or ident
        if name:
            name = _paren(name, lang)
        parts.append(t(key, lang, name=name, km=f"{km:.0f}" if km >= 10 else f"{km:.1f}"))
    if not parts:
        return ""
    precision = _number(row.get("location_precision_m"))
    note = (
        t("details.transport_note", lang, m=f"{precision:,.0f}")
        if math.isfinite(precision)
        else t("details.transport_note_unknown", lang)
    )
    space = t("punct.space", lang)
    text = _sep(lang).join(parts) + space + note
    kinds = ("seaport", "airport", "rail")
    missing = int((~located & nodes["kind"].isin(kinds)).sum()) if len(nodes) else 0
    if missing:
        text += space + t("details.transport_missing", lang, n=missing)
    return md_text(text)


_BASIS_ORDER = ("park", "belt", "source")


def _industry_groups(ds: Dataset, park_id: str, row: Any, lang: str) -> list[tuple[str, list[str]]]:
    """Industries of the park grouped by basis, each with its tier: 汽车及零部件（优势产业）."""
    industries = ds.industries.set_index(ds.industries["id"].astype(str))
    tier_names = _lookup(ds.tiers, "id", lang)
    links = ds.park_industries[ds.park_industries["park_id"] == park_id]
    by_basis: dict[str, list[str]] = {}
    seen: set[tuple[str, str]] = set()
    for _, link in links.iterrows():
        basis = cells.stripped(link.get("basis")) or "source"
        ident = cells.stripped(link.get("industry_id"))
        if (basis, ident) in seen:
            continue
        seen.add((basis, ident))
        by_basis.setdefault(basis, []).append(ident)
    if not by_basis:  # no link table rows: fall back to the park's own columns
        designated = cells.text_list(row.get("designated_industry_ids"))
        others = [i for i in cells.text_list(row.get("industry_ids")) if i not in designated]
        by_basis = {k: v for k, v in (("park", designated), ("source", others)) if v}

    groups = []
    for basis in sorted(
        by_basis, key=lambda b: (_BASIS_ORDER.index(b) if b in _BASIS_ORDER else 9, b)
    ):
        items = []
        for ident in by_basis[basis]:
            if ident in industries.index:
                ind = industries.loc[ident]
                name = pick_name(ind, lang)
                tier = tier_names.get(cells.stripped(ind.get("tier_id")), "")
                with_tier = name + _paren(tier, lang)
                items.append(md_text(with_tier if tier else name))
            else:
                items.append(md_text(ident))
        label = t(f"basis.{basis}", lang) if basis in _BASIS_ORDER else basis
        groups.append((label, items))
    return groups
