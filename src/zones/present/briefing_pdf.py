"""A print-ready PDF briefing (A4 landscape) of the parks a filter shows, drawn with matplotlib.

Page 1 is the map as a planner pastes it into a report: title, the filter sentence and what the
parks are coloured by, districts, belts and parks in the web map's styles (:mod:`zones.map.styles`:
indicative footprints dashed, estimated locations dotted, fills from :mod:`zones.map.coloring`),
parks too small to see as dots, names where they fit, a legend, a north arrow, a scale bar and
a line of sources and date. The next pages list the parks. Everything is drawn on the server
from the dataset: no browser, no network, the same result for the same inputs and date.

Chinese text needs a CJK font on the server (Debian: ``fonts-wqy-microhei`` or
``fonts-noto-cjk``); :func:`cjk_font` finds one and :func:`briefing_pdf` refuses to write a
PDF of unreadable boxes without one. Text from the data goes to matplotlib as plain text (math
mode is off), so no name is ever read as markup.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import unicodedata
from collections.abc import Sequence
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
from zones.settings import PLAN_NAME
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


def _draw(ax: Any, geom: Any, options: dict[str, Any], zorder: float) -> None:
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path as MplPath

    for poly in getattr(geom, "geoms", [geom]):
        if poly.is_empty or poly.geom_type != "Polygon":
            continue
        vertices, codes = [], []
        for ring in (poly.exterior, *poly.interiors):
            xy = np.asarray(ring.coords)
            vertices.extend(xy.tolist())
            codes.extend([MplPath.MOVETO] + [MplPath.LINETO] * (len(xy) - 2) + [MplPath.CLOSEPOLY])
        ax.add_patch(PathPatch(MplPath(vertices, codes), zorder=zorder, **options))


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


def _wrap(text: str, width: int) -> str:
    """``text`` broken into lines of at most ``width`` display columns (at spaces when it has
    them, else anywhere: Chinese has none)."""
    lines, line = [], ""
    for word in re.split(r"(?<= )", text) if " " in text else list(text):
        if line and _width(line + word) > width:
            lines.append(line.rstrip())
            line = ""
        line += word
    return "\n".join([*lines, line.rstrip()])


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

    box = [0.03, 0.08, 0.66, 0.8]  # left, bottom, width, height (figure fraction)
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
    dots = []
    for ident, footprint, basis, geom in zip(
        parks["id"], parks.get("footprint", [""] * len(parks)),
        parks.get("location_basis", [""] * len(parks)), parks.geometry, strict=True,
    ):  # fmt: skip
        if geom is None or geom.is_empty:
            continue
        style = _class_style(footprint, basis)
        fill = coloring.colors.get(str(ident))
        alpha = coloring.opacity if coloring.opacity is not None else style.get("fillOpacity")
        _draw(ax, geom, _style(style, fill, alpha), 3)
        x0, y0, x1, y1 = geom.bounds
        if max(x1 - x0, y1 - y0) * inch_per_degree < MIN_PARK_IN:
            point = shapely.point_on_surface(geom)
            dots.append((point.x, point.y, fill or style["fillColor"], style["color"]))
    for x, y, face, edge in dots:
        ax.plot(x, y, "o", ms=5.5, mfc=face, mec=edge, mew=0.8, zorder=4)

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
    _footer(fig, ds, lang, today, 1, pages)
    pdf.savefig(fig)
    plt.close(fig)


def _labels(fig: Any, ax: Any, parks: gpd.GeoDataFrame, lang: str) -> None:
    """Park names at a point inside each park, larger parks first, none over another."""
    renderer = fig.canvas.get_renderer()
    order = np.argsort(-shapely.area(np.asarray(parks.geometry.array)))
    names = pick_names(parks, lang)
    placed: list[Any] = []
    frame = ax.get_window_extent(renderer)
    for n in order:
        geom = parks.geometry.iloc[n]
        if geom is None or geom.is_empty:
            continue
        point = shapely.point_on_surface(geom)
        label = ax.text(point.x, point.y, names[n], fontsize=6.5, ha="center", va="bottom",
                        color="#212121", zorder=5, clip_on=True)  # fmt: skip
        label.set_path_effects(_halo())
        extent = label.get_window_extent(renderer).expanded(1.05, 1.1)
        inside = frame.contains(extent.x0, extent.y0) and frame.contains(extent.x1, extent.y1)
        if not inside or any(extent.overlaps(other) for other in placed):
            label.remove()
        else:
            placed.append(extent)


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


def _footer(fig: Any, ds: Dataset, lang: str, today: dt.date, page: int, pages: int) -> None:
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
                first_page: int, pages: int) -> None:  # fmt: skip
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
    rows = _park_rows(ds, parks, lang)
    pages = 1 + math.ceil(len(rows) / ROWS_PER_PAGE)
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
            _list_pages(pdf, ds, rows, lang=lang, today=today, first_page=2, pages=pages)
    return out.getvalue()
