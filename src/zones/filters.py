"""Park filters: resolve what a user typed into ids, select parks, and describe the selection.

One :class:`ParkFilter` drives the map, the tables, the exports and the CLI alike. It holds ids
only; :func:`resolve_filter` turns ids, Chinese names, English names and aliases into those ids
and lists close matches for anything it does not know. Within one constraint any value may
match (belt A *or* belt B); across constraints every one must hold (belt *and* industry).
"""

from __future__ import annotations

import difflib
import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace

import geopandas as gpd
import numpy as np
import pandas as pd

from zones import cells
from zones.dataset import Dataset
from zones.errors import EmptyValueError, UnknownValueError

#: Park levels: code -> (Chinese label, English label).
LEVELS: dict[str, tuple[str, str]] = {
    "national": ("国家级", "national"),
    "provincial": ("省级", "provincial"),
    "unknown": ("级别不详", "unknown-level"),
}

#: Suffixes a district name may be written without (北仑 for 北仑区, Beilun for Beilun District).
_DISTRICT_SUFFIXES_ZH = ("区", "县", "市")
_DISTRICT_SUFFIXES_EN = (" district", " county", " city")
_MAX_SUGGESTIONS = 5


def _as_tuple(values: Iterable[str] | str | None) -> tuple[str, ...]:
    """``values`` as a tuple of strings; a lone string is one value, not its characters."""
    if values is None:
        return ()
    if isinstance(values, str):
        return (values,) if values else ()
    return tuple(str(v) for v in values)


@dataclass(frozen=True)
class ParkFilter:
    """Which parks to show. Every field holds ids; an empty field is no constraint.

    Attributes
    ----------
    belts
        Belt ids (``belts.id``); a park matches when it lies in any of them.
    industries
        Industry ids; a park matches when it has any of them or any of their descendants.
    tiers
        Tier ids; a park matches when it has any industry of any of these tiers.
    districts
        District adcodes; a park matches when it lies in any of them.
    levels
        Level codes (``national``, ``provincial``, ``unknown``).
    designated_only
        Match industries and tiers against the industries a park is *designated* for
        (``designated_industry_ids``) rather than every linked industry; with no industry or
        tier chosen, keep the parks that have any designated industry.
    text
        Case-insensitive substring of the park's Chinese name, English name or id.
    """

    belts: tuple[str, ...] = ()
    industries: tuple[str, ...] = ()
    tiers: tuple[str, ...] = ()
    districts: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()
    designated_only: bool = False
    text: str = ""

    def __post_init__(self) -> None:
        # Accept lists (and a lone string) but store tuples, so the filter stays hashable.
        for name in ("belts", "industries", "tiers", "districts", "levels"):
            object.__setattr__(self, name, _as_tuple(getattr(self, name)))
        object.__setattr__(self, "text", (self.text or "").strip())
        object.__setattr__(self, "designated_only", bool(self.designated_only))

    @property
    def is_empty(self) -> bool:
        """True when the filter constrains nothing (every park matches)."""
        return all(not getattr(self, f.name) for f in fields(self))


# --------------------------------------------------------------------------------------------
# Resolving user input to ids


def _norm(text: str) -> str:
    """Key for comparing what a user typed: NFKC (full-width -> ASCII), trimmed, case-folded."""
    return unicodedata.normalize("NFKC", str(text)).strip().casefold()


def _strip_suffix(name: str, suffixes: Sequence[str], *, min_len: int) -> str | None:
    for suffix in suffixes:
        if name.endswith(suffix) and len(name) - len(suffix) >= min_len:
            return name[: -len(suffix)]
    return None


