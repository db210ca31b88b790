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
import functools
import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
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
from zones.text.i18n import pick_name, pick_names, pick_text


def _name(row: object, lang: str) -> str:
    return pick_name(row, lang)


def _names_by_id(frame: pd.DataFrame, lang: str) -> dict[str, str]:
    """The name in ``lang`` of each row of ``frame`` (industries, belts), by id: the row's
    :func:`~zones.text.i18n.pick_name` without its id, so '' when it has no name at all (as
    ``frame.set_index("id").loc[id]`` read it). Built once; looked up per park."""
    columns = [c for c in frame.columns if str(c).startswith("name_")]
    values = (frame[c].tolist() for c in columns)
    return {
        ident: _name(dict(zip(columns, names, strict=True)), lang)
        for ident, *names in zip(frame["id"].tolist(), *values, strict=True)
    }


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


#: East Asian widths drawn a full em wide (:func:`label_width`).
_WIDE = frozenset({"W", "F"})


def label_width(text: str, size: float = LABEL_SIZE) -> float:
    """How wide ``text`` is drawn at ``size``: a full em per wide (CJK) character, 0.62 em per
    other character (a little more than most Latin letters and digits take)."""
    wide = sum(map(_WIDE.__contains__, map(unicodedata.east_asian_width, text)))
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
    # The boxes (x0, y0, x1, y1) of the labels placed so far, filed under every band of
    # BAND units of height they cross: two boxes that overlap share a band, so a candidate is
    # checked against the labels of its bands only. Plain floats and loops: this runs for up
    # to eight places of every park.
    bands: dict[int, list[tuple[float, float, float, float]]] = {}
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
            # label_box(text, x, y, size), then that box grown by the gap (Box.grown)
            x0, y0, x1, y1 = x, y - size, x + w, y + 0.25 * size
            if not (x0 >= 0 and y0 >= 0 and x1 <= width and y1 <= height):
                continue
            gx0, gy0, gx1, gy1 = x0 - g, y0 - g, x1 + g, y1 + g
            free = True
            for band in range(int(gy0 // BAND), int(gy1 // BAND) + 1):
                for ox0, oy0, ox1, oy1 in bands.get(band, ()):
                    if gx0 < ox1 and ox0 < gx1 and gy0 < oy1 and oy0 < gy1:  # Box.overlaps
                        free = False
                        break
                if not free:
                    break
            if free:
                spot = (text, x, y)
                for band in range(int(y0 // BAND), int(y1 // BAND) + 1):
                    bands.setdefault(band, []).append((x0, y0, x1, y1))
                break
        out.append(spot)
    return out


#: Height of the bands :func:`place_labels` files placed labels under, in SVG units.
BAND = 16.0


#: A point of an SVG path: x,y to a tenth of a unit ("%.1f" is "{:.1f}", a little faster).
_POINT = "%.1f,%.1f"


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

    def boxes(self, geoms: np.ndarray) -> list[Box]:
        """:meth:`box` of each of ``geoms``, all at once (the same operations, elementwise)."""
        minx, miny, maxx, maxy = shapely.bounds(geoms).T
        x0 = ((minx - self.x0) * self.kx * self.scale).tolist()
        y1 = ((self.y1 - miny) * self.scale).tolist()
        x1 = ((maxx - self.x0) * self.kx * self.scale).tolist()
        y0 = ((self.y1 - maxy) * self.scale).tolist()
        return [Box(*b) for b in zip(x0, y0, x1, y1, strict=True)]

    def paths(self, geoms: np.ndarray) -> list[str]:
        """:meth:`path` of each of ``geoms``, the same text: polygons and multipolygons (the
        parks) all at once, ring by ring in the order path() takes them; any other geometry,
        and one with an empty polygon (drawn as an empty ring), one by one."""
        kind = shapely.get_type_id(geoms)
        polygonal = (kind == shapely.GeometryType.POLYGON) | (
            kind == shapely.GeometryType.MULTIPOLYGON
        )
        fast = np.flatnonzero(polygonal & ~shapely.is_empty(geoms))
        parts, part_geom = shapely.get_parts(geoms[fast], return_index=True)
        empty = np.unique(part_geom[shapely.is_empty(parts)])
        keep = ~np.isin(part_geom, empty)
        rings, ring_part = shapely.get_rings(parts[keep], return_index=True)
        ring_geom = fast[part_geom[keep][ring_part]].tolist()
        xy = shapely.get_coordinates(rings)
        # The same operations, in the same order, as xy() on each point.
        xs = ((xy[:, 0] - self.x0) * self.kx * self.scale).tolist()
        ys = ((self.y1 - xy[:, 1]) * self.scale).tolist()
        points = list(map(_POINT.__mod__, zip(xs, ys, strict=True)))
        drawn: dict[int, list[str]] = {}
        start = 0
        for i, n in zip(ring_geom, shapely.get_num_coordinates(rings).tolist(), strict=True):
            drawn.setdefault(i, []).append(f"M{' '.join(points[start : start + n])}Z")
            start += n
        done = set(np.delete(fast, empty).tolist())
        return [
            " ".join(drawn.get(i, ())) if i in done else self.path(g) for i, g in enumerate(geoms)
        ]

    def path(self, geom: BaseGeometry) -> str:
        parts = []
        for poly in getattr(geom, "geoms", [geom]):
            if poly.geom_type != "Polygon":
                continue
            for ring in [poly.exterior, *poly.interiors]:
                xy = shapely.get_coordinates(ring)
                # The same operations, in the same order, as xy() on each point.
                xs = ((xy[:, 0] - self.x0) * self.kx * self.scale).tolist()
                ys = ((self.y1 - xy[:, 1]) * self.scale).tolist()
                parts.append(f"M{' '.join(map(_POINT.__mod__, zip(xs, ys, strict=True)))}Z")
        return " ".join(parts)


def svg_map(ds: Dataset, lang: str, width: int = 760) -> str:
    """The belts, district outlines and park footprints, labelled, as an inline SVG."""
    return _svg_map(ds, lang, width)[0]


def _svg_map(
    ds: Dataset, lang: str, width: int = 760, park_names: Sequence[str] | None = None
) -> tuple[str, int]:
    """:func:`svg_map` and the number of parks left unlabelled. ``park_names``: the parks'
    names in ``lang`` (:func:`~zones.text.i18n.pick_names` of ``ds.parks``) when known."""
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
    # The parks, larger first: names, footprints and shapes as lists in that order.
    keys = ["footprint_area_km2", "id"]
    by_size = ds.parks[keys].reset_index(drop=True).sort_values(keys, ascending=[False, True])
    order = by_size.index.to_numpy()  # positions in ds.parks
    names = pick_names(ds.parks, lang) if park_names is None else park_names
    names = [names[i] for i in order.tolist()]
    footprints = ds.parks["footprint"].to_numpy()[order].tolist()
    geoms = ds.parks["geometry"].to_numpy()[order]
    for name, footprint, path in zip(names, footprints, proj.paths(geoms), strict=True):
        dash = ' stroke-dasharray="3 2"' if footprint == "indicative" else ""
        out.append(
            f'<path d="{path}" fill="#222" fill-opacity="0.15" '
            f'stroke="#111" stroke-width="1"{dash}><title>{esc(name)}</title></path>'
        )
    shown = np.flatnonzero(~(shapely.is_missing(geoms) | shapely.is_empty(geoms)))
    boxes = proj.boxes(geoms[shown])
    items = [(names[i], box) for i, box in zip(shown.tolist(), boxes, strict=True)]
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


def _map(ds: Dataset, lang: str, park_names: Sequence[str] | None = None) -> str:
    """The legend, the labelled map and, when parks went unlabelled, a note counting them."""
    svg, unlabelled = _svg_map(ds, lang, park_names=park_names)
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


# --- The sections' data: one place, read by this HTML and by the PDF (zones.present.briefing_pdf)


#: The colour of the matrix's cells (red, green, blue); a cell's opacity grows with its count.
MATRIX_RGB = (33, 102, 172)


@dataclass(frozen=True)
class MatrixRow:
    """One industry of the matrix: its name and, per belt, (parks, a focus of the belt)."""

    industry: str
    cells: tuple[tuple[int, bool], ...]


@dataclass(frozen=True)
class Matrix:
    """The belt × industry matrix as the briefing shows it (:func:`matrix_data`)."""

    belts: tuple[str, ...]
    rows: tuple[MatrixRow, ...]
    peak: int

    def alpha(self, n: int) -> float:
        """The opacity of a cell of ``n`` parks (0: no fill)."""
        return 0.1 + 0.8 * n / self.peak if n else 0.0


def cell_text(n: int, focus: bool) -> str:
    """A matrix cell as shown: the count, and ★ when the plan names a focus of the belt."""
    return f"{int(n)}{' ★' if focus else ''}"


def matrix_data(ds: Dataset, lang: str) -> Matrix:
    """Parks per industry per belt (:func:`zones.present.analysis.matrix_table`), belt and
    industry names in ``lang``, and the focus of each belt (:data:`report.matrix_note`)."""
    table = matrix_table(ds)
    names = _names_by_id(ds.industries, lang)
    focus = belt_industry_pairs(ds, "focus_industry_ids")
    peak = max(int(table.to_numpy().max()), 1) if not table.empty else 1
    belts = tuple(_name(b._asdict(), lang) for b in ds.belts.itertuples())
    belt_ids = table.columns.tolist()
    rows = tuple(
        MatrixRow(
            names[industry_id],
            tuple(
                (int(n), (belt_id, industry_id) in focus)
                for belt_id, n in zip(belt_ids, counts, strict=True)
            ),
        )
        for industry_id, counts in zip(table.index.tolist(), table.to_numpy().tolist(), strict=True)
    )
    return Matrix(belts, rows, peak)


@dataclass(frozen=True)
class Overlap:
    """The overlap section: per pair of belts (pair, shared focus industries, Jaccard index),
    and the industries that are a focus of three belts or more (industry, its belts)."""

    pairs: tuple[tuple[str, str, str], ...]
    crowded: tuple[tuple[str, str], ...]


def overlap_data(ds: Dataset, lang: str) -> Overlap:
    """:func:`zones.present.analysis.belt_overlap` and
    :func:`~zones.present.analysis.crowded_industries` with names in ``lang``."""
    belts = _names_by_id(ds.belts, lang)
    names = _names_by_id(ds.industries, lang)

    def industry_names(ids: list[str]) -> str:
        return "、".join(names[i] for i in ids) or t("analysis.none", lang)

    pairs = tuple(
        (f"{belts[r.belt_a]} × {belts[r.belt_b]}", industry_names(r.shared), f"{r.jaccard:.2f}")
        for r in belt_overlap(ds).itertuples()
    )
    crowded = tuple(
        (names[r.industry_id], "、".join(belts[b] for b in r.belts))
        for r in crowded_industries(ds).itertuples()
    )
    return Overlap(pairs, crowded)


def _cite(source: str, lang: str) -> str:
    if cited := citation.parse(source):
        return t("report.plan_line", lang, n=cited.label())
    return source


def target_rows(ds: Dataset, lang: str) -> list[tuple[str, str, str, str]]:
    """The plan's targets as the briefing shows them: (indicator, value with its unit, cited
    line, the plan's words). Only what the plan states; no actual values."""
    return [
        (
            _name(r._asdict(), lang),
            f"{r.value:g} {pick_text(r._asdict(), 'unit', lang)}",
            _cite(r.source, lang),
            r.quote,
        )
        for r in ds.targets.itertuples()
    ]


# --- The sections in HTML


def _table(head: Sequence[str], rows: Sequence[str]) -> str:
    """A table: a header cell per plain text of ``head`` (escaped), then the ``<tr>`` ``rows``."""
    cells = "".join(f"<th>{esc(text)}</th>" for text in head)
    return f"<table><tr>{cells}</tr>{''.join(rows)}</table>"


def _matrix(ds: Dataset, lang: str) -> str:
    matrix = matrix_data(ds, lang)
    head = "".join(f"<th>{esc(b)}</th>" for b in matrix.belts)
    red, green, blue = MATRIX_RGB
    rows = []
    for row in matrix.rows:
        cells = []
        for n, focus in row.cells:
            style = (
                f' style="background:rgba({red},{green},{blue},{matrix.alpha(n):.2f})"' if n else ""
            )
            cells.append(f"<td{style}>{cell_text(n, focus)}</td>")
        rows.append(f"<tr><th>{esc(row.industry)}</th>{''.join(cells)}</tr>")
    return (
        f"<table class='matrix'><tr><th>{esc(t('analysis.industry', lang))}</th>{head}</tr>"
        + "".join(rows)
        + f"</table><p class='note'>{esc(t('report.matrix_note', lang))}</p>"
    )


def _overlap(ds: Dataset, lang: str) -> str:
    overlap = overlap_data(ds, lang)
    rows = [
        f"<tr><td>{esc(pair)}</td><td>{esc(shared)}</td><td>{jaccard}</td></tr>"
        for pair, shared, jaccard in overlap.pairs
    ]
    crowded = [f"<li>{esc(industry)}: {esc(belts)}</li>" for industry, belts in overlap.crowded]
    head = (t("analysis.pair", lang), t("analysis.shared", lang), t("analysis.jaccard", lang))
    return (
        _table(head, rows) + f"<h3>{esc(t('report.crowded', lang))}</h3><ul>{''.join(crowded)}</ul>"
    )


def _targets(ds: Dataset, lang: str) -> str:
    rows = [
        f"<tr><td>{esc(name)}</td><td>{esc(value)}</td><td>{esc(cited)}: “{esc(quote)}”</td></tr>"
        for name, value, cited, quote in target_rows(ds, lang)
    ]
    head = (
        t("analysis.target", lang),
        t("analysis.target_value", lang),
        t("analysis.source", lang),
    )
    return _table(head, rows) + f"<p class='note'>{esc(t('report.targets_note', lang))}</p>"


def _parks(ds: Dataset, lang: str, park_names: Sequence[str] | None = None) -> str:
    industry = _names_by_id(ds.industries, lang)
    belt = _names_by_id(ds.belts, lang)
    none = t("analysis.none", lang)

    # Every cell but the name repeats from park to park: each is written once, then looked up.
    @functools.cache
    def belts_cell(belt_ids: tuple[str, ...]) -> str:
        return esc("、".join(belt[b] for b in belt_ids))

    @functools.cache
    def designated_cell(industry_ids: tuple[str, ...]) -> str:
        return esc("、".join(industry[i] for i in industry_ids) or none)

    @functools.cache
    def where_cell(basis: str, precision: float) -> str:
        return esc(f"{t(f'report.{basis}', lang)} ±{precision / 1000:g} km")

    parks = ds.parks
    rows = [
        f"<tr><td>{esc(name)}</td><td>{belts_cell(tuple(belt_ids))}</td>"
        f"<td>{designated_cell(tuple(designated_ids))}</td><td>{where_cell(basis, precision)}</td>"
        "</tr>"
        for name, belt_ids, designated_ids, basis, precision in zip(
            pick_names(parks, lang) if park_names is None else park_names,
            parks["belt_ids"].tolist(),
            parks["designated_industry_ids"].tolist(),
            parks["location_basis"].tolist(),
            parks["location_precision_m"].tolist(),
            strict=True,
        )
    ]
    head = (
        t("report.name", lang),
        t("analysis.belts", lang),
        t("report.designated", lang),
        t("report.location", lang),
    )
    return _table(head, rows)


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
    names = pick_names(ds.parks, lang)  # once, for the map and the list
    sections = [
        (t("report.map", lang), _map(ds, lang, names)),
        (t("report.matrix", lang), _matrix(ds, lang)),
        (t("report.overlap", lang), _overlap(ds, lang)),
        (t("report.targets", lang), _targets(ds, lang)),
        (t("report.parks", lang), _parks(ds, lang, names)),
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
