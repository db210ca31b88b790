"""A self-contained HTML briefing: static map, belt × industry matrix, overlap, 2025 targets.

One file with everything inline (SVG map, CSS, no scripts, no external links but the sources),
so it opens offline and can be mailed. Every text from data is escaped.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import shapely
from shapely.geometry.base import BaseGeometry

from zones.analysis import belt_industry_pairs, belt_overlap, crowded_industries, matrix_table
from zones.atomic import atomic_write
from zones.dataset import Dataset
from zones.i18n import html_text as esc
from zones.i18n import t
from zones.settings import PLAN_NAME

TEXT: dict[str, dict[str, str]] = {
    "title": {"zh": "宁波市制造业空间布局简报", "en": "Briefing: Ningbo's manufacturing layout"},
    "subtitle": {
        "zh": "依据《{plan}》：一圈三带多园、一园一业",
        "en": "From “{plan}”: one circle, three belts, many parks; one park, one industry",
    },
    "generated": {"zh": "生成日期", "en": "Generated"},
    "map": {"zh": "产业圈、产业带与园区", "en": "Circle, belts and parks"},
    "legend_surveyed": {"zh": "园区范围（实测）", "en": "Park footprint (surveyed)"},
    "legend_indicative": {
        "zh": "园区示意范围（估计，非边界）",
        "en": "Indicative park footprint (estimated, not a boundary)",
    },
    "estimate_note": {
        "zh": "示意范围为按园区面积（或默认 {area} km²）在其位置画出的圆，位置多为估计；"
        "详见各园区的位置精度与来源。",
        "en": "Indicative footprints are disks of the park's area (or a default {area} km²) "
        "at its location, which is often estimated: see each park's precision and sources.",
    },
    "matrix": {"zh": "产业带 × 产业：园区数", "en": "Belt × industry: number of parks"},
    "matrix_note": {
        "zh": "计入“一园一业”指定、所在产业带重点产业及其他来源的关联；上级产业包含其下级产业"
        "（与 zones export --industry 的筛选相同）；★ 表示规划列为该产业带重点产业。",
        "en": "Counts links by park designation, belt focus and other sources; an industry "
        "includes its sub-industries (as zones export --industry does); ★ marks an "
        "industry the plan names a focus of that belt.",
    },
    "overlap": {"zh": "产业带重点产业重叠（特色错位）", "en": "Overlap of belt focus (特色错位)"},
    "crowded": {
        "zh": "三个及以上产业带共同的重点产业（错位发展风险）",
        "en": "Focus industries of three or more belts (a risk to differentiation)",
    },
    "targets": {"zh": "2025 年目标（规划原文）", "en": "2025 targets (as the plan states)"},
    "plan_line": {"zh": "规划原文第 {n} 行", "en": "plan text, line {n}"},
    "targets_note": {
        "zh": "仅列规划所定目标，不含实际值。",
        "en": "Targets as the plan states them; no actual values are shown.",
    },
    "parks": {"zh": "园区一览", "en": "Parks"},
    "name": {"zh": "名称", "en": "Name"},
    "designated": {"zh": "指定产业（一园一业）", "en": "Designated industries"},
    "location": {"zh": "位置依据 / 精度", "en": "Location basis / precision"},
    "sourced": {"zh": "有来源", "en": "sourced"},
    "estimated": {"zh": "估计", "en": "estimated"},
}


def _t(key: str, lang: str, **values: object) -> str:
    """A report string; words the app's analysis tab also shows come from its i18n entries."""
    if key not in TEXT:
        return t(f"analysis.{key}", lang, **values)
    text = TEXT[key]["en" if lang == "en" else "zh"]
    return text.format(**values) if values else text


def _name(row: object, lang: str) -> str:
    get = row.get  # type: ignore[attr-defined]
    return str(get("name_en") or get("name_zh")) if lang == "en" else str(get("name_zh"))


class _Projection:
    """Equirectangular projection of lon/lat onto an SVG canvas ``width`` wide."""

    def __init__(self, bounds: tuple[float, float, float, float], width: int = 760) -> None:
        self.x0, self.y0, x1, y1 = bounds
        self.kx = math.cos(math.radians((self.y0 + y1) / 2))
        self.scale = width / ((x1 - self.x0) * self.kx)
        self.width, self.height = width, round((y1 - self.y0) * self.scale)
        self.y1 = y1

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
    """The belts, district outlines and park footprints as an inline SVG."""
    districts = shapely.coverage_simplify(ds.districts.geometry.to_numpy(), 0.002)
    proj = _Projection(tuple(ds.districts.total_bounds), width)  # type: ignore[arg-type]
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {proj.width} {proj.height}" '
        f'role="img" aria-label="{esc(_t("map", lang))}">'
    ]
    for belt in ds.belts.itertuples():
        geom = shapely.simplify(belt.geometry, 0.002)
        out.append(
            f'<path d="{proj.path(geom)}" fill="{esc(belt.color)}" fill-opacity="0.35" '
            f'stroke="none"><title>{esc(_name(belt._asdict(), lang))}</title></path>'
        )
    for geom in districts:
        out.append(f'<path d="{proj.path(geom)}" fill="none" stroke="#555" stroke-width="0.6"/>')
    for park in ds.parks.sort_values("footprint_area_km2", ascending=False).itertuples():
        dash = ' stroke-dasharray="3 2"' if park.footprint == "indicative" else ""
        out.append(
            f'<path d="{proj.path(park.geometry)}" fill="#222" fill-opacity="0.15" '
            f'stroke="#111" stroke-width="1"{dash}><title>{esc(_name(park._asdict(), lang))}'
            "</title></path>"
        )
    out.append("</svg>")
    return "".join(out)