@dataclass(frozen=True)
class _Vocabulary:
    """How one constraint's values are looked up: key -> id, and candidates for suggestions."""

    field: str
    keys: Mapping[str, str]
    #: (display string, id) pairs offered as suggestions, in a stable order.
    candidates: tuple[tuple[str, str], ...]

    def resolve(self, value: str) -> str:
        key = _norm(value)
        if key in self.keys:
            return self.keys[key]
        raise UnknownValueError(self.field, str(value), self.suggest(key))

    def suggest(self, key: str) -> list[str]:
        """Up to five candidates close to ``key``: substring matches first, then difflib's."""
        if not key:
            return []
        by_norm: dict[str, tuple[str, str]] = {}
        for display, ident in self.candidates:
            by_norm.setdefault(_norm(display), (display, ident))
        contained = [n for n in by_norm if key in n or n in key]
        close = difflib.get_close_matches(key, list(by_norm), n=_MAX_SUGGESTIONS, cutoff=0.5)
        out: list[str] = []
        seen_ids: set[str] = set()
        for n in contained + close:
            display, ident = by_norm[n]
            if ident not in seen_ids:
                seen_ids.add(ident)
                out.append(display)
        return out[:_MAX_SUGGESTIONS]


def _vocabulary(
    field: str, rows: Iterable[tuple[str, Sequence[str], Sequence[str]]]
) -> _Vocabulary:
    """Build a vocabulary from ``(id, names offered as suggestions, extra accepted keys)``."""
    keys: dict[str, str] = {}
    candidates: list[tuple[str, str]] = []
    rows = list(rows)
    # Ids win over names, names over extra keys, earlier rows over later ones.
    for ident, _names, _extra in rows:
        keys.setdefault(_norm(ident), ident)
    for ident, names, _extra in rows:
        for name in names:
            if name:
                keys.setdefault(_norm(name), ident)
    for ident, _names, extra in rows:
        for key in extra:
            if key:
                keys.setdefault(_norm(key), ident)
    for ident, names, _extra in rows:
        candidates.append((ident, ident))
        candidates.extend((name, ident) for name in names if name)
    return _Vocabulary(field, keys, tuple(candidates))


def _named_rows(frame: pd.DataFrame, id_col: str = "id") -> list[tuple[str, list[str], list[str]]]:
    return [
        (cells.text(r[id_col]), [cells.text(r["name_zh"]), cells.text(r["name_en"])], [])
        for _, r in frame.iterrows()
    ]


def _vocabularies(ds: Dataset) -> dict[str, _Vocabulary]:
    industries = [
        (
            cells.text(r["id"]),
            [cells.text(r["name_zh"]), cells.text(r["name_en"])],
            cells.text_list(r["aliases"]) if "aliases" in r else [],
        )
        for _, r in ds.industries.iterrows()
    ]
    districts = []
    for _, r in ds.districts.iterrows():
        zh, en = cells.text(r["name_zh"]), cells.text(r["name_en"])
        short = [
            _strip_suffix(zh, _DISTRICT_SUFFIXES_ZH, min_len=2),
            _strip_suffix(en.casefold(), _DISTRICT_SUFFIXES_EN, min_len=2),
        ]
        districts.append((cells.text(r["adcode"]), [zh, en], [s for s in short if s]))
    levels = [(code, list(labels), []) for code, labels in LEVELS.items()]
    return {
        "belts": _vocabulary("belt", _named_rows(ds.belts)),
        "industries": _vocabulary("industry", industries),
        "tiers": _vocabulary("tier", _named_rows(ds.tiers)),
        "districts": _vocabulary("district", districts),
        "levels": _vocabulary("level", levels),
    }


def _dedupe(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))


