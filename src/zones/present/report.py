"""A self-contained HTML briefing: static map, belt × industry matrix, overlap, 2025 targets.

One file with everything inline (SVG map, CSS, no scripts, no external links but the sources),
so it opens offline and can be mailed. Every text from data is escaped.

The map labels its parks by name, larger parks first: each label takes the first of eight
places around its park (right, left, above, below, then the corners) where its box
(:func:`label_box`) overlaps no label placed before and stays on the map; a park with no such
place goes unlabelled, and a note under the map counts those.
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import shapely
from shapely.geometry.base import BaseGeometry

from zones.io.atomic import atomic_write
from zones.model import citation
from zones.model.dataset import Dataset
from zones.present.analysis import (
    belt_industry_pairs,
    belt_overlap,
    crowded_industries,
    matrix_table,
)
from zones.settings import PLAN_NAME
from zones.text import norm_lang, t
from zones.text.escape import html_text as esc
from zones.text.i18n import pick_name, pick_text


def _name(row: object, lang: str) -> str:
    return pick_name(row, lang)


#: Font size of park labels, in SVG units (the map is 760 wide).
LABEL_SIZE = 11
#: Room kept between a park and its label, and around each label.
LABEL_GAP = 2.0


@dataclass(frozen=True)
class Box:
    """A rectangle on the SVG canvas: left, top, right, bottom (y grows downwards)."""

    x0: float
    y0: float
    x1: float
    y1: float

    def overlaps(self, other: Box) -> bool:
        """True when the two boxes share some area (touching edges do not count)."""
        return (
            self.x0 < other.x1 and other.x0 < self.x1 and self.y0 < other.y1 and other.y0 < self.y1
        )

    def grown(self, by: float) -> Box:
        return Box(self.x0 - by, self.y0 - by, self.x1 + by, self.y1 + by)


def label_width(text: str, size: float = LABEL_SIZE) -> float:
    """How wide ``text`` is drawn at ``size``: a full em per wide (CJK) character, 0.62 em per
    other character (a little more than most Latin letters and digits take)."""
    wide = sum(unicodedata.east_asian_width(ch) in "WF" for ch in text)
    return (wide + 0.62 * (len(text) - wide)) * size


def label_box(text: str, x: float, y: float, size: float = LABEL_SIZE) -> Box:
    """The box of ``text`` drawn with ``text-anchor="start"`` at ``x`` and baseline ``y``:
    from one em above the baseline to a quarter em below it."""
    return Box(x, y - size, x + label_width(text, size), y + 0.25 * size)


def place_labels(
    items: list[tuple[str, Box]], width: float, height: float, size: float = LABEL_SIZE
) -> list[tuple[str, float, float] | None]:
    """Greedy label placement: for each ``(text, park box)`` in order (most important first),
    the ``(text, x, baseline y)`` of its label, or None when it has no room.

    A label tries eight places around its park's box: right, left, above, below, then the four
    corners. It takes the first one whose box, grown by :data:`LABEL_GAP`, overlaps no label
    placed before and lies inside the ``width`` × ``height`` canvas.
    """
    placed: list[Box] = []
    out: list[tuple[str, float, float] | None] = []
    g = LABEL_GAP
    for text, park in items:
        w = label_width(text, size)
        cy = (park.y0 + park.y1) / 2 + 0.375 * size  # baseline centring the box on the park
        cx = (park.x0 + park.x1) / 2 - w / 2
        above, below = park.y0 - g - 0.25 * size, park.y1 + g + size
        right, left = park.x1 + g, park.x0 - g - w
        spot = None
        for x, y in (
            (right, cy), (left, cy), (cx, above), (cx, below),
            (right, above), (left, above), (right, below), (left, below),
        ):  # fmt: skip
            box = label_box(text, x, y, size)
            inside = box.x0 >= 0 and box.y0 >= 0 and box.x1 <= width and box.y1 <= height
            if inside and not any(box.grown(g).overlaps(other) for other in placed):
                spot = (text, x, y)
                placed.append(box)
                break
        out.append(spot)
    return out


class _Projection:
    """Equirectangular projection of lon/lat onto an SVG canvas ``width`` wide."""

    def __init__(self, bounds: tuple[float, float, float, float], width: int = 760) -> None:
        self.x0, self.y0, x1, y1 = bounds
        self.kx = math.cos(math.radians((self.y0 + y1) / 2))
        self.scale = width / ((x1 - self.x0) * self.kx)
        self.width, self.height = width, round((y1 - self.y0) * self.scale)
        self.y1 = y1

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        return (lon - self.x0) * self.kx * self.scale, (self.y1 - lat) * self.scale

    def box(self, geom: BaseGeometry) -> Box:
        """The canvas box of ``geom``."""
        minx, miny, maxx, maxy = geom.bounds
        (x0, y1), (x1, y0) = self.xy(minx, miny), self.xy(maxx, maxy)
        return Box(x0, y0, x1, y1)

    def path(self, geom: BaseGeometry) -> str:
        parts = []
        for poly in getattr(geom, "geoms", [geom]):
            if poly.geom_type != "Polygon":
                continue
            for ring in [poly.exterior, *poly.interiors]:
                pts = " ".join(
                    f"{(x - self.x0) * self.kx * self.scale:.1f},{(self.y1 - y) * self.scale:.1f}"
                    for x, y in ring.coords
                )
                parts.append(f"M{pts}Z")
        return " ".join(parts)


def svg_map(ds: Dataset, lang: str, width: int = 760) -> str:
    """The belts, district outlines and park footprints, labelled, as an inline SVG."""
    return _svg_map(ds, lang, width)[0]


def _svg_map(ds: Dataset, lang: str, width: int = 760) -> tuple[str, int]:
    """:func:`svg_map` and the number of parks left unlabelled."""
    districts = shapely.coverage_simplify(ds.districts.geometry.to_numpy(), 0.002)
    proj = _Projection(tuple(ds.districts.total_bounds), width)  # type: ignore[arg-type]
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {proj.width} {proj.height}" '
        f'role="img" aria-label="{esc(t("report.map", lang))}">'
    ]
    for belt in ds.belts.itertuples():
        geom = shapely.simplify(belt.geometry, 0.002)
        out.append(
            f'<path d="{proj.path(geom)}" fill="{esc(belt.color)}" fill-opacity="0.35" '
            f'stroke="none"><title>{esc(_name(belt._asdict(), lang))}</title></path>'
        )
    for geom in districts:
        out.append(f'<path d="{proj.path(geom)}" fill="none" stroke="#555" stroke-width="0.6"/>')
    parks = ds.parks.sort_values(["footprint_area_km2", "id"], ascending=[False, True])
    items = []
    for park in parks.itertuples():
        dash = ' stroke-dasharray="3 2"' if park.footprint == "indicative" else ""
        out.append(
            f'<path d="{proj.path(park.geometry)}" fill="#222" fill-opacity="0.15" '
            f'stroke="#111" stroke-width="1"{dash}><title>{esc(_name(park._asdict(), lang))}'
            "</title></path>"
        )
        if park.geometry is not None and not park.geometry.is_empty:
            items.append((_name(park._asdict(), lang), proj.box(park.geometry)))
    spots = place_labels(items, proj.width, proj.height)
    out.append(
        f'<g class="park-labels" font-size="{LABEL_SIZE}" fill="#111" stroke="#fff" '
        'stroke-width="3" stroke-linejoin="round" paint-order="stroke">'
    )
    out += [
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{LABEL_SIZE}">{esc(text)}</text>'
        for text, x, y in (spot for spot in spots if spot is not None)
    ]
    out.append("</g></svg>")
    return "".join(out), len(ds.parks) - sum(spot is not None for spot in spots)


def _map(ds: Dataset, lang: str) -> str:
    """The legend, the labelled map and, when parks went unlabelled, a note counting them."""
    svg, unlabelled = _svg_map(ds, lang)
    note = (
        f"<p class='note'>{esc(t('report.unlabelled', lang, n=unlabelled))}</p>"
        if unlabelled
        else ""
    )
    return _legend(ds, lang) + svg + note


def _legend(ds: Dataset, lang: str) -> str:
    from zones.settings import DEFAULT_FOOTPRINT_KM2

    items = [
        f'<span class="sw" style="background:{esc(b.color)}"></span>{esc(_name(b._asdict(), lang))}'
        for b in ds.belts.itertuples()
    ]
    items.append(f'<span class="sw solid"></span>{esc(t("report.legend_surveyed", lang))}')
    items.append(f'<span class="sw dashed"></span>{esc(t("report.legend_indicative", lang))}')
    note = esc(t("report.estimate_note", lang, area=f"{DEFAULT_FOOTPRINT_KM2:g}"))
    return f'<p class="legend">{" ".join(items)}</p><p class="note">{note}</p>'


def _matrix(ds: Dataset, lang: str) -> str:
    table = matrix_table(ds)
    names = ds.industries.set_index("id")
    focus = belt_industry_pairs(ds, "focus_industry_ids")
    peak = max(int(table.to_numpy().max()), 1) if not table.empty else 1
    head = "".join(f"<th>{esc(_name(b._asdict(), lang))}</th>" for b in ds.belts.itertuples())
    rows = []
    for industry_id, counts in table.iterrows():
        cells = []
        for belt_id, n in counts.items():
            alpha = 0.1 + 0.8 * n / peak if n else 0
            star = " ★" if (belt_id, industry_id) in focus else ""
            style = f' style="background:rgba(33,102,172,{alpha:.2f})"' if n else ""
            cells.append(f"<td{style}>{int(n)}{star}</td>")
        label = _name(names.loc[industry_id].to_dict(), lang)
        rows.append(f"<tr><th>{esc(label)}</th>{''.join(cells)}</tr>")
    return (
        f"<table class='matrix'><tr><th>{esc(t('analysis.industry', lang))}</th>{head}</tr>"
        + "".join(rows)
        + f"</table><p class='note'>{esc(t('report.matrix_note', lang))}</p>"
    )


def _overlap(ds: Dataset, lang: str) -> str:
    belts = ds.belts.set_index("id")
    names = ds.industries.set_index("id")

    def industry_names(ids: list[str]) -> str:
        return "、".join(_name(names.loc[i].to_dict(), lang) for i in ids) or t(
            "analysis.none", lang
        )

    rows = [
        f"<tr><td>{esc(_name(belts.loc[r.belt_a].to_dict(), lang))} × "
        f"{esc(_name(belts.loc[r.belt_b].to_dict(), lang))}</td>"
        f"<td>{esc(industry_names(r.shared))}</td><td>{r.jaccard:.2f}</td></tr>"
        for r in belt_overlap(ds).itertuples()
    ]
    crowded = [
        f"<li>{esc(_name(names.loc[r.industry_id].to_dict(), lang))}: "
        + esc("、".join(_name(belts.loc[b].to_dict(), lang) for b in r.belts))
        + "</li>"
        for r in crowded_industries(ds).itertuples()
    ]
    return (
        f"<table><tr><th>{esc(t('analysis.pair', lang))}</th>"
        f"<th>{esc(t('analysis.shared', lang))}</th>"
        f"<th>{esc(t('analysis.jaccard', lang))}</th></tr>{''.join(rows)}</table>"
        f"<h3>{esc(t('report.crowded', lang))}</h3><ul>{''.join(crowded)}</ul>"
    )


def _cite(source: str, lang: str) -> str:
    if cited := citation.parse(source):
        return t("report.plan_line", lang, n=cited.label())
    return source


def _targets(ds: Dataset, lang: str) -> str:
    rows = []
    for r in ds.targets.itertuples():
        unit = pick_text(r._asdict(), "unit", lang)
        value = f"{r.value:g} {unit}"
        rows.append(
            f"<tr><td>{esc(_name(r._asdict(), lang))}</td><td>{esc(value)}</td>"
            f"<td>{esc(_cite(r.source, lang))}: “{esc(r.quote)}”</td></tr>"
        )
    return (
        f"<table><tr><th>{esc(t('analysis.target', lang))}</th>"
        f"<th>{esc(t('analysis.target_value', lang))}</th>"
        f"<th>{esc(t('analysis.source', lang))}</th></tr>{''.join(rows)}</table>"
        f"<p class='note'>{esc(t('report.targets_note', lang))}</p>"
    )


def _parks(ds: Dataset, lang: str) -> str:
    names = ds.industries.set_index("id")
    rows = []
    for park in ds.parks.itertuples():
        designated = "、".join(
            _name(names.loc[i].to_dict(), lang) for i in park.designated_industry_ids
        )
        belts = ds.belts.set_index("id")
        belt_names = "、".join(_name(belts.loc[b].to_dict(), lang) for b in park.belt_ids)
        where = (
            f"{t(f'report.{park.location_basis}', lang)} ±{park.location_precision_m / 1000:g} km"
        )
        rows.append(
            f"<tr><td>{esc(_name(park._asdict(), lang))}</td><td>{esc(belt_names)}</td>"
            f"<td>{esc(designated or t('analysis.none', lang))}</td><td>{esc(where)}</td></tr>"
        )
    return (
        f"<table><tr><th>{esc(t('report.name', lang))}</th>"
        f"<th>{esc(t('analysis.belts', lang))}</th>"
        f"<th>{esc(t('report.designated', lang))}</th>"
        f"<th>{esc(t('report.location', lang))}</th></tr>" + "".join(rows) + "</table>"
    )


CSS = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2em auto;max-width:64em;
color:#222;line-height:1.5}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.2em .5em;
text-align:left;font-size:.9em}.matrix td{text-align:center}.note{color:#555;font-size:.85em}
.legend .sw{display:inline-block;width:1.2em;height:.9em;margin:0 .3em 0 1em;vertical-align:middle;
opacity:.6}.sw.solid{border:2px solid #111;opacity:1}.sw.dashed{border:2px dashed #111;opacity:1}
svg{width:100%;height:auto;border:1px solid #ddd;background:#f8fbff}
"""