def _legend(ds: Dataset, lang: str) -> str:
    from zones.settings import DEFAULT_FOOTPRINT_KM2

    items = [
        f'<span class="sw" style="background:{esc(b.color)}"></span>{esc(_name(b._asdict(), lang))}'
        for b in ds.belts.itertuples()
    ]
    items.append(f'<span class="sw solid"></span>{esc(_t("legend_surveyed", lang))}')
    items.append(f'<span class="sw dashed"></span>{esc(_t("legend_indicative", lang))}')
    note = esc(_t("estimate_note", lang, area=f"{DEFAULT_FOOTPRINT_KM2:g}"))
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
        f"<table class='matrix'><tr><th>{esc(_t('industry', lang))}</th>{head}</tr>"
        + "".join(rows)
        + f"</table><p class='note'>{esc(_t('matrix_note', lang))}</p>"
    )


def _overlap(ds: Dataset, lang: str) -> str:
    belts = ds.belts.set_index("id")
    names = ds.industries.set_index("id")

    def industry_names(ids: list[str]) -> str:
        return "、".join(_name(names.loc[i].to_dict(), lang) for i in ids) or _t("none", lang)

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
        f"<table><tr><th>{esc(_t('pair', lang))}</th><th>{esc(_t('shared', lang))}</th>"
        f"<th>{esc(_t('jaccard', lang))}</th></tr>{''.join(rows)}</table>"
        f"<h3>{esc(_t('crowded', lang))}</h3><ul>{''.join(crowded)}</ul>"
    )


def _cite(source: str, lang: str) -> str:
    if source.startswith("plan:L"):
        return _t("plan_line", lang, n=source.removeprefix("plan:L"))
    return source


def _targets(ds: Dataset, lang: str) -> str:
    rows = []
    for r in ds.targets.itertuples():
        unit = r.unit_en if lang == "en" else r.unit_zh
        value = f"{r.value:g} {unit}"
        rows.append(
            f"<tr><td>{esc(_name(r._asdict(), lang))}</td><td>{esc(value)}</td>"
            f"<td>{esc(_cite(r.source, lang))}: “{esc(r.quote)}”</td></tr>"
        )
    return (
        f"<table><tr><th>{esc(_t('target', lang))}</th><th>{esc(_t('target_value', lang))}</th>"
        f"<th>{esc(_t('source', lang))}</th></tr>{''.join(rows)}</table>"
        f"<p class='note'>{esc(_t('targets_note', lang))}</p>"
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
        where = f"{_t(park.location_basis, lang)} ±{park.location_precision_m / 1000:g} km"
        rows.append(
            f"<tr><td>{esc(_name(park._asdict(), lang))}</td><td>{esc(belt_names)}</td>"
            f"<td>{esc(designated or _t('none', lang))}</td><td>{esc(where)}</td></tr>"
        )
    return (
        f"<table><tr><th>{esc(_t('name', lang))}</th><th>{esc(_t('belts', lang))}</th>"
        f"<th>{esc(_t('designated', lang))}</th><th>{esc(_t('location', lang))}</th></tr>"
        + "".join(rows)
        + "</table>"
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
    lang = "en" if lang == "en" else "zh"
    today = today or dt.date.today()
    title = esc(_t("title", lang))
    sections = [
        (_t("map", lang), _legend(ds, lang) + svg_map(ds, lang)),
        (_t("matrix", lang), _matrix(ds, lang)),
        (_t("overlap", lang), _overlap(ds, lang)),
        (_t("targets", lang), _targets(ds, lang)),
        (_t("parks", lang), _parks(ds, lang)),
    ]
    body = "".join(f"<section><h2>{esc(h)}</h2>{content}</section>" for h, content in sections)
    return (
        f'<!DOCTYPE html><html lang="{"en" if lang == "en" else "zh-CN"}"><head>'
        f'<meta charset="utf-8"><title>{title}</title>'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\">"
        f"<style>{CSS}</style></head><body><h1>{title}</h1>"
        f"<p>{esc(_t('subtitle', lang, plan=PLAN_NAME))}</p>"
        f"<p class='note'>{esc(_t('generated', lang))}: {today.isoformat()}</p>{body}</body></html>"
    )


def write_report(ds: Dataset, out: Path | str, *, lang: str = "zh") -> Path:
    """Write :func:`report_html` to ``out`` atomically."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(out) as tmp:
        Path(tmp).write_text(report_html(ds, lang=lang), encoding="utf-8")
    return out
