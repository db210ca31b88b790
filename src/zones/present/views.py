"""The app's planner views and GIS round trip as plain data: labels, tables and a chart. Pure.

Everything here shapes what :mod:`zones.present.analysis`, :mod:`zones.importing`,
:mod:`zones.io.bundle` and :mod:`zones.present.report` return into what the app shows: localized
names (through
:mod:`zones.text.i18n`), long tables for the heatmap, wide tables to read, and file names. No
Streamlit: the app composes these, the tests call them directly.

Tables meant for ``st.table`` (which renders Markdown in every cell) hold raw text; pass them
through :func:`md_table` before showing them, so no name from the data is read as Markdown.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from zones.errors import ZonesError
from zones.geo import crs as zones_crs
from zones.importing import (
    DEFAULT_LIMITS,
    ImportOptions,
    ImportPreview,
    Target,
    UndoResult,
    apply_import,
    error_message,
    import_batches,
    preferred_layer,
    preview_upload,
    undo_import,
    upload_layers,
)
from zones.io.formats import upload_extensions
from zones.model import citation
from zones.model.dataset import Dataset
from zones.present import analysis
from zones.present.report import report_html
from zones.store import open_store
from zones.text import languages
from zones.text.i18n import (
    format_km2,
    label,
    level_label,
    md_text,
    pick_name,
    pick_names,
    pick_text,
    t,
)

if TYPE_CHECKING:
    import altair as alt

# --------------------------------------------------------------------------------------------
# Tabs

#: The app's views, in tab order; the first (the map) is the default.
TABS = ("map", "analysis", "gis")


def tab_labels(lang: str) -> list[str]:
    """The tab labels in ``lang``, in :data:`TABS` order."""
    return [t(f"tab.{name}", lang) for name in TABS]


def tab_in(label: str | None, lang: str) -> str | None:
    """The label in ``lang`` of the tab whose label (in any language) is ``label``.

    Lets the open tab survive a language switch; None when ``label`` names no tab.
    """
    for name in TABS:
        if label in {t(f"tab.{name}", code) for code in languages()}:
            return t(f"tab.{name}", lang)
    return None


# --------------------------------------------------------------------------------------------
# Names


def _names(frame: pd.DataFrame, lang: str, key: str = "id") -> dict[str, str]:
    return {
        str(k): n
        for k, n in zip(frame[key], pick_names(frame.assign(id=frame[key]), lang), strict=True)
    }


def _unique(labels: Mapping[str, str]) -> dict[str, str]:
    """``labels`` with any label shared by several ids suffixed with the id."""
    seen: dict[str, int] = {}
    for name in labels.values():
        seen[name] = seen.get(name, 0) + 1
    return {k: (f"{v} ({k})" if seen[v] > 1 else v) for k, v in labels.items()}


def belt_labels(ds: Dataset, lang: str) -> dict[str, str]:
    """Belt id -> name in ``lang``, in the plan's belt order."""
    belts = ds.belts.sort_values("order", kind="stable") if "order" in ds.belts else ds.belts
    return _unique(_names(belts, lang))


def industry_labels(ds: Dataset, lang: str) -> dict[str, str]:
    """Industry id -> name in ``lang``, in plan order with every sub-industry right after its
    parent (and its parent's earlier sub-industries); a sub-industry reads ``└ name``."""
    names = _names(ds.industries, lang)
    parents = {
        str(i): str(p or "")
        for i, p in zip(ds.industries["id"], ds.industries["parent_id"], strict=True)
    }
    position = {ident: n for n, ident in enumerate(names)}

    def chain(ident: str) -> list[int]:
        out, seen = [position[ident]], {ident}
        while parents.get(ident) in names and parents[ident] not in seen:
            ident = parents[ident]
            seen.add(ident)
            out.insert(0, position[ident])
        return out

    order = sorted(names, key=chain)
    return _unique({i: (f"└ {names[i]}" if parents.get(i) in names else names[i]) for i in order})


def park_labels(ds: Dataset, lang: str) -> dict[str, str]:
    """Park id -> name in ``lang`` (in data order), unique: for pickers and table headers."""
    return _unique(_names(ds.parks, lang))


