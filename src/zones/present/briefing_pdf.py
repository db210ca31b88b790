"""A print-ready PDF briefing (A4 landscape) of the parks a filter shows, drawn with matplotlib.

Page 1 is the map as a planner pastes it into a report: title, the filter sentence and what the
parks are coloured by, districts, belts and parks in the web map's styles (:mod:`zones.map.styles`:
indicative footprints dashed, estimated locations dotted, fills from :mod:`zones.map.coloring`),
parks too small to see as dots, names where they fit, a legend, a north arrow, a scale bar, the
note that indicative footprints are estimates, and a line of sources and date. The next pages
follow the HTML briefing (:mod:`zones.present.report`), from the same functions: the belt ×
industry matrix (of the parks shown), the overlap of the belts' focus industries, the plan's
targets; then the list of the parks. Everything is drawn on the server from the dataset: no
browser, no network, the same result for the same inputs and date.

Chinese text needs a CJK font on the server (Debian: ``fonts-wqy-microhei`` or
``fonts-noto-cjk``); :func:`cjk_font` finds one and :func:`briefing_pdf` refuses to write a
PDF of unreadable boxes without one. Text from the data goes to matplotlib as plain text (math
mode is off), so no name is ever read as markup.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from zones.errors import ZonesError
from zones.map.coloring import Coloring
from zones.map.styles import (
    DISTRICT_STYLE,
    ESTIMATED_STYLE,
    INDICATIVE_STYLE,
    SURVEYED_STYLE,
    belt_style,
    safe_color,
)
from zones.model import cells
from zones.model.dataset import Dataset
from zones.present import report
from zones.settings import DEFAULT_FOOTPRINT_KM2, PLAN_NAME
from zones.text.i18n import level_label, pick_name, pick_names, t

#: Fonts tried for Chinese text, best first.
CJK_FONTS = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Noto Sans SC",
    "Microsoft YaHei",
    "PingFang SC",
    "SimHei",
)
#: A4 landscape, inches.
PAGE = (11.69, 8.27)
#: A park smaller than this on paper (inches) is drawn as a dot too.
MIN_PARK_IN = 0.06
#: Rows of the park list per page.
ROWS_PER_PAGE = 22
#: The most parks the list names (20 pages), in the order of the parks given: a briefing is
#: read and printed, and matplotlib takes ~5 ms a row (5,000 parks: 25 s). With more, the last
#: list page says how many are left out and where the full list is (the data downloads).
LIST_MAX_ROWS = 20 * ROWS_PER_PAGE


class NoFontError(ZonesError):
    """No font on this machine can draw Chinese."""


def cjk_font() -> str | None:
    """The name of an installed font that draws Chinese (:data:`CJK_FONTS`), or None."""
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


def _style(style: dict[str, Any], fill: str | None = None, alpha: float | None = None) -> dict:
    """matplotlib patch options for a Leaflet path style (pixels become points at half size)."""
    dash = str(style.get("dashArray") or "").split()
    out: dict[str, Any] = {
        "edgecolor": safe_color(style.get("color")),
        "linewidth": float(style.get("weight", 1)) * 0.5,
        "linestyle": (0, tuple(float(d) for d in dash)) if dash else "solid",
        "facecolor": "none",
    }
    if style.get("fill", True):
        out["facecolor"] = fill or safe_color(style.get("fillColor", style.get("color")))
        out["alpha"] = None
        face_alpha = style.get("fillOpacity", 0.2) if alpha is None else alpha
        out["facecolor"] = _rgba(out["facecolor"], face_alpha)
    return out


def _rgba(color: str, alpha: float) -> tuple[float, float, float, float]:
    from matplotlib.colors import to_rgb

    r, g, b = to_rgb(safe_color(color))
    return (r, g, b, float(alpha))


def _class_style(footprint: Any, basis: Any) -> dict[str, Any]:
    if basis == "estimated":
        return ESTIMATED_STYLE
    return INDICATIVE_STYLE if footprint == "indicative" else SURVEYED_STYLE


def _paths(geom: Any) -> list[Any]:
    """``geom``'s polygons as matplotlib paths (a polygon's holes in its path); none for a
    point or an empty geometry."""
    from matplotlib.path import Path as MplPath

    out = []
    for poly in getattr(geom, "geoms", [geom]):
        if poly.is_empty or poly.geom_type != "Polygon":
            continue
        vertices, codes = [], []
        for ring in (poly.exterior, *poly.interiors):
            xy = np.asarray(ring.coords)
            vertices.extend(xy.tolist())
            codes.extend([MplPath.MOVETO] + [MplPath.LINETO] * (len(xy) - 2) + [MplPath.CLOSEPOLY])
        out.append(MplPath(vertices, codes))
    return out


def _draw(ax: Any, geom: Any, options: dict[str, Any], zorder: float) -> None:
    from matplotlib.patches import PathPatch

    for path in _paths(geom):
        ax.add_patch(PathPatch(path, zorder=zorder, **options))


def _draw_many(ax: Any, shapes: Sequence[tuple[Any, dict[str, Any]]], zorder: float) -> None:
    """Each (geometry, :func:`_style` options) of ``shapes``, in their order, as one collection:
    thousands of parks draw in a second where a patch each took several."""
    from matplotlib.collections import PathCollection

    paths, styles = [], []
    for geom, options in shapes:
        for path in _paths(geom):
            paths.append(path)
            styles.append(options)
    if not paths:
        return
    ax.add_collection(
        PathCollection(
            paths,
            facecolors=[o["facecolor"] for o in styles],
            edgecolors=[o["edgecolor"] for o in styles],
            linewidths=[o["linewidth"] for o in styles],
            linestyles=[o["linestyle"] for o in styles],
            zorder=zorder,
        ),
        autolim=False,
    )


def _extent(parks: gpd.GeoDataFrame, ds: Dataset) -> tuple[float, float, float, float]:
    """The map's (min lon, min lat, max lon, max lat): the parks with a margin, at least 0.25°."""
    if len(parks) and not parks.geometry.is_empty.all():
        minx, miny, maxx, maxy = parks.total_bounds
    else:
        minx, miny, maxx, maxy = ds.districts.total_bounds
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    half_x = max((maxx - minx) * 0.6, 0.125)
    half_y = max((maxy - miny) * 0.6, 0.125)
    return cx - half_x, cy - half_y, cx + half_x, cy + half_y