def resolve_filter(
    ds: Dataset,
    *,
    belts: Iterable[str] | str = (),
    industries: Iterable[str] | str = (),
    tiers: Iterable[str] | str = (),
    districts: Iterable[str] | str = (),
    levels: Iterable[str] | str = (),
    designated_only: bool = False,
    text: str = "",
) -> ParkFilter:
    """Build a :class:`ParkFilter` from what a user typed.

    Each value may be an id, a Chinese name or an English name (case-insensitive; full-width
    letters are folded); industries also accept their ``aliases``; districts also accept the
    adcode and the name without 区/县/市 (北仑) or " District"/" County"/" City". Duplicates
    are dropped, keeping the order given. ``text`` is the name search ("" for none).

    Raises
    ------
    EmptyValueError
        For an empty or blank value (``--industry ""``): it would otherwise select every park.
        A subclass of UnknownValueError.
    UnknownValueError
        For the first value that matches nothing, with up to five close matches (ids and
        names) as suggestions. ``field`` is ``belt``, ``industry``, ``tier``, ``district`` or
        ``level``.
    """
    vocab = _vocabularies(ds)
    given = {
        "belts": belts,
        "industries": industries,
        "tiers": tiers,
        "districts": districts,
        "levels": levels,
    }
    resolved: dict[str, tuple[str, ...]] = {}
    for name, values in given.items():
        # Not _as_tuple: it reads a lone "" as no value, and "" must be refused, not ignored.
        items = [values] if isinstance(values, str) else list(values if values is not None else ())
        for v in items:
            if not str(v).strip():
                raise EmptyValueError(vocab[name].field, str(v))
        resolved[name] = _dedupe(vocab[name].resolve(str(v)) for v in items)
    return ParkFilter(**resolved, designated_only=designated_only, text=text)


# --------------------------------------------------------------------------------------------
# Selecting parks


def industry_subtrees(ds: Dataset) -> dict[str, frozenset[str]]:
    """Each industry id -> itself and all its descendants (through ``parent_id``).

    The one rule for parent and sub-industries: **a parent industry includes its
    sub-industries**. The filter (:func:`expand_industries`) and the belt × industry matrix
    (:mod:`zones.analysis`, :func:`industry_ancestors`) are both built on it, so a matrix cell
    counts the parks the filter selects.
    """
    industry_ids = [cells.text(v) for v in ds.industries["id"]]
    children: dict[str, list[str]] = {}
    for ident, parent in zip(industry_ids, ds.industries["parent_id"], strict=True):
        if cells.text(parent):
            children.setdefault(cells.text(parent), []).append(ident)
    out: dict[str, frozenset[str]] = {}
    for root in industry_ids:
        selected: set[str] = set()
        stack = [root]
        while stack:  # depth-first over the parent -> children links; `selected` stops cycles
            ident = stack.pop()
            if ident not in selected:
                selected.add(ident)
                stack.extend(children.get(ident, []))
        out[root] = frozenset(selected)
    return out


def industry_ancestors(ds: Dataset) -> dict[str, frozenset[str]]:
    """Each industry id -> itself and every industry that includes it (its ancestors).

    The inverse of :func:`industry_subtrees`: a park linked to an industry counts for each of
    these. An id missing here (not in ``ds.industries``) counts for itself only.
    """
    out: dict[str, set[str]] = {}
    for parent, subtree in industry_subtrees(ds).items():
        for ident in subtree:
            out.setdefault(ident, set()).add(parent)
    return {ident: frozenset(parents) for ident, parents in out.items()}


def expand_industries(ds: Dataset, ids: Iterable[str]) -> set[str]:
    """Industry ids selected by ``ids``: each industry with all its descendants.

    An id may also be a tier id, which selects every industry whose ``tier_id`` is that tier
    (and their descendants). Descendants come from :func:`industry_subtrees`.

    Raises
    ------
    UnknownValueError
        When an id is neither an industry nor a tier.
    """
    table = ds.industries
    industry_ids = [cells.text(v) for v in table["id"]]
    by_tier: dict[str, list[str]] = {}
    for ident, tier in zip(industry_ids, table["tier_id"], strict=True):
        by_tier.setdefault(cells.text(tier), []).append(ident)
    tier_ids = {cells.text(v) for v in ds.tiers["id"]}
    subtrees = industry_subtrees(ds)

    selected: set[str] = set()
    for ident in _as_tuple(ids):
        if ident not in subtrees and ident not in tier_ids:
            rows = [(i, [], []) for i in industry_ids] + [(t, [], []) for t in sorted(tier_ids)]
            raise UnknownValueError("industry", ident, _vocabulary("industry", rows).suggest(ident))
        if ident in subtrees:
            selected |= subtrees[ident]
        for member in by_tier.get(ident, []) if ident in tier_ids else []:
            selected |= subtrees[member]
    return selected