def _join(items: Sequence[str], lang: str) -> str:
    return t("punct.list", lang).join(items)


# --------------------------------------------------------------------------------------------
# Belt × industry matrix

#: The basis choices of the matrix: each adds a kind of park-industry link.
BASES: dict[str, tuple[str, ...]] = {
    "park": ("park",),
    "belt": ("park", "belt"),
    "source": ("park", "belt", "source"),
}
#: The default basis counts every link, as the briefing does.
DEFAULT_BASIS = "source"
#: Marks an industry the plan names a focus of the belt.
FOCUS_MARK = "★"
#: Height of one heatmap row in pixels.
ROW_PX = 22
#: Belt names longer than this many characters are wrapped on the heatmap's axis.
BELT_LABEL_CHARS = 26


def matrix_long(ds: Dataset, basis: str, lang: str) -> pd.DataFrame:
    """The belt × industry matrix as a long table: one row per (industry, belt) cell.

    Industries are those linked to a park on ``basis`` (see :data:`BASES`) plus every focus
    industry of a belt (so a focus no park takes up shows as 0), in plan order; belts in plan
    order. Columns: industry_id, industry (label), belt_id, belt (label), parks (distinct parks
    of the belt linked to the industry), focus (the plan names the industry a focus of the
    belt), cell (the text shown: ``3``, ``3 ★``, ``0 ★``, or ``''`` for an empty non-focus
    cell).
    """
    wide = analysis.matrix_table(ds, bases=BASES[basis])
    focus = analysis.belt_industry_pairs(ds, "focus_industry_ids")
    industries = industry_labels(ds, lang)
    belts = belt_labels(ds, lang)
    wanted = set(wide.index) | {i for _, i in focus}
    rows = []
    for industry_id in (i for i in industries if i in wanted):
        for belt_id in belts:
            parks = int(wide.at[industry_id, belt_id]) if industry_id in wide.index else 0
            is_focus = (belt_id, industry_id) in focus
            cell = f"{parks} {FOCUS_MARK}" if is_focus else (str(parks) if parks else "")
            rows.append(
                {
                    "industry_id": industry_id,
                    "industry": industries[industry_id],
                    "belt_id": belt_id,
                    "belt": belts[belt_id],
                    "parks": parks,
                    "focus": is_focus,
                    "cell": cell,
                }
            )
    columns = ["industry_id", "industry", "belt_id", "belt", "parks", "focus", "cell"]
    return pd.DataFrame(rows, columns=columns).astype({"parks": "int64", "focus": "bool"})


def matrix_wide(long: pd.DataFrame, lang: str) -> pd.DataFrame:
    """:func:`matrix_long` as a table to read: one row per industry, one column per belt."""
    if long.empty:
        return pd.DataFrame(index=pd.Index([], name=t("analysis.industry", lang)))
    wide = long.pivot(index="industry", columns="belt", values="cell")
    wide = wide.loc[list(dict.fromkeys(long["industry"])), list(dict.fromkeys(long["belt"]))]
    wide.index.name = t("analysis.industry", lang)
    wide.columns.name = None
    return wide


