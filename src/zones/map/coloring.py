"""What the map colours parks by: their footprint kind, belt, main tier, level or one industry.

:func:`park_coloring` gives each park a fill colour and the legend that explains the colours,
for one of :data:`COLOR_BY`. The outline of a park always keeps its footprint kind's line
(surveyed solid, indicative dashed, estimated location dotted, :mod:`zones.map.styles`), so
what is estimated stays visible whatever the fill says. The web map, its PNG and the PDF
briefing all colour with this one function.

- ``footprint``: the fills of :data:`zones.map.styles.PARK_CLASSES` (the map's default);
- ``belt``: the belt's own colour; a park in several belts is drawn as "several belts";
- ``tier``: the park's *main* tier: the tier of most of its designated industries (一园一业),
  or, when it has none, of most of its linked industries; a tie goes to the tier the plan names
  first;
- ``level``: national, provincial, unknown;
- ``industry``: how a park is linked to one industry (and its sub-industries, the filter's
  rule): designated for the park, a focus of its belt, another source, or not at all.

Legend rows list only the categories the given parks have, in the data's order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import geopandas as gpd

from zones.map.styles import (
    CATEGORY_COLORS,
    COLORED_FILL_OPACITY,
    INDUSTRY_BASIS_COLORS,
    LEVEL_COLORS,
    NONE_COLOR,
    PARK_CLASSES,
    SEVERAL_COLOR,
    safe_color,
)
from zones.model import cells
from zones.model.dataset import Dataset
from zones.model.filters import LEVELS, industry_subtrees
from zones.text.i18n import level_label, pick_name, t

#: What parks can be coloured by, in the selector's order; the first is the default.
COLOR_BY: tuple[str, ...] = ("footprint", "belt", "tier", "level", "industry")
DEFAULT_COLOR_BY = COLOR_BY[0]
#: The order of link bases, strongest first (a park designated for the industry wins).
BASES: tuple[str, ...] = ("park", "belt", "source")


@dataclass(frozen=True)
class LegendRow:
    """One swatch of the legend: a fill colour, its opacity and what it means."""

    color: str
    label: str
    opacity: float = COLORED_FILL_OPACITY


@dataclass(frozen=True)
class Coloring:
    """Park id -> fill colour, the legend that explains them, and its title.

    ``opacity``: the fill opacity of every park, or None to keep each footprint kind's own.
    """

    by: str
    title: str
    colors: dict[str, str]
    legend: tuple[LegendRow, ...]
    opacity: float | None = COLORED_FILL_OPACITY

    def rows_json(self) -> list[dict[str, object]]:
        """The legend rows as plain data (for the map's script)."""
        return [{"color": r.color, "label": r.label, "opacity": r.opacity} for r in self.legend]


def _ids(value: object) -> list[str]:
    return [v for v in (cells.stripped(x) for x in cells.text_list(value)) if v]


def _ordered(frame: object, order_column: str = "order") -> list[dict]:
    rows = frame.to_dict("records")  # type: ignore[attr-defined]
    if rows and order_column in rows[0]:
        rows.sort(key=lambda r: (cells.is_missing(r[order_column]), r[order_column] or 0))
    return rows


def _legend(
    used: Iterable[str], rows: Sequence[tuple[str, str, str]], opacity: float
) -> tuple[LegendRow, ...]:
    """Rows ``(key, colour, label)`` whose key is in ``used``, in the order of ``rows``."""
    present = set(used)
    return tuple(LegendRow(color, label, opacity) for key, color, label in rows if key in present)


def _by_footprint(parks: gpd.GeoDataFrame, lang: str) -> Coloring:
    fills = {kind: style for kind, _, style in PARK_CLASSES}
    keys = {"surveyed": "legend.surveyed", "indicative": "legend.indicative",
            "estimated": "legend.estimated_location"}  # fmt: skip
    kinds = {}
    n = len(parks)
    footprints = parks["footprint"].tolist() if "footprint" in parks else [""] * n
    bases = parks["location_basis"].tolist() if "location_basis" in parks else [""] * n
    for ident, footprint, basis in zip(parks["id"].tolist(), footprints, bases, strict=True):
        kinds[str(ident)] = (
            "estimated" if basis == "estimated"
            else "indicative" if footprint == "indicative" else "surveyed"
        )  # fmt: skip
    rows = tuple(
        LegendRow(fills[k]["fillColor"], t(keys[k], lang), fills[k]["fillOpacity"])
        for k, _, _ in PARK_CLASSES
        if k in kinds.values()
    )
    colors = {ident: fills[kind]["fillColor"] for ident, kind in kinds.items()}
    return Coloring("footprint", t("color.title.footprint", lang), colors, rows, None)


def _by_belt(ds: Dataset, parks: gpd.GeoDataFrame, lang: str) -> Coloring:
    belts = _ordered(ds.belts)
    color_of = {str(b["id"]): safe_color(b.get("color")) for b in belts}
    colors, used = {}, []
    for ident, value in zip(parks["id"], parks["belt_ids"], strict=True):
        ids = [b for b in _ids(value) if b in color_of]
        key = ids[0] if len(ids) == 1 else "several" if ids else "none"
        colors[str(ident)] = color_of.get(key) or (SEVERAL_COLOR if ids else NONE_COLOR)
        used.append(key)
    rows = [(str(b["id"]), color_of[str(b["id"])], pick_name(b, lang)) for b in belts]
    rows += [("several", SEVERAL_COLOR, t("color.several_belts", lang)),
             ("none", NONE_COLOR, t("color.no_belt", lang))]  # fmt: skip
    return Coloring("belt", t("color.title.belt", lang), colors,
                    _legend(used, rows, COLORED_FILL_OPACITY))  # fmt: skip


def main_tier(
    designated: Iterable[str], linked: Iterable[str], tier_of: dict[str, str], order: list[str]
) -> str | None:
    """The tier of most of the ``designated`` industries, else of most ``linked`` ones (ties:
    the tier first in ``order``); None when no industry has a tier."""
    for ids in (list(designated), list(linked)):
        counts = Counter(tier_of[i] for i in ids if tier_of.get(i) in order)
        if counts:
            return max(counts, key=lambda tier: (counts[tier], -order.index(tier)))
    return None


def _by_tier(ds: Dataset, parks: gpd.GeoDataFrame, lang: str) -> Coloring:
    tiers = _ordered(ds.tiers)
    order = [str(r["id"]) for r in tiers]
    color_of = {tier: CATEGORY_COLORS[n % len(CATEGORY_COLORS)] for n, tier in enumerate(order)}
    tier_of = {
        str(i): cells.stripped(tier)
        for i, tier in zip(ds.industries["id"], ds.industries["tier_id"], strict=True)
    }
    colors, used = {}, []
    for ident, designated, linked in zip(
        parks["id"], parks["designated_industry_ids"], parks["industry_ids"], strict=True
    ):
        tier = main_tier(_ids(designated), _ids(linked), tier_of, order)
        colors[str(ident)] = color_of[tier] if tier else NONE_COLOR
        used.append(tier or "none")
    rows = [(str(r["id"]), color_of[str(r["id"])], pick_name(r, lang)) for r in tiers]
    rows.append(("none", NONE_COLOR, t("color.no_industry", lang)))
    return Coloring("tier", t("color.title.tier", lang), colors,
                    _legend(used, rows, COLORED_FILL_OPACITY))  # fmt: skip


def _by_level(parks: gpd.GeoDataFrame, lang: str) -> Coloring:
    codes = list(dict.fromkeys([*LEVELS, *LEVEL_COLORS]))
    colors, used = {}, []
    for ident, value in zip(parks["id"], parks["level"], strict=True):
        code = cells.stripped(value) or "unknown"
        colors[str(ident)] = LEVEL_COLORS.get(code, NONE_COLOR)
        used.append(code)
    rows = [(c, LEVEL_COLORS.get(c, NONE_COLOR), level_label(c, lang)) for c in codes]
    rows += [(c, NONE_COLOR, level_label(c, lang)) for c in dict.fromkeys(used) if c not in codes]
    return Coloring("level", t("color.title.level", lang), colors,
                    _legend(used, rows, COLORED_FILL_OPACITY))  # fmt: skip


def _by_industry(ds: Dataset, parks: gpd.GeoDataFrame, industry: str, lang: str) -> Coloring:
    family = industry_subtrees(ds).get(industry, frozenset({industry}))
    links = ds.park_industries
    basis_of: dict[str, str] = {}
    for park, ind, basis in zip(
        links["park_id"], links["industry_id"], links["basis"], strict=True
    ):
        if str(ind) in family and str(basis) in BASES:
            current = basis_of.get(str(park))
            if current is None or BASES.index(str(basis)) < BASES.index(current):
                basis_of[str(park)] = str(basis)
    colors, used = {}, []
    for ident in parks["id"]:
        basis = basis_of.get(str(ident), "none")
        colors[str(ident)] = INDUSTRY_BASIS_COLORS.get(basis, NONE_COLOR)
        used.append(basis)
    rows = [(b, INDUSTRY_BASIS_COLORS[b], t(f"basis.{b}", lang)) for b in BASES]
    rows.append(("none", NONE_COLOR, t("color.industry_none", lang)))
    match = ds.industries[ds.industries["id"] == industry]
    name = pick_name(match.iloc[0], lang) if len(match) else industry
    title = t("color.title.industry", lang, name=name)
    return Coloring("industry", title, colors, _legend(used, rows, COLORED_FILL_OPACITY))


def park_coloring(
    ds: Dataset,
    parks: gpd.GeoDataFrame,
    by: str = DEFAULT_COLOR_BY,
    *,
    lang: str,
    industry: str | None = None,
) -> Coloring:
    """Fill colours of ``parks`` (rows of ``ds.parks``) by ``by``, one of :data:`COLOR_BY`.

    ``industry`` (an industry id) is needed for ``by="industry"``; without one (or with an id
    that is not an industry) the parks are coloured by footprint. Pure: changes nothing.
    """
    if by == "belt":
        return _by_belt(ds, parks, lang)
    if by == "tier":
        return _by_tier(ds, parks, lang)
    if by == "level":
        return _by_level(parks, lang)
    if by == "industry" and industry and industry in set(ds.industries["id"]):
        return _by_industry(ds, parks, industry, lang)
    return _by_footprint(parks, lang)