def _fit_aspect(
    extent: Sequence[float], box_w: float, box_h: float
) -> tuple[float, float, float, float]:
    """``extent`` grown so that, at the latitude's scale, it fills a box ``box_w`` x ``box_h``."""
    minx, miny, maxx, maxy = extent
    k = math.cos(math.radians((miny + maxy) / 2))
    w, h = (maxx - minx) * k, maxy - miny
    if w / h < box_w / box_h:
        grow = (h * box_w / box_h - w) / k / 2
        minx, maxx = minx - grow, maxx + grow
    else:
        grow = (w * box_h / box_w - h) / 2
        miny, maxy = miny - grow, maxy + grow
    return minx, miny, maxx, maxy


def _nice_km(max_km: float) -> float:
    p = 10 ** math.floor(math.log10(max_km))
    return next((s * p for s in (5, 2, 1) if s * p <= max_km), p)


def _width(text: str) -> int:
    """Display width: East Asian wide characters count two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _tokens(text: str) -> list[str]:
    """``text`` in the pieces a line may break between: each Chinese (wide) character, each
    run of other characters; spaces stay with the piece before them."""
    tokens: list[str] = []
    for c in text:
        last = tokens[-1][-1] if tokens else " "
        if tokens and (c == " " or (last != " " and _width(last + c) == 2)):
            tokens[-1] += c
        else:
            tokens.append(c)
    return tokens


def _wrap(text: str, width: int) -> str:
    """``text`` broken into lines of at most ``width`` display columns: between words, and
    between Chinese characters (which have no spaces); a word longer than a line is cut."""
    lines = []
    for paragraph in text.split("\n"):
        line = ""
        for token in _tokens(paragraph):
            for part in [token] if _width(token.rstrip()) <= width else list(token):
                if line and _width(line + part.rstrip()) > width:
                    lines.append(line.rstrip())
                    line = ""
                line += part.lstrip() if not line else part
        lines.append(line.rstrip())
    return "\n".join(lines)


def _cut(text: str, width: int) -> str:
    """``text`` cut to ``width`` display columns, ending with … when cut."""
    if _width(text) <= width:
        return text
    out = ""
    for c in text:
        if _width(out + c) > width - 1:
            break
        out += c
    return out + "…"


def _map_page(
    pdf: Any,
    ds: Dataset,
    parks: gpd.GeoDataFrame,
    *,
    lang: str,
    coloring: Coloring,
    sentence: str,
    today: dt.date,
    pages: int,
) -> None:
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch, Rectangle

    fig = plt.figure(figsize=PAGE)
    fig.text(0.03, 0.955, t("pdf.title", lang), fontsize=17, va="top")
    fig.text(0.03, 0.905, f"{sentence} · {coloring.title}", fontsize=10, va="top", color="#333")

    box = [0.03, 0.085, 0.66, 0.795]  # left, bottom, width, height (figure fraction)
    ax = fig.add_axes(box)
    box_w, box_h = box[2] * PAGE[0], box[3] * PAGE[1]
    minx, miny, maxx, maxy = _fit_aspect(_extent(parks, ds), box_w, box_h)
    ax.set_xlim(minx, maxx)
    ax.set_ylim(miny, maxy)
    ax.set_aspect(1 / math.cos(math.radians((miny + maxy) / 2)))
    ax.set_facecolor("#dbe7ee")
    ax.set_xticks([])
    ax.set_yticks([])

    for geom in ds.districts.geometry:
        _draw(ax, geom, _style({**DISTRICT_STYLE, "fillOpacity": 1.0}), 1)
    belts = ds.belts.sort_values("order") if "order" in ds.belts else ds.belts
    for belt in belts.itertuples():
        _draw(ax, belt.geometry, _style(belt_style(belt.color)), 2)

    inch_per_degree = box_w / (maxx - minx) / math.cos(math.radians((miny + maxy) / 2))
    shapes, dots = [], []
    for ident, footprint, basis, geom in zip(
        parks["id"], parks.get("footprint", [""] * len(parks)),
        parks.get("location_basis", [""] * len(parks)), parks.geometry, strict=True,
    ):  # fmt: skip
        if geom is None or geom.is_empty:
            continue
        style = _class_style(footprint, basis)
        fill = coloring.colors.get(str(ident))
        alpha = coloring.opacity if coloring.opacity is not None else style.get("fillOpacity")
        shapes.append((geom, _style(style, fill, alpha)))
        x0, y0, x1, y1 = geom.bounds
        if max(x1 - x0, y1 - y0) * inch_per_degree < MIN_PARK_IN:
            point = shapely.point_on_surface(geom)
            dots.append((point.x, point.y, fill or style["fillColor"], style["color"]))
    _draw_many(ax, shapes, 3)
    if dots:  # parks too small to see, as dots of 5.5 pt (one collection)
        xs, ys, faces, edges = zip(*dots, strict=True)
        ax.scatter(xs, ys, s=5.5**2, c=[safe_color(c) for c in faces],
                   edgecolors=[safe_color(c) for c in edges], linewidths=0.8, zorder=4)  # fmt: skip

    _labels(fig, ax, parks, lang)
    _north(ax, t("tools.north", lang))
    _scale(ax, minx, maxx, miny, maxy, box_w)

    # Legend, right of the map.
    handles = [
        Patch(**_style(belt_style(b.color)), label=pick_name(b._asdict(), lang))
        for b in belts.itertuples()
    ]
    handles.append(
        Patch(**_style({**DISTRICT_STYLE, "fill": False}), label=t("legend.district", lang))
    )
    for style, key in ((SURVEYED_STYLE, "legend.surveyed"), (INDICATIVE_STYLE, "legend.indicative"),
                       (ESTIMATED_STYLE, "legend.estimated_location")):  # fmt: skip
        handles.append(Patch(**_style({**style, "fill": False}), label=t(key, lang)))
    first = fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.71, 0.88),
                       title=t("legend.title", lang), fontsize=8, title_fontsize=9,
                       frameon=False, alignment="left")  # fmt: skip
    fig.add_artist(first)
    colors = [
        Rectangle((0, 0), 1, 1, facecolor=_rgba(r.color, r.opacity), edgecolor=r.color, lw=0.5)
        for r in coloring.legend
    ]
    fig.legend(colors, [r.label for r in coloring.legend], loc="upper left",
               bbox_to_anchor=(0.71, 0.48), title=_wrap(coloring.title, 46), fontsize=8,
               title_fontsize=9, frameon=False, alignment="left")  # fmt: skip
    fig.text(0.72, 0.12, t("tools.small_parks", lang) + "\n" + t("tools.indicative_note", lang),
             fontsize=7, color="#555", va="bottom")  # fmt: skip
    # What is estimated is said on the page that draws it, with the sources and the date.
    note = t("report.estimate_note", lang, area=f"{DEFAULT_FOOTPRINT_KM2:g}")
    _footer(fig, ds, lang, today, 1, pages, _cut(note, 230))
    pdf.savefig(fig)
    plt.close(fig)


#: Font size of the park labels on the map (points).
LABEL_SIZE = 6.5


def _inner_width(text: str, size: float) -> float:
    """Less than ``text`` is wide at ``size`` (points): 0.9 em per Chinese character, 0.18 em
    per other character (no glyph of the fonts used is narrower)."""
    wide = sum(unicodedata.east_asian_width(c) in "WF" for c in text)
    return (0.9 * wide + 0.18 * (len(text) - wide)) * size


def _overlaps(box: Sequence[float], boxes: Sequence[Sequence[float]]) -> bool:
    """Whether ``box`` (x0, y0, x1, y1) overlaps or touches one of ``boxes``."""
    x0, y0, x1, y1 = box
    return any(x0 <= b[2] and b[0] <= x1 and y0 <= b[3] and b[1] <= y1 for b in boxes)


def _labels(fig: Any, ax: Any, parks: gpd.GeoDataFrame, lang: str) -> None:
    """Park names at a point inside each park, larger parks first, none over another.

    A label is only made when a box surely inside it (:func:`_inner_width` wide, 0.7 em high)
    lies on the map and on no label placed before: else the label would not either, and with
    thousands of parks most are never made nor measured.
    """
    renderer = fig.canvas.get_renderer()
    order = np.argsort(-shapely.area(np.asarray(parks.geometry.array)))
    names = pick_names(parks, lang)
    placed: list[tuple[float, float, float, float]] = []
    frame = ax.get_window_extent(renderer)
    inside = frame.x0, frame.y0, frame.x1, frame.y1
    px = fig.dpi / 72  # pixels per point
    for n in order:
        geom = parks.geometry.iloc[n]
        if geom is None or geom.is_empty:
            continue
        point = shapely.point_on_surface(geom)
        x, y = ax.transData.transform((point.x, point.y))
        half = _inner_width(names[n], LABEL_SIZE) * px / 2
        inner = (x - half, y, x + half, y + 0.7 * LABEL_SIZE * px)
        if not _within(inner, inside) or _overlaps(inner, placed):
            continue
        label = ax.text(point.x, point.y, names[n], fontsize=LABEL_SIZE, ha="center",
                        va="bottom", color="#212121", zorder=5, clip_on=True)  # fmt: skip
        label.set_path_effects(_halo())
        extent = label.get_window_extent(renderer).expanded(1.05, 1.1)
        box = (extent.x0, extent.y0, extent.x1, extent.y1)
        if not _within(box, inside) or _overlaps(box, placed):
            label.remove()
        else:
            placed.append(box)


def _within(box: Sequence[float], frame: Sequence[float]) -> bool:
    """Whether ``box`` lies in ``frame`` (both x0, y0, x1, y1; edges included)."""
    return (
        frame[0] <= box[0] <= frame[2]
        and frame[0] <= box[2] <= frame[2]
        and (frame[1] <= box[1] <= frame[3] and frame[1] <= box[3] <= frame[3])
    )


def _halo() -> list[Any]:
    from matplotlib import patheffects

    return [patheffects.withStroke(linewidth=2, foreground="white")]


def _north(ax: Any, letter: str) -> None:
    ax.annotate("", xy=(0.955, 0.97), xytext=(0.955, 0.885), xycoords="axes fraction",
                arrowprops={"arrowstyle": "-|>,head_width=0.35,head_length=0.8", "color": "#212121",
                            "lw": 1.5})  # fmt: skip
    ax.text(0.955, 0.86, letter, transform=ax.transAxes, ha="center", va="top", fontsize=10)


def _scale(ax: Any, minx: float, maxx: float, miny: float, maxy: float, box_w: float) -> None:
    """A scale bar at the bottom left: a round number of km, about an inch and a half long."""
    from pyproj import Geod

    lat = (miny + maxy) / 2
    km_per_degree = Geod(ellps="WGS84").inv(minx, lat, minx + 1, lat)[2] / 1000
    km_per_inch = km_per_degree * (maxx - minx) / box_w
    km = _nice_km(1.5 * km_per_inch)
    x0 = minx + (maxx - minx) * 0.04
    y0 = miny + (maxy - miny) * 0.04
    x1 = x0 + km / km_per_degree
    ax.plot([x0, x1], [y0, y0], color="#212121", lw=2.5, solid_capstyle="butt", zorder=6)
    ax.text((x0 + x1) / 2, y0 + (maxy - miny) * 0.012, f"{km:g} km", ha="center", va="bottom",
            fontsize=8, zorder=6).set_path_effects(_halo())  # fmt: skip


def _footer(fig: Any, ds: Dataset, lang: str, today: dt.date, page: int, pages: int,
            note: str = "") -> None:  # fmt: skip
    """Sources, date and page number at the foot of a page; ``note`` on a line above them."""
    if note:
        fig.text(0.03, 0.052, note, fontsize=7, color="#555", va="bottom")
    sources = sorted({str(s) for s in ds.districts.get("source", []) if cells.stripped(s)})
    line = " · ".join(
        [
            t("tools.source", lang, sources=", ".join(sources) or "-", plan=PLAN_NAME),
            t("tools.date", lang, date=today.isoformat()),
            t("pdf.page", lang, n=page, total=pages),
        ]
    )
    fig.text(0.03, 0.03, line, fontsize=7, color="#555", va="bottom")


def _park_rows(ds: Dataset, parks: gpd.GeoDataFrame, lang: str) -> list[list[str]]:
    belt_names = {str(r["id"]): pick_name(r, lang) for r in ds.belts.to_dict("records")}
    industry_names = {str(r["id"]): pick_name(r, lang) for r in ds.industries.to_dict("records")}
    sep = t("punct.list", lang)
    rows = []
    for row, name in zip(parks.to_dict("records"), pick_names(parks, lang), strict=True):
        area = row.get("area_km2")
        area_text = f"{area:g}" if isinstance(area, float) and math.isfinite(area) else "-"
        precision = row.get("location_precision_m")
        basis = (
            t(f"location.{row.get('location_basis')}", lang) if row.get("location_basis") else ""
        )
        if isinstance(precision, (int, float)) and math.isfinite(precision):
            basis += f" ±{precision:g} m"
        rows.append(
            [
                name,
                level_label(cells.stripped(row.get("level")) or "unknown", lang),
                sep.join(belt_names.get(b, b) for b in cells.text_list(row.get("belt_ids"))),
                sep.join(
                    industry_names.get(i, i)
                    for i in cells.text_list(row.get("designated_industry_ids"))
                ),
                area_text,
                basis,
            ]
        )
    return rows


#: Columns of the park list: (heading key, share of the width, width in display columns).
_COLUMNS = (
    ("pdf.name", 0.0, 34),
    ("pdf.level", 0.25, 12),
    ("pdf.belts", 0.34, 26),
    ("pdf.designated", 0.53, 34),
    ("pdf.area", 0.77, 10),
    ("pdf.location", 0.85, 22),
)


def _list_pages(pdf: Any, ds: Dataset, rows: list[list[str]], *, lang: str, today: dt.date,
                first_page: int, pages: int, total: int) -> None:  # fmt: skip
    """The park list, :data:`ROWS_PER_PAGE` rows a page; ``total``: the parks of the briefing
    (more than ``rows`` when the list is cut at :data:`LIST_MAX_ROWS`, said on its last page)."""
    import matplotlib.pyplot as plt

    chunks = [rows[i : i + ROWS_PER_PAGE] for i in range(0, len(rows), ROWS_PER_PAGE)]
    for n, chunk in enumerate(chunks):
        fig = plt.figure(figsize=PAGE)
        fig.text(0.03, 0.955, t("pdf.parks", lang), fontsize=15, va="top")
        left, width, top, step = 0.03, 0.94, 0.88, 0.034
        for key, x, _ in _COLUMNS:
            fig.text(left + x * width, top, t(key, lang), fontsize=8.5, va="top")
        fig.add_artist(plt.Line2D([left, left + width], [top - 0.025, top - 0.025], color="#999",
                                  lw=0.6))  # fmt: skip
        for r, row in enumerate(chunk):
            y = top - 0.04 - r * step
            for (_, x, chars), cell in zip(_COLUMNS, row, strict=True):
                fig.text(left + x * width, y, _cut(cell, chars), fontsize=8, va="top")
        if n == len(chunks) - 1 and total > len(rows):
            cut = t("pdf.list_cut", lang, listed=f"{len(rows):,}", total=f"{total:,}")
            fig.text(left, top - 0.05 - len(chunk) * step, cut, fontsize=8.5, va="top",
                     color="#333")  # fmt: skip
        _footer(fig, ds, lang, today, first_page + n, pages)
        pdf.savefig(fig)
        plt.close(fig)


# --- The briefing's sections after the map (matrix, overlap, targets), laid out top down ------

#: Points per inch, and the page's size in points.
PT = 72.0
PAGE_PT = (PAGE[0] * PT, PAGE[1] * PT)
#: The content box of the section pages: left edge and width (figure fraction), and the top and
#: bottom of the flow, in points from the top of the page (the footer lies below).
LEFT, WIDTH = 0.03, 0.94
FLOW_TOP, FLOW_BOTTOM = 30.0, PAGE_PT[1] - 38.0
#: Line height as a multiple of the font size (text, and in a table); room above and below a
#: table row's text (pt).
LEADING, ROW_LEADING = 1.3, 1.2
ROW_PAD = 1.5
#: A display column (half a Chinese character) as a share of the font size, a little wider
#: than most Latin letters and digits are drawn.
COLUMN_EM = 0.55
#: The fill of a table's header row and the colour of its rules; text on a cell filled more
#: opaque than DARK_FILL is white.
HEAD_FILL, RULE = "#eef1f4", "#c8ccd0"
DARK_FILL = 0.6


@dataclass(frozen=True)
class _Text:
    x: float  # figure fraction (the left edge, the centre or the right edge: ``ha``)
    y: float  # points from the top of the page to the top of the line
    text: str
    size: float
    ha: str = "left"
    color: str = "#212121"


@dataclass(frozen=True)
class _Rect:
    x: float  # figure fraction
    y: float  # points from the top
    w: float  # figure fraction
    h: float  # points
    face: Any
    edge: str = "none"


@dataclass(frozen=True)
class _Column:
    """A column of a table: its heading, left edge and width (shares of the content width)
    and how its cells are aligned (``left`` or ``center``)."""

    heading: str
    x: float
    width: float
    align: str = "left"


def _columns_for(width: float, size: float) -> int:
    """How many display columns of text at ``size`` fit in ``width`` (share of the content)."""
    return max(4, int(width * WIDTH * PAGE_PT[0] / (COLUMN_EM * size)))


def _lines(text: str, width: float, size: float) -> list[str]:
    return _wrap(text, _columns_for(width, size)).split("\n")


class Flow:
    """Blocks laid out from the top of a page down; a block that does not fit goes on a new
    page (a table goes on row by row, its heading and header row repeated). ``pages`` holds what
    each page draws (:func:`_draw_page`)."""

    def __init__(self, continued: str) -> None:
        self.pages: list[list[_Text | _Rect]] = [[]]
        self.y = FLOW_TOP
        self.continued = continued

    def _fits(self, height: float) -> bool:
        return self.y + height <= FLOW_BOTTOM or self.y == FLOW_TOP

    def new_page(self) -> None:
        self.pages.append([])
        self.y = FLOW_TOP

    def _add(self, item: _Text | _Rect) -> None:
        self.pages[-1].append(item)

    def gap(self, points: float) -> None:
        if self.y > FLOW_TOP:
            self.y += points

    def heading(self, text: str, size: float = 13, keep: float = 0.0) -> None:
        """A heading, on a new page unless it and ``keep`` points after it fit."""
        if not self._fits(size * LEADING + 4 + keep):
            self.new_page()
        self._add(_Text(LEFT, self.y, text, size))
        self.y += size * LEADING + 4

    def paragraph(self, text: str, size: float = 8, color: str = "#555") -> None:
        """Text wrapped to the content width (kept on one page)."""
        lines = _lines(text, 1.0, size)
        if not self._fits(len(lines) * size * LEADING):
            self.new_page()
        for line in lines:
            self._add(_Text(LEFT, self.y, line, size, color=color))
            self.y += size * LEADING
        self.y += 3

    def table(
        self,
        heading: str,
        columns: Sequence[_Column],
        rows: Sequence[Sequence[str]],
        *,
        size: float = 8,
        fills: Sequence[Sequence[Any]] | None = None,
        grid: bool = False,
        intro: Sequence[str] = (),
    ) -> None:
        """``heading``, then a header row and ``rows`` (cells wrapped in their columns); a cell
        of ``fills`` (an RGBA colour or None) fills its cell. On a new page the heading (marked
        continued) and the header row are drawn again. ``intro``: paragraphs between the heading
        and the table."""
        head = [_lines(c.heading, c.width, size) for c in columns]
        head_h = max(len(lines) for lines in head) * size * ROW_LEADING + 2 * ROW_PAD
        wrapped = [[_lines(cell, c.width, size) for c, cell in zip(columns, row, strict=True)]
                   for row in rows]  # fmt: skip
        heights = [max(len(lines) for lines in row) * size * ROW_LEADING + 2 * ROW_PAD
                   for row in wrapped]  # fmt: skip
        width = max(c.x + c.width for c in columns) * WIDTH
        first = heights[0] if heights else 0.0
        intro_h = sum(len(_lines(p, 1.0, 8)) * 8 * LEADING + 3 for p in intro)
        self.heading(heading, keep=intro_h + head_h + first)
        for paragraph in intro:
            self.paragraph(paragraph)
        self._header(columns, head, head_h, size, width)
        for n, (row, height) in enumerate(zip(wrapped, heights, strict=True)):
            if not self._fits(height):
                self.new_page()
                self.heading(heading + self.continued, keep=head_h + height)
                self._header(columns, head, head_h, size, width)
            for col, (c, lines) in enumerate(zip(columns, row, strict=True)):
                fill = fills[n][col] if fills else None
                x = LEFT + c.x * WIDTH
                if fill is not None or grid:
                    edge = "white" if grid else "none"
                    self._add(_Rect(x, self.y, c.width * WIDTH, height, fill or "none", edge))
                dark = fill is not None and fill[3] > DARK_FILL
                self._cell(c, lines, self.y + ROW_PAD, size, "white" if dark else "#212121")
            self.y += height
            if not grid:
                self._add(_Rect(LEFT, self.y, width, 0.0, "none", RULE))
        self.y += 6

    def _header(self, columns: Sequence[_Column], head: list[list[str]], height: float,
                size: float, width: float) -> None:  # fmt: skip
        self._add(_Rect(LEFT, self.y, width, height, HEAD_FILL))
        for c, lines in zip(columns, head, strict=True):
            self._cell(c, lines, self.y + ROW_PAD, size)
        self.y += height

    def _cell(
        self, c: _Column, lines: list[str], top: float, size: float, color: str = "#212121"
    ) -> None:
        left = LEFT + c.x * WIDTH
        x, ha = (left + 0.004, "left")
        if c.align == "center":
            x, ha = (left + c.width * WIDTH / 2, "center")
        for i, line in enumerate(lines):
            self._add(_Text(x, top + i * size * ROW_LEADING, line, size, ha=ha, color=color))


def _draw_page(fig: Any, items: Sequence[_Text | _Rect]) -> None:
    """Draw one page of a :class:`Flow` onto ``fig``."""
    from matplotlib.patches import Rectangle

    height = PAGE_PT[1]
    for item in items:
        if isinstance(item, _Rect):
            y = 1 - (item.y + item.h) / height
            if item.h:
                fig.add_artist(Rectangle((item.x, y), item.w, item.h / height,
                                         transform=fig.transFigure, facecolor=item.face,
                                         edgecolor=item.edge, lw=0.6))  # fmt: skip
            else:  # a rule
                fig.add_artist(_line(item.x, item.x + item.w, y, item.edge))
        else:
            fig.text(item.x, 1 - item.y / height, item.text, fontsize=item.size, va="top",
                     ha=item.ha, color=item.color)  # fmt: skip


def _line(x0: float, x1: float, y: float, color: str) -> Any:
    from matplotlib.lines import Line2D

    return Line2D([x0, x1], [y, y], color=color, lw=0.5)


#: The matrix's font sizes, largest first: the largest that fits it on one page is taken.
MATRIX_SIZES = (8.5, 8.0, 7.5, 7.0, 6.5)


def _matrix(flow: Flow, matrix: report.Matrix, notes: Sequence[str], lang: str) -> None:
    """The belt × industry matrix (:func:`zones.present.report.matrix_data`) as a table whose
    cells are filled as the HTML briefing's are, in the largest of :data:`MATRIX_SIZES` that
    keeps it on one page."""
    label_w = 0.26
    belt_w = min((1 - label_w) / max(len(matrix.belts), 1), 0.2)
    columns = [_Column(t("analysis.industry", lang), 0.0, label_w)] + [
        _Column(name, label_w + n * belt_w, belt_w, "center") for n, name in enumerate(matrix.belts)
    ]
    red, green, blue = (c / 255 for c in report.MATRIX_RGB)
    fills = [[None] + [(red, green, blue, matrix.alpha(n)) if n else None for n, _ in row.cells]
             for row in matrix.rows]  # fmt: skip
    rows = [[row.industry] + [report.cell_text(n, focus) for n, focus in row.cells]
            for row in matrix.rows]  # fmt: skip
    heading = t("report.matrix", lang)
    if not rows:
        flow.heading(heading)
        for paragraph in (*notes, t("analysis.matrix_empty", lang)):
            flow.paragraph(paragraph)
        return

    def table(into: Flow, size: float) -> None:
        into.table(heading, columns, rows, size=size, fills=fills, grid=True, intro=notes)

    for size in MATRIX_SIZES:
        trial = Flow("")
        table(trial, size)
        if len(trial.pages) == 1:
            break
    table(flow, size)


def _sections(ds: Dataset, parks: gpd.GeoDataFrame, *, lang: str, sentence: str) -> Flow:
    """The sections of the briefing after its map, as the HTML briefing has them
    (:mod:`zones.present.report`, from the same functions): the belt × industry matrix of the
    parks shown, the overlap of the belts' focus industries and the plan's targets."""
    flow = Flow(t("pdf.continued", lang))
    # The matrix counts the parks of this briefing: those the filter shows.
    matrix = report.matrix_data(dataclasses.replace(ds, parks=parks), lang)
    notes = (t("pdf.counted", lang, sentence=sentence), t("report.matrix_note", lang))
    _matrix(flow, matrix, notes, lang)

    overlap = report.overlap_data(ds, lang)
    flow.new_page()
    flow.table(
        t("report.overlap", lang),
        [_Column(t("analysis.pair", lang), 0.0, 0.4),
         _Column(t("analysis.shared", lang), 0.4, 0.45),
         _Column(t("analysis.jaccard", lang), 0.85, 0.15, "center")],
        overlap.pairs,
    )  # fmt: skip
    crowded = [f"{industry}: {belts}" for industry, belts in overlap.crowded]
    flow.heading(t("report.crowded", lang), size=10, keep=12)
    for line in crowded or [t("analysis.none", lang)]:
        flow.paragraph(f"• {line}", size=8, color="#212121")
    flow.gap(10)

    targets = [(name, value, f"{cited}: “{quote}”")
               for name, value, cited, quote in report.target_rows(ds, lang)]  # fmt: skip
    flow.table(
        t("report.targets", lang),
        [_Column(t("analysis.target", lang), 0.0, 0.3),
         _Column(t("analysis.target_value", lang), 0.3, 0.18),
         _Column(t("analysis.source", lang), 0.48, 0.52)],
        targets,
    )  # fmt: skip
    flow.paragraph(t("report.targets_note", lang))
    return flow


def _flow_pages(pdf: Any, ds: Dataset, flow: Flow, *, lang: str, today: dt.date,
                first_page: int, pages: int) -> None:  # fmt: skip
    import matplotlib.pyplot as plt

    for n, items in enumerate(flow.pages):
        fig = plt.figure(figsize=PAGE)
        _draw_page(fig, items)
        _footer(fig, ds, lang, today, first_page + n, pages)
        pdf.savefig(fig)
        plt.close(fig)


def briefing_pdf(
    ds: Dataset,
    parks: gpd.GeoDataFrame,
    *,
    lang: str,
    coloring: Coloring,
    sentence: str,
    today: dt.date | None = None,
) -> bytes:
    """The A4 briefing of ``parks`` (rows of ``ds.parks``, as a filter shows them) as PDF bytes.

    Raises
    ------
    NoFontError
        When no installed font draws Chinese (:func:`cjk_font`).
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.backends.backend_pdf import PdfPages

    font = cjk_font()
    if font is None:
        raise NoFontError(t("pdf.no_font", lang))
    today = today or dt.date.today()
    rows = _park_rows(ds, parks.iloc[:LIST_MAX_ROWS], lang)
    sections = _sections(ds, parks, lang=lang, sentence=sentence)
    pages = 1 + len(sections.pages) + math.ceil(len(rows) / ROWS_PER_PAGE)
    settings = {
        "font.family": [font, "DejaVu Sans"],
        "pdf.fonttype": 42,  # TrueType: text stays text (searchable, copyable)
        "text.parse_math": False,  # a "$" in a name is a dollar sign
        "axes.unicode_minus": False,
    }
    out = io.BytesIO()
    with matplotlib.rc_context(settings):
        metadata = {"Title": t("pdf.title", lang), "Creator": "zones", "CreationDate": None}
        with PdfPages(out, metadata=metadata) as pdf:
            _map_page(pdf, ds, parks, lang=lang, coloring=coloring, sentence=sentence,
                      today=today, pages=pages)  # fmt: skip
            _flow_pages(pdf, ds, sections, lang=lang, today=today, first_page=2, pages=pages)
            _list_pages(pdf, ds, rows, lang=lang, today=today,
                        first_page=2 + len(sections.pages), pages=pages,
                        total=len(parks))  # fmt: skip
    return out.getvalue()