def matrix_chart(long: pd.DataFrame, lang: str) -> alt.LayerChart:
    """The heatmap (Vega-Lite through Altair): colour = parks, ★ = a focus of the belt.

    One row of :data:`ROW_PX` pixels per industry; cell text is :func:`matrix_long`'s ``cell``.
    Altair is imported here: only the analysis tab draws the chart, and it costs ~0.2 s to
    import, on the first visit to the map otherwise.
    """
    import altair as alt

    industries = list(dict.fromkeys(long["industry"]))
    belts = list(dict.fromkeys(long["belt"]))
    # Long belt names (English) break into lines: an axis label may be a list of lines.
    lines = {b: textwrap.wrap(b, BELT_LABEL_CHARS) or [b] for b in belts}
    peak = max(int(long["parks"].max()) if len(long) else 0, 1)
    data = long.assign(
        focus_text=[t("analysis.yes" if f else "analysis.no", lang) for f in long["focus"]]
    )
    base = alt.Chart(data).encode(
        x=alt.X(
            "belt:N",
            sort=belts,
            title=None,
            axis=alt.Axis(
                orient="top",
                labelAngle=0,
                labelLimit=200,
                labelFontSize=12,
                labelOverlap=False,
                labelExpr=f"{json.dumps(lines, ensure_ascii=False)}[datum.label] || datum.label",
            ),
        ),
        y=alt.Y(
            "industry:N",
            sort=industries,
            title=None,
            axis=alt.Axis(labelLimit=260, labelFontSize=12, labelOverlap=False),
        ),
        tooltip=[
            alt.Tooltip("industry:N", title=t("analysis.industry", lang)),
            alt.Tooltip("belt:N", title=t("analysis.belt", lang)),
            alt.Tooltip("parks:Q", title=t("analysis.parks", lang)),
            alt.Tooltip("focus_text:N", title=t("analysis.focus", lang)),
        ],
    )
    cells = base.mark_rect(stroke="#ffffff", strokeWidth=1).encode(
        color=alt.condition(
            "datum.parks > 0",
            alt.Color(
                "parks:Q",
                scale=alt.Scale(scheme="blues", domain=[0, peak]),
                legend=alt.Legend(title=t("analysis.parks", lang), orient="bottom"),
            ),
            alt.value("#f3f4f6"),
        )
    )
    text = base.mark_text(fontSize=12).encode(
        text="cell:N",
        color=alt.condition(
            f"datum.parks > {peak * 0.55:g}", alt.value("#ffffff"), alt.value("#1f2933")
        ),
    )
    return alt.layer(cells, text).properties(height=alt.Step(ROW_PX))


# --------------------------------------------------------------------------------------------
# Overlap of the belts' focus industries


def overlap_table(ds: Dataset, lang: str) -> pd.DataFrame:
    """Each pair of belts: the focus industries they share, how many, and the Jaccard index."""
    belts = belt_labels(ds, lang)
    industries = _names(ds.industries, lang)
    none = t("analysis.none", lang)
    rows = [
        {
            t("analysis.pair", lang): f"{belts.get(a, a)} × {belts.get(b, b)}",
            t("analysis.shared", lang): _join([industries.get(i, i) for i in shared], lang) or none,
            t("analysis.shared_count", lang): str(len(shared)),
            t("analysis.jaccard", lang): f"{jaccard:.2f}",
        }
        for a, b, shared, jaccard in analysis.belt_overlap(ds).itertuples(index=False)
    ]
    columns = ["analysis.pair", "analysis.shared", "analysis.shared_count", "analysis.jaccard"]
    return pd.DataFrame(rows, columns=[t(c, lang) for c in columns])


def crowded_table(ds: Dataset, lang: str, at_least: int = analysis.CROWDED_AT) -> pd.DataFrame:
    """Industries that are a focus of ``at_least`` belts or more (a risk to 特色错位)."""
    belts = belt_labels(ds, lang)
    industries = _names(ds.industries, lang)
    rows = [
        {
            t("analysis.industry", lang): industries.get(i, i),
            t("analysis.belts", lang): _join([belts.get(b, b) for b in ids], lang),
            t("analysis.belt_count", lang): str(n),
        }
        for i, ids, n in analysis.crowded_industries(ds, at_least).itertuples(index=False)
    ]
    columns = ["analysis.industry", "analysis.belts", "analysis.belt_count"]
    return pd.DataFrame(rows, columns=[t(c, lang) for c in columns])


# --------------------------------------------------------------------------------------------
# Comparing parks

#: How many belts may share a focus industry before it is flagged (see analysis.CROWDED_AT).
CROWDED_AT = analysis.CROWDED_AT
#: Parks that can be compared at once.
COMPARE_MIN, COMPARE_MAX = 2, 4


def _km(value: Any, lang: str, name: str = "") -> str:
    try:
        km = float(value)
    except (TypeError, ValueError):
        return t("analysis.none", lang)
    if not math.isfinite(km):
        return t("analysis.none", lang)
    text = t("unit.km", lang, km=f"{km:.0f}" if km >= 10 else f"{km:.1f}")
    if name:
        text += t("punct.paren", lang, text=name)
    return text


