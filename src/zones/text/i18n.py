"""Data in the user's language: names, park types, levels, field descriptions and areas.

The strings of the interface live in the text catalogs (:mod:`zones.text`, one per language);
``t``, ``norm_lang`` and the escaping helpers (:mod:`zones.text.escape`) are re-exported here so
that ``from zones.text.i18n import t, md_text`` keeps working. What this module adds is choosing the
language of *data*: a park's ``name_zh`` or ``name_en``, a park type's English name, a field's
description, each by :func:`zones.text.data_languages` (the language itself, then the one its
catalog names), never by a ``zh``/``en`` branch.
"""

from __future__ import annotations

import math
from typing import Any

from zones import text
from zones.text import DEFAULT_LANGUAGE, norm_lang, t
from zones.text.escape import html_text, md_text, plain_text

__all__ = [
    "DEFAULT_LANG",
    "PARK_TYPES",
    "field_description",
    "format_km2",
    "html_text",
    "label",
    "level_label",
    "md_text",
    "norm_lang",
    "park_type_label",
    "pick_name",
    "pick_names",
    "pick_text",
    "plain_text",
    "t",
]

DEFAULT_LANG = DEFAULT_LANGUAGE


def label(prefix: str, code: str, lang: str) -> str:
    """The label of a code such as ``fmt``/``geojson``; the code itself when unknown."""
    key = f"{prefix}.{code}"
    return t(key, lang) if text.has(key) else str(code)


#: Park types as data/parks.csv writes them (Chinese) -> English: the data's English names
#: (like ``name_en``), also what ``--type`` accepts and what file names are made of.
PARK_TYPES: dict[str, str] = {
    "国家级经济技术开发区": "national economic and technological development zone",
    "国家高新技术产业开发区": "national high-tech industrial development zone",
    "省级经济开发区": "provincial economic development zone",
    "经济开发区": "economic development zone",
    "经济开发区（片区）": "economic development zone (sub-area)",
    "经济技术开发区": "economic and technological development zone",
    "高新技术产业园区": "high-tech industrial park",
    "工业园区": "industrial park",
    "综合保税区": "comprehensive bonded zone",
    "保税区": "bonded zone",
    "出口加工区": "export processing zone",
    "新区": "new area",
    "经贸合作区": "economic and trade cooperation zone",
    "临空经济示范区": "airport economy demonstration zone",
}


def park_type_label(value: Any, lang: str) -> str:
    """A park's type in ``lang``'s data language: as written (Chinese), or its English name
    from :data:`PARK_TYPES`; the text as it is when it has no name in that language."""
    written = "" if value is None else str(value).strip()
    return text.pick({"zh": written, "en": PARK_TYPES.get(written, "")}, lang) or written


def level_label(code: str, lang: str) -> str:
    """国家级 / 省级 / 级别不详 (national / provincial / unknown-level) for a level code
    (``level.<code>`` in the catalogs, as the filters say it); the code itself when unknown."""
    return label("level", code, lang)


def field_description(column: str, lang: str, layer: str = "parks") -> str:
    """What an exported column holds, in ``lang``, from the field dictionary
    (:mod:`zones.model.fields`).

    '' for a column the dictionary does not describe.
    """
    from zones.errors import UnknownValueError
    from zones.model.fields import description

    try:
        return description(layer, column, lang)
    except UnknownValueError:
        return ""


def pick_text(row: Any, column: str, lang: str) -> str:
    """``row``'s ``<column>_<code>`` (``name_en``, ``unit_zh``...) for the first language of
    :func:`zones.text.data_languages` in which it is not blank, stripped; '' when none is."""
    if not hasattr(row, "get"):
        return ""
    codes = text.data_languages(lang)
    return text.pick({code: row.get(f"{column}_{code}") for code in codes}, lang)


def pick_name(row: Any, lang: str) -> str:
    """``row``'s name in ``lang`` (:func:`pick_text` of ``name``: ``name_en`` in English, else
    ``name_zh``...), else its ``id``."""
    if not hasattr(row, "get"):
        return ""
    return pick_text(row, "name", lang) or str(row.get("id", ""))


def pick_names(frame: Any, lang: str) -> list[str]:
    """:func:`pick_name` of every row of a DataFrame, fast (no ``iterrows``)."""
    n = len(frame)
    codes = text.data_languages(lang)
    columns = [frame[f"name_{c}"].tolist() if f"name_{c}" in frame else [None] * n for c in codes]
    ids = frame["id"].tolist() if "id" in frame else [""] * n
    out = []
    for *names, ident in zip(*columns, ids, strict=True):
        name = next((v.strip() for v in names if isinstance(v, str) and v.strip()), "")
        out.append(name or str(ident))
    return out


def format_km2(value: float) -> str:
    """An area in km² with sensible precision (0.64, 12.3, 150)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if value < 10:
        return f"{value:.2f}".rstrip("0").rstrip(".")
    if value < 100:
        return f"{value:.1f}".rstrip("0").rstrip(".")
    return f"{value:.0f}"