def _mask(ds: Dataset, f: ParkFilter) -> np.ndarray:
    parks = ds.parks
    n = len(parks)
    keep = np.ones(n, dtype=bool)

    def any_of(column: str, wanted: set[str]) -> np.ndarray:
        return np.array(
            [bool(wanted.intersection(cells.text_list(v))) for v in parks[column]], dtype=bool
        )

    if f.belts:
        keep &= any_of("belt_ids", set(f.belts))
    if f.districts:
        keep &= any_of("district_adcodes", set(f.districts))
    if f.levels:
        keep &= np.array([cells.text(v) in f.levels for v in parks["level"]], dtype=bool)
    column = "designated_industry_ids" if f.designated_only else "industry_ids"
    if f.industries:
        keep &= any_of(column, expand_industries(ds, f.industries))
    if f.tiers:
        keep &= any_of(column, expand_industries(ds, f.tiers))
    if f.designated_only and not (f.industries or f.tiers):
        keep &= np.array([bool(cells.text_list(v)) for v in parks[column]], dtype=bool)
    if f.text:
        needle = _norm(f.text)
        haystacks = zip(parks["name_zh"], parks["name_en"], parks["id"], strict=True)
        keep &= np.array(
            [any(needle in _norm(cells.text(v)) for v in values) for values in haystacks],
            dtype=bool,
        )
    return keep


def apply_filter(ds: Dataset, f: ParkFilter) -> gpd.GeoDataFrame:
    """The parks of ``ds`` that match every constraint of ``f``, in their input order.

    The result keeps the input index and columns; an empty filter returns every park.
    """
    return ds.parks[_mask(ds, f)]


def filter_dataset(ds: Dataset, f: ParkFilter) -> Dataset:
    """``ds`` with only the parks matching ``f``, and only their ``park_industries`` rows.

    Every other layer is unchanged (the same objects).
    """
    if f.is_empty:
        return ds
    parks = apply_filter(ds, f)
    kept = set(parks["id"])
    links = ds.park_industries[ds.park_industries["park_id"].isin(kept)]
    return replace(ds, parks=parks, park_industries=links)


# --------------------------------------------------------------------------------------------
# Describing a filter


def _names(frame: pd.DataFrame, id_col: str, ids: Sequence[str], lang: str) -> list[str]:
    """Display names of ``ids`` in ``lang``; an id not in ``frame`` shows as itself."""
    col = "name_zh" if lang == "zh" else "name_en"
    lookup = {cells.text(i): cells.text(n) for i, n in zip(frame[id_col], frame[col], strict=True)}
    return [lookup.get(i) or i for i in ids]


def _join(items: Sequence[str], lang: str) -> str:
    if lang == "zh":
        return "或".join(items)
    if len(items) <= 2:
        return " or ".join(items)
    return ", ".join(items[:-1]) + " or " + items[-1]