def report_html(ds: Dataset, *, lang: str = "zh", today: dt.date | None = None) -> str:
    """The briefing as one HTML document (no scripts, nothing loaded from elsewhere)."""
    lang = norm_lang(lang)
    today = today or dt.date.today()
    title = esc(t("report.title", lang))
    sections = [
        (t("report.map", lang), _map(ds, lang)),
        (t("report.matrix", lang), _matrix(ds, lang)),
        (t("report.overlap", lang), _overlap(ds, lang)),
        (t("report.targets", lang), _targets(ds, lang)),
        (t("report.parks", lang), _parks(ds, lang)),
    ]
    body = "".join(f"<section><h2>{esc(h)}</h2>{content}</section>" for h, content in sections)
    return (
        f'<!DOCTYPE html><html lang="{esc(t("language.html", lang))}"><head>'
        f'<meta charset="utf-8"><title>{title}</title>'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\">"
        f"<style>{CSS}</style></head><body><h1>{title}</h1>"
        f"<p>{esc(t('report.subtitle', lang, plan=PLAN_NAME))}</p>"
        f"<p class='note'>{esc(t('report.generated', lang))}: {today.isoformat()}</p>"
        f"{body}</body></html>"
    )


def write_report(ds: Dataset, out: Path | str, *, lang: str = "zh") -> Path:
    """Write :func:`report_html` to ``out`` atomically."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(out) as tmp:
        Path(tmp).write_text(report_html(ds, lang=lang), encoding="utf-8")
    return out