def compare_table(ds: Dataset, park_ids: Sequence[str], lang: str) -> pd.DataFrame:
    """Two to four parks side by side (:func:`zones.present.analysis.compare_parks`), in ``lang``.

    One column per park (headed by its name), one row per attribute (labelled in ``lang``).
    Raises ValueError for fewer than two or more than four ids, or an unknown id.
    """
    raw = analysis.compare_parks(ds, park_ids)  # validates the choice
    parks = ds.parks.set_index("id")
    headers = park_labels(ds, lang)
    districts = _names(ds.districts, lang, "adcode")
    belts = belt_labels(ds, lang)
    tiers = _names(ds.tiers, lang)
    industries = _names(ds.industries, lang)
    nodes = ds.transport_nodes
    node_names = _names(nodes, lang) if "id" in nodes else {}
    none = t("analysis.none", lang)
    links = ds.park_industries
    airport_name = _airport_name(nodes, node_names)

    def industry_list(pid: str, basis: str) -> str:  # tiers have a row of their own
        mine = links[(links["park_id"] == pid) & (links["basis"] == basis)]
        return (
            _join([industries.get(i, i) for i in dict.fromkeys(mine["industry_id"])], lang) or none
        )

    columns: dict[str, list[str]] = {}
    for pid in park_ids:
        park = parks.loc[pid]
        area = raw.at["area_km2", pid]
        precision = raw.at["location_precision_m", pid]
        basis = str(park.get("location_basis") or "estimated")
        location = (
            t(f"location.{basis}", lang) if basis in ("sourced", "estimated", "located") else basis
        )
        if _finite(precision):
            location += t("punct.comma", lang)
            location += t("details.precision", lang, m=f"{float(precision):,.0f}")
        footprint = str(raw.at["footprint", pid] or "indicative")
        values = {
            "level": level_label(str(raw.at["level", pid] or ""), lang),
            "districts": _join([districts.get(a, a) for a in park["district_adcodes"]], lang)
            or _join(list(park["districts"]), lang)
            or none,
            "belts": _join([belts.get(b, b) for b in park["belt_ids"]], lang) or none,
            "designated": industry_list(pid, "park"),
            "belt_focus": industry_list(pid, "belt"),
            "other_sources": industry_list(pid, "source"),
            "tiers": _join([tiers.get(x, x) for x in park["tier_ids"]], lang) or none,
            "area_km2": t("unit.km2", lang, km2=format_km2(float(area)))
            if _finite(area)
            else t("details.area_unknown", lang),
            "footprint": t(f"footprint.{footprint}", lang)
            if footprint in ("surveyed", "indicative")
            else footprint,
            "location": location,
        }
        for col, id_col in (
            ("nearest_port_km", "nearest_port"),
            ("airport_km", None),
            ("nearest_rail_km", "nearest_rail"),
        ):
            if col in raw.index:
                ident = str(park.get(id_col) or "") if id_col else ""
                name = node_names.get(ident, ident) if id_col else airport_name
                values[col] = _km(raw.at[col, pid], lang, name)
        for key, value in values.items():
            columns.setdefault(key, []).append(value)
    frame = pd.DataFrame(columns, index=[headers[p] for p in park_ids]).T
    frame.index = [t(f"compare.{key}", lang) for key in frame.index]
    return frame


def _airport_name(nodes: pd.DataFrame, names: Mapping[str, str]) -> str:
    """The name of the one located airport (Lishe), '' when there is not exactly one."""
    if not len(nodes) or not {"kind", "lon", "lat", "id"} <= set(nodes.columns):
        return ""
    airports = nodes[(nodes["kind"] == "airport") & nodes["lon"].notna() & nodes["lat"].notna()]
    return names.get(str(airports["id"].iloc[0]), "") if len(airports) == 1 else ""


def _finite(value: Any) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def distance_table(ds: Dataset, park_ids: Sequence[str], lang: str) -> pd.DataFrame:
    """Geodesic km between the parks' locations, to one decimal; ``—`` on the diagonal."""
    km = analysis.park_distances(ds, park_ids)
    headers = park_labels(ds, lang)
    names = [headers[p] for p in park_ids]
    none = t("analysis.none", lang)
    cells = [[none if a == b else f"{float(km.at[a, b]):.1f}" for b in park_ids] for a in park_ids]
    return pd.DataFrame(cells, index=names, columns=names)