def describe_filter(ds: Dataset, f: ParkFilter, count: int, lang: str = "zh") -> str:
    """One sentence saying how many parks match ``f`` and why, in Chinese or English.

    Examples: ``北部湾区产业带中指定发展汽车及零部件的园区 7 个`` and
    ``7 parks in Northern Bay Area Industrial Belt designated for Automobiles and parts``;
    an empty filter gives ``全部园区 12 个`` / ``All 12 parks``.
    Pure: reads ``ds``, changes nothing.

    Raises
    ------
    UnknownValueError
        When ``lang`` is neither ``zh`` nor ``en``.
    """
    if lang not in ("zh", "en"):
        raise UnknownValueError("language", str(lang), ["zh", "en"])
    zh = lang == "zh"
    belts = _names(ds.belts, "id", f.belts, lang)
    districts = _names(ds.districts, "adcode", f.districts, lang)
    industries = _names(ds.industries, "id", f.industries, lang)
    tiers = _names(ds.tiers, "id", f.tiers, lang)
    levels = [LEVELS[c][0 if zh else 1] if c in LEVELS else c for c in f.levels]

    if zh:
        if f.is_empty:
            return f"全部园区 {count} 个"
        verb = "指定发展" if f.designated_only else "涉及"
        phrases = []
        if districts:
            phrases.append(f"位于{_join(districts, lang)}")
        if industries:
            phrases.append(f"{verb}{_join(industries, lang)}")
        if tiers:
            phrases.append(f"{verb}{_join(tiers, lang)}")
        if f.designated_only and not (industries or tiers):
            phrases.append("有指定发展产业")
        if f.text:
            phrases.append(f"名称含“{f.text}”")
        head = f"{_join(belts, lang)}中" if belts else ""
        middle = "、".join(phrases)
        link = "的" if head or middle else ""
        level = _join(levels, lang)
        if level and not level.endswith("级"):  # 级别不详的园区, but 省级园区
            level += "的"
        return f"{head}{middle}{link}{level}园区 {count} 个"

    noun = "park" if count == 1 else "parks"
    if f.is_empty:
        return f"All {count} {noun}"
    subject = f"{count} {_join(levels, lang)} {noun}" if levels else f"{count} {noun}"
    parts = [subject]
    places = [_join(p, lang) for p in (belts, districts) if p]
    if places:
        parts.append("in " + " and ".join(places))
    verb = "designated for" if f.designated_only else "with"
    if industries:
        parts.append(f"{verb} {_join(industries, lang)}")
    if tiers:
        parts.append(f"{'and ' if industries else ''}{verb} {_join(tiers, lang)}")
    if f.designated_only and not (industries or tiers):
        parts.append("with a designated industry")
    if f.text:
        parts.append(f'whose name contains "{f.text}"')
    return " ".join(parts)


# --------------------------------------------------------------------------------------------
# File-name slug

_MAX_SLUG = 80


def _short_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]


def _slug_part(value: str) -> str:
    """``value`` as lowercase ASCII ``[a-z0-9-]``; non-ASCII values become a short hash."""
    slug = re.sub(r"[^a-z0-9]+", "-", value.casefold()).strip("-")
    return slug if slug and value.isascii() else _short_hash(value)


def filter_slug(ds: Dataset, f: ParkFilter) -> str:
    """A short ASCII slug of ``f`` for file names, e.g. ``belt-north_industry-automotive``.

    Constraints appear in a fixed order (belt, industry, tier, district, level, designated,
    text), values joined with ``+``; ``all`` for an empty filter. Non-ASCII text becomes a
    short hash, and a slug longer than 80 characters is cut and ends in a hash of the whole,
    so distinct filters keep distinct slugs. ``ds`` is accepted for symmetry with the other
    functions; the slug depends on the ids only.
    """
    del ds  # the slug is built from ids, which are already ASCII in the data
    if f.is_empty:
        return "all"
    parts = []
    for key, values in (
        ("belt", f.belts),
        ("industry", f.industries),
        ("tier", f.tiers),
        ("district", f.districts),
        ("level", f.levels),
    ):
        if values:
            parts.append(f"{key}-" + "+".join(_slug_part(v) for v in values))
    if f.designated_only:
        parts.append("designated")
    if f.text:
        parts.append(f"text-{_slug_part(f.text)}")
    slug = "_".join(parts)
    if len(slug) > _MAX_SLUG:
        slug = f"{slug[: _MAX_SLUG - 9].rstrip('-_+')}-{_short_hash(slug)}"
    return slug