# --------------------------------------------------------------------------------------------
# Plan targets


def cite(source: Any, lang: str) -> str:
    """``plan:L12`` -> 规划原文第12行 / plan text, line 12; anything else as it is."""
    text = "" if source is None else str(source).strip()
    if cited := citation.parse(text):
        return t("source.plan_line", lang, line=cited.label())
    return text


def targets_table(ds: Dataset, lang: str) -> pd.DataFrame:
    """The plan's targets: indicator, target value with its unit, year, cited line, quote.

    Only what the plan states; no actual values.
    """
    rows = []
    for _, r in ds.targets.iterrows():
        value = float(r["value"]) if _finite(r.get("value")) else math.nan
        unit = pick_text(r, "unit", lang)
        shown = f"{value:,g}" if math.isfinite(value) else t("analysis.none", lang)
        year = r.get("year")
        rows.append(
            {
                t("analysis.target", lang): pick_name(r, lang),
                t("analysis.target_value", lang): f"{shown} {unit}".strip(),
                t("analysis.year", lang): str(int(year)) if _finite(year) else "",
                t("analysis.source", lang): cite(r.get("source"), lang),
                t("analysis.quote", lang): str(r.get("quote") or ""),
            }
        )
    keys = ["target", "target_value", "year", "source", "quote"]
    return pd.DataFrame(rows, columns=[t(f"analysis.{k}", lang) for k in keys])


# --------------------------------------------------------------------------------------------
# Downloads


def report_bytes(ds: Dataset, lang: str, today: dt.date | None = None) -> bytes:
    """The HTML briefing (:func:`zones.present.report.report_html`) in ``lang``, as UTF-8 bytes."""
    return report_html(ds, lang=lang, today=today).encode("utf-8")


def report_file_name(lang: str, today: dt.date) -> str:
    return f"ningbo-briefing_{lang}_{today.isoformat()}.html"


def bundle_file_name(slug: str, crs: str, today: dt.date) -> str:
    """``ningbo-zones_<filter slug>_epsg4549_<date>.zip``."""
    code = crs.lower().replace(":", "")
    return f"ningbo-zones_{slug}_{code}_{today.isoformat()}.zip"


# --------------------------------------------------------------------------------------------
# Import of surveyed boundaries

#: Who the app records as the author of its imports until sign-in names a person.
APP_AUTHOR = "app"
#: Largest upload (MB), as the importer's limit.
UPLOAD_MAX_MB = DEFAULT_LIMITS.max_file_bytes // 2**20


def upload_types() -> list[str]:
    """File name endings the uploader accepts: every readable format of the registry that
    comes as one file (:func:`zones.io.formats.upload_extensions`)."""
    return list(upload_extensions())


def crs_label(code: str, lang: str) -> str:
    """``EPSG:4549 · CGCS2000 / …`` in ``lang`` (:func:`zones.geo.crs.crs_label`); the file's own
    CRS for ``''``."""
    return zones_crs.crs_label(code, lang) if code else t("gis.crs_from_file", lang)


def error_text(
    exc: BaseException, lang: str = "en", folders: Mapping[Path, str] | None = None
) -> str:
    """What went wrong, in one line of plain text in ``lang`` (escape it for its destination).

    ``folders`` maps server folders to the names shown instead (``{geo_dir: "geo"}``), so that
    no server path reaches a user; an unexpected error is named by its type only.
    """
    text = error_message(exc, lang)
    for folder, name in (folders or {}).items():
        text = text.replace(str(folder), name)
    return text


def preview_import(
    data: bytes,
    filename: str,
    *,
    store: str,
    ds: Dataset | None = None,
    revision: str | None = None,
    source_crs: str | None = None,
    gcj02: bool = False,
    layer: str | None = None,
    lang: str = "en",
    folders: Mapping[Path, str] | None = None,
) -> tuple[ImportPreview | None, str | None]:
    """Preview an upload against the parks of ``store``: (preview, None) or (None, error in
    ``lang``, server ``folders`` named as :func:`error_text` does).

    ``ds`` and ``revision``: the store's dataset as the app already holds it, at that revision
    (else it is read). The file is untrusted: any failure to read it is returned as a message,
    never raised. ``layer`` picks a layer or dataset (see :func:`layer_choices`).
    """
    try:
        against = Target.of_store(open_store(store), ds, revision)
        options = ImportOptions(source_crs=source_crs or None, gcj02=gcj02, layer=layer or None)
        preview = preview_upload(data, filename, against, options)
    except Exception as exc:  # untrusted input must never end in a traceback
        return None, error_text(exc, lang, folders)
    return preview, None


def layer_choices(data: bytes, filename: str) -> tuple[list[str], str | None]:
    """The layers (or datasets) of an upload to choose from, and the one taken by default;
    ([], None) when there is nothing to choose, or the file cannot be opened (its preview
    says why)."""
    try:
        choices = upload_layers(data, filename)
    except Exception:  # untrusted input: the preview reports it
        return [], None
    return choices, preferred_layer(choices)


def preview_counts(preview: ImportPreview) -> dict[str, int]:
    """matched / unmatched / new / problems (errors) of a preview."""
    return {
        "matched": len(preview.matched),
        "unmatched": len(preview.unmatched),
        "new": len(preview.new),
        "problems": len(preview.errors),
    }


def preview_table(preview: ImportPreview, lang: str) -> pd.DataFrame:
    """One row per feature of the preview, with localized headers and statuses (plain text)."""
    keys = ("status", "feature", "label", "park", "how", "area", "replaces", "suggestions")
    rows = []
    for r in preview.rows():
        park = f"{r['park_id']} {r['park_name']}".strip()
        replaces = t(f"footprint.{r['replaces']}", lang) if r["replaces"] else ""
        area = r["area_km2"]
        rows.append(
            [
                t(f"gis.status.{r['status']}", lang),
                int(r["feature"]),
                r["label"],
                park,
                label("gis.how", r["how"], lang) if r["how"] else "",
                f"{area:.3f}" if _finite(area) else "",
                replaces,
                r["suggestions"],
            ]
        )
    return pd.DataFrame(rows, columns=[t(f"gis.col.{k}", lang) for k in keys])


def apply_preview(
    preview: ImportPreview,
    *,
    store: str,
    author: str = APP_AUTHOR,
    confirm_mismatch: bool = False,
) -> int:
    """Record the preview's footprints in ``store`` as one batch of changes by ``author``,
    accepted at once (as `zones import` does); returns how many parks. Readers see them at
    once: nothing is rebuilt.

    Raises
    ------
    ZonesError
        Nothing written: e.g. a park changed since the preview (naming who changed it and
        when), or unconfirmed mismatches.
    """
    done = apply_import(
        preview, open_store(store), author=author, confirm_mismatch=confirm_mismatch
    )
    return len(done.imported)


def undo_last_import(*, store: str, author: str = APP_AUTHOR) -> UndoResult:
    """Revert the changes of ``author``'s last import in ``store`` that are still accepted.

    Raises
    ------
    ZonesError
        When ``author`` has no import in force (nothing undone).
    """
    return undo_import(open_store(store), author=author)


def undoable_imports(store: str, author: str = APP_AUTHOR) -> int:
    """How many imports by ``author`` in ``store`` can be undone, one after the other (0 when
    the store has no log to read)."""
    try:
        return len(import_batches(open_store(store), author))
    except ZonesError:
        return 0


def footprint_counts(ds: Dataset) -> dict[str, int]:
    """How many parks have a surveyed and an indicative footprint."""
    kinds = ds.parks["footprint"].fillna("indicative") if "footprint" in ds.parks else []
    surveyed = int((pd.Series(kinds) == "surveyed").sum())
    return {"surveyed": surveyed, "indicative": len(ds.parks) - surveyed}


# --------------------------------------------------------------------------------------------
# Safe tables for st.table


def md_table(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every cell, header and index label made inert Markdown (:func:`md_text`).

    ``st.table`` renders Markdown in all of them; data text must stay text.
    """
    out = frame.map(md_text)
    out.columns = [md_text(c) for c in frame.columns]
    out.index = pd.Index(
        [md_text(i) for i in frame.index],
        name=md_text(frame.index.name) if frame.index.name is not None else None,
    )
    return out
