"""Park filters: one registry of filter dimensions, and the filter they make.

Every dimension a user can filter parks by (belt, industry, tier, district, level, park type,
designated only, name search) is declared **once**, as one :class:`Dimension` in
:data:`DIMENSIONS`: its names (key, link key, CLI option, file-name slug, text keys), its
vocabulary, its mask over the parks and which variant of its phrase the filter sentence says
(:meth:`Dimension.multi` declares a multi-valued one whose names all follow from one).
The app's sidebar and link (:mod:`zones.present.urlstate`), the options of ``zones export``,
:func:`resolve_filter`, :func:`apply_filter`, :func:`describe_filter` and :func:`filter_slug`
all iterate that list (read at call time), so adding a dimension is adding one entry, plus its
texts in every catalog (:mod:`zones.text`): its label, ``field.<url_key>``, its phrase
``say.<key>`` and its place in ``sentence.groups``.

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
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from zones import text
from zones.errors import EmptyValueError, UnknownValueError
from zones.model import cells
from zones.model.dataset import Dataset
from zones.text import t
from zones.text.i18n import PARK_TYPES, pick_name

#: Park levels, in order; each is named ``level.<code>`` in the text catalogs.
LEVELS: tuple[str, ...] = ("national", "provincial", "unknown")

#: Suffixes a district name may be written without (北仑 for 北仑区, Beilun for Beilun District).
_DISTRICT_SUFFIXES_ZH = ("区", "县", "市")
_DISTRICT_SUFFIXES_EN = (" district", " county", " city")
_MAX_SUGGESTIONS = 5

#: The kinds of dimension: several ids (a multiselect, a repeatable option, ``a,b`` in a link),
#: an on/off flag, or free text.
MULTI: Literal["multi"] = "multi"
FLAG: Literal["flag"] = "flag"
TEXT: Literal["text"] = "text"
Kind = Literal["multi", "flag", "text"]
#: A dimension's value in a filter: ids (multi), True (flag) or the text (text).
Value = tuple[str, ...] | bool | str


def _as_tuple(values: Iterable[str] | str | None) -> tuple[str, ...]:
    """``values`` as a tuple of strings; a lone string is one value, not its characters."""
    if values is None:
        return ()
    if isinstance(values, str):
        return (values,) if values else ()
    return tuple(str(v) for v in values)


def _norm(text: str) -> str:
    """Key for comparing what a user typed: NFKC (full-width -> ASCII), trimmed, case-folded."""
    return unicodedata.normalize("NFKC", str(text)).strip().casefold()


def _short_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]


def _slug_part(value: str) -> str:
    """``value`` as lowercase ASCII ``[a-z0-9-]``; non-ASCII values become a short hash."""
    slug = re.sub(r"[^a-z0-9]+", "-", value.casefold()).strip("-")
    return slug if slug and value.isascii() else _short_hash(value)


# --------------------------------------------------------------------------------------------
# What a dimension is


@dataclass(frozen=True)
class Option:
    """One value a multi-valued dimension offers: its id, its names in the data's languages
    (``zh``, ``en``), other keys it accepts, or, for a value the code defines (a park level),
    the text key of its name in every catalog (``text_key``)."""

    id: str
    zh: str = ""
    en: str = ""
    aliases: tuple[str, ...] = ()
    text_key: str = ""

    def name(self, lang: str) -> str:
        """The name in ``lang`` (its catalog text, else its data name in the first of
        :func:`zones.text.data_languages` that it has), else the id."""
        if self.text_key:
            return t(self.text_key, lang)
        names = {"zh": self.zh, "en": self.en}
        for code in text.data_languages(lang):
            if names.get(code):
                return names[code]
        return self.id

    def names(self) -> tuple[str, ...]:
        """Every name it is known by: its data names, and its catalog name in every language."""
        said = [t(self.text_key, lang) for lang in text.LANGUAGES] if self.text_key else []
        return tuple(dict.fromkeys(n for n in (self.zh, self.en, *said) if n))


def _plain(f: ParkFilter) -> str | None:
    """Say a dimension's plain phrase (``say.<key>``) whatever the rest of the filter holds."""
    del f
    return ""


@dataclass(frozen=True)
class Dimension:
    """One way to filter parks, declared once for every consumer.

    Attributes
    ----------
    key
        Its name in a :class:`ParkFilter` (``f.belts``) and in :func:`resolve_filter`.
    name
        What errors call it (``unknown belt 'x'``, ``empty search value``).
    kind
        :data:`MULTI` (several ids), :data:`FLAG` (on/off) or :data:`TEXT` (free text).
    url_key
        Its key in the app's link (:mod:`zones.present.urlstate`).
    cli_option, cli_help
        Its option of ``zones export`` and the option's help.
    slug
        Its prefix in file names (:func:`filter_slug`).
    label
        Text key of its sidebar widget; ``help`` and ``placeholder``: text keys of the
        widget's help and placeholder (``None`` for none; a multiselect's default placeholder
        is ``filter.placeholder``). The link's notices name it by ``field.<url_key>``.
    mask
        ``mask(ds, f)``: which parks of ``ds.parks`` its value in ``f`` keeps (called only
        when it has a value).
    phrase
        ``phrase(f)``: which variant of its phrase in :func:`describe_filter`'s sentence fits
        the filter ``f``: ``""`` for ``say.<key>``, ``"x"`` for ``say.<key>.x``, ``None`` to say
        nothing. Where the phrase goes is each catalog's ``sentence.groups``.
    vocabulary
        ``vocabulary(ds)``: the options of a multi-valued dimension, in display order; it
        resolves what users type, bounds what a link may hold and names ids in sentences.
    choices
        ``choices(ds, lang)``: the sidebar's ``{id: label}``, when not the vocabulary's names.
    slug_value
        One value (an id, or the text) as ASCII for :func:`filter_slug`.
    widget_key
        The app's session-state key of its widget (default ``f_<key>``).
    """

    key: str
    name: str
    kind: Kind
    url_key: str
    cli_option: str
    cli_help: str
    slug: str
    label: str
    mask: Callable[[Dataset, ParkFilter], np.ndarray]
    phrase: Callable[[ParkFilter], str | None] = _plain
    vocabulary: Callable[[Dataset], list[Option]] | None = None
    choices: Callable[[Dataset, str], dict[str, str]] | None = None
    slug_value: Callable[[str], str] = _slug_part
    help: str | None = None
    placeholder: str | None = None
    widget_key: str = ""

    def __post_init__(self) -> None:
        if not self.widget_key:
            object.__setattr__(self, "widget_key", f"f_{self.key}")
        if (self.kind == MULTI) != (self.vocabulary is not None):
            raise ValueError(f"dimension {self.key!r}: a vocabulary if and only if multi-valued")

    @classmethod
    def multi(
        cls,
        key: str,
        name: str,
        *,
        cli_help: str,
        vocabulary: Callable[[Dataset], list[Option]],
        mask: Callable[[Dataset, ParkFilter], np.ndarray],
        **more: Any,
    ) -> Dimension:
        """A multi-valued dimension called ``name`` wherever it is named: its link key, its
        option ``--<name>``, its file-name slug and its label ``filter.<name>``; ``more`` sets
        any other attribute (``help``, ``choices``, ``phrase``, ``slug_value``...)."""
        return cls(
            key=key,
            name=name,
            kind=MULTI,
            url_key=name,
            cli_option=f"--{name}",
            cli_help=cli_help,
            slug=name,
            label=f"filter.{name}",
            mask=mask,
            vocabulary=vocabulary,
            **more,
        )

    @property
    def empty(self) -> Value:
        """Its value when it constrains nothing: ``()``, ``False`` or ``""``."""
        return () if self.kind == MULTI else False if self.kind == FLAG else ""

    def normalize(self, value: Any) -> Value:
        """``value`` as this dimension stores it: a tuple of ids (a list or a lone string is
        accepted), a bool, or stripped text."""
        if self.kind == MULTI:
            return _as_tuple(value)
        if self.kind == FLAG:
            return bool(value)
        return str(value or "").strip()

    def options(self, ds: Dataset) -> list[Option]:
        """Its vocabulary's options for ``ds`` ([] for a flag or a text)."""
        return self.vocabulary(ds) if self.vocabulary is not None else []


def dimension(key: str) -> Dimension:
    """The dimension of :data:`DIMENSIONS` whose ``key`` is ``key``.

    Raises
    ------
    KeyError
        When no dimension has that key.
    """
    for d in DIMENSIONS:
        if d.key == key:
            return d
    raise KeyError(key)


# --------------------------------------------------------------------------------------------
# The filter


@dataclass(frozen=True, init=False)
class ParkFilter:
    """Which parks to show: the value of each dimension that constrains; hashable.

    Build it with one keyword per dimension key (``ParkFilter(belts=("north",),
    designated_only=True)``), lists and lone strings accepted; read a dimension as an attribute
    (``f.belts``, ``f.designated_only``, ``f.text``) or with :meth:`get`. ``values`` holds the
    dimensions that constrain, in :data:`DIMENSIONS` order, so equal filters are equal:

    ``belts``
        Belt ids (``belts.id``); a park matches when it lies in any of them.
    ``industries``
        Industry ids; a park matches when it has any of them or any of their descendants.
    ``tiers``
        Tier ids; a park matches when it has any industry of any of these tiers.
    ``districts``
        District adcodes; a park matches when it lies in any of them.
    ``levels``
        Level codes (``national``, ``provincial``, ``unknown``).
    ``types``
        Park types as the data writes them (``parks.type``: 新区, 综合保税区...).
    ``designated_only``
        Match industries and tiers against the industries a park is *designated* for
        (``designated_industry_ids``) rather than every linked industry; with no industry or
        tier chosen, keep the parks that have any designated industry.
    ``text``
        Case-insensitive substring of the park's Chinese name, English name or id.
    """

    values: tuple[tuple[str, Value], ...] = ()

    def __init__(self, values: Iterable[tuple[str, Any]] = (), **by_key: Any) -> None:
        given = {**dict(values), **by_key}
        known = [d.key for d in DIMENSIONS]
        unknown = sorted(set(given) - set(known))
        if unknown:
            raise TypeError(
                f"ParkFilter got unknown dimension(s) {', '.join(unknown)}; "
                f"known: {', '.join(known)}"
            )
        kept = ((d.key, d.normalize(given[d.key])) for d in DIMENSIONS if d.key in given)
        object.__setattr__(self, "values", tuple((k, v) for k, v in kept if v))

    def get(self, key: str) -> Value:
        """The value of dimension ``key`` (its empty value when it does not constrain)."""
        for k, v in self.values:
            if k == key:
                return v
        return dimension(key).empty

    def __getattr__(self, name: str) -> Any:
        # Only for names that are not attributes: a dimension's key reads its value.
        try:
            dimension(name)
        except KeyError:
            raise AttributeError(f"ParkFilter has no attribute or dimension {name!r}") from None
        return self.get(name)

    @property
    def is_empty(self) -> bool:
        """True when the filter constrains nothing (every park matches)."""
        return not self.values


# --------------------------------------------------------------------------------------------
# Resolving user input to ids


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


def _vocabulary(field: str, options: Iterable[Option]) -> _Vocabulary:
    """Look-ups of ``options``: ids win over names, names over aliases, earlier over later."""
    options = list(options)
    keys: dict[str, str] = {}
    for o in options:
        keys.setdefault(_norm(o.id), o.id)
    for o in options:
        for name in o.names():
            keys.setdefault(_norm(name), o.id)
    for o in options:
        for alias in o.aliases:
            if alias:
                keys.setdefault(_norm(alias), o.id)
    candidates: list[tuple[str, str]] = []
    for o in options:
        candidates.append((o.id, o.id))
        candidates.extend((name, o.id) for name in o.names())
    return _Vocabulary(field, keys, tuple(candidates))


def _dedupe(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))


def resolve_filter(ds: Dataset, **given: Any) -> ParkFilter:
    """Build a :class:`ParkFilter` from what a user typed, one keyword per dimension key:
    ``belts``, ``industries``, ``tiers``, ``districts``, ``levels``, ``types`` (ids or names,
    a list or a lone string), ``designated_only`` (bool), ``text`` (the name search, "" for
    none).

    Each value may be an id, a Chinese name or an English name (case-insensitive; full-width
    letters are folded); industries also accept their ``aliases``; districts also accept the
    adcode and the name without 区/县/市 (北仑) or " District"/" County"/" City"; park types
    their English name or its slug (``new-area``). Duplicates are dropped, keeping the order
    given.

    Raises
    ------
    EmptyValueError
        For an empty or blank value (``--industry ""``): it would otherwise select every park.
        A subclass of UnknownValueError.
    UnknownValueError
        For the first value that matches nothing, with up to five close matches (ids and
        names) as suggestions. ``field`` is the dimension's ``name``: ``belt``, ``industry``,
        ``tier``, ``district``, ``level`` or ``type``.
    TypeError
        For a keyword that is no dimension's key.
    """
    resolved: dict[str, Any] = {}
    for d in DIMENSIONS:
        if d.key in given:
            resolved[d.key] = _resolve(ds, d, given.pop(d.key))
    return ParkFilter(**resolved, **given)  # anything left is unknown: ParkFilter says so


def _resolve(ds: Dataset, d: Dimension, values: Any) -> Any:
    if d.kind != MULTI:
        return values
    # Not _as_tuple: it reads a lone "" as no value, and "" must be refused, not ignored.
    items = [values] if isinstance(values, str) else list(values if values is not None else ())
    for v in items:
        if not str(v).strip():
            raise EmptyValueError(d.name, str(v))
    if not items:
        return ()
    vocab = _vocabulary(d.name, d.options(ds))
    return _dedupe(vocab.resolve(str(v)) for v in items)


# --------------------------------------------------------------------------------------------
# Industries: a parent includes its sub-industries


def industry_subtrees(ds: Dataset) -> dict[str, frozenset[str]]:
    """Each industry id -> itself and all its descendants (through ``parent_id``).

    The one rule for parent and sub-industries: **a parent industry includes its
    sub-industries**. The filter (:func:`expand_industries`) and the belt × industry matrix
    (:mod:`zones.present.analysis`, :func:`industry_ancestors`) are both built on it, so a
    matrix cell counts the parks the filter selects.
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
            options = [Option(i) for i in [*industry_ids, *sorted(tier_ids)]]
            raise UnknownValueError(
                "industry", ident, _vocabulary("industry", options).suggest(ident)
            )
        if ident in subtrees:
            selected |= subtrees[ident]
        for member in by_tier.get(ident, []) if ident in tier_ids else []:
            selected |= subtrees[member]
    return selected


# --------------------------------------------------------------------------------------------
# The dimensions' vocabularies, sidebar choices and masks


def _ordered(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values("order", kind="stable") if "order" in frame else frame


def _named_options(frame: pd.DataFrame, id_col: str = "id") -> list[Option]:
    return [
        Option(cells.text(i), cells.text(zh), cells.text(en))
        for i, zh, en in zip(frame[id_col], frame["name_zh"], frame["name_en"], strict=True)
    ]


def _belt_options(ds: Dataset) -> list[Option]:
    return _named_options(_ordered(ds.belts))


def _tier_options(ds: Dataset) -> list[Option]:
    return _named_options(_ordered(ds.tiers))


def _industry_options(ds: Dataset) -> list[Option]:
    table = ds.industries
    aliases = table["aliases"] if "aliases" in table else [None] * len(table)
    return [
        replace(o, aliases=tuple(cells.text_list(a)))
        for o, a in zip(_named_options(table), aliases, strict=True)
    ]


def _district_options(ds: Dataset) -> list[Option]:
    out = []
    for o in _named_options(ds.districts, "adcode"):
        short = (
            _strip_suffix(o.zh, _DISTRICT_SUFFIXES_ZH, min_len=2),
            _strip_suffix(o.en.casefold(), _DISTRICT_SUFFIXES_EN, min_len=2),
        )
        out.append(replace(o, aliases=tuple(s for s in short if s)))
    return out


def _level_options(ds: Dataset) -> list[Option]:
    del ds  # the levels are fixed
    return [Option(code, text_key=f"level.{code}") for code in LEVELS]


def _type_options(ds: Dataset) -> list[Option]:
    """The park types in ``ds`` (ids are the types as the data writes them), in the order of
    :data:`zones.text.i18n.PARK_TYPES` (where their English names are), then as they come."""
    distinct = dict.fromkeys(ds.parks["type"].tolist())  # each value once, however many parks
    present = dict.fromkeys(k for k in map(cells.stripped, distinct) if k)
    ordered = [k for k in PARK_TYPES if k in present] + [k for k in present if k not in PARK_TYPES]
    out = []
    for kind in ordered:
        en = PARK_TYPES.get(kind, "")
        out.append(Option(kind, kind, en, aliases=(_slug_part(en),) if en else ()))  # new-area
    return out


def _type_slug(value: str) -> str:
    """A park type in file names: its English name as ASCII (``new-area``), else a hash."""
    return _slug_part(PARK_TYPES.get(value, value))


def _industry_choices(ds: Dataset, lang: str) -> dict[str, str]:
    """Industries ordered tier > industry > sub-industry, labelled with their path
    (``优势产业 › 汽车及零部件 › 整车制造``)."""

    def names(frame: pd.DataFrame) -> dict[str, str]:
        return {str(r["id"]): pick_name(r, lang) for _, r in frame.iterrows()}

    tier_names = names(_ordered(ds.tiers))
    industry_names = names(ds.industries)
    parent = {str(r["id"]): str(r["parent_id"] or "") for _, r in ds.industries.iterrows()}
    tier_of = {str(r["id"]): str(r["tier_id"] or "") for _, r in ds.industries.iterrows()}

    def chain(ident: str) -> list[str]:
        out = [ident]
        while parent.get(out[0]) in industry_names and parent[out[0]] not in out:
            out.insert(0, parent[out[0]])
        return out

    def path(ident: str) -> str:
        links = chain(ident)
        tier = tier_of.get(links[0], "")
        head = [tier_names[tier]] if tier in tier_names else []
        return " › ".join(head + [industry_names[i] for i in links])

    # Tier order, then the data's order with each sub-industry right after its parent.
    tier_rank = {ident: rank for rank, ident in enumerate(tier_names)}
    position = {ident: n for n, ident in enumerate(industry_names)}
    order = sorted(
        industry_names,
        key=lambda i: (
            tier_rank.get(tier_of.get(chain(i)[0], ""), len(tier_rank)),
            [position[x] for x in chain(i)],
        ),
    )
    return {i: path(i) for i in order}


def _any_of(ds: Dataset, column: str, wanted: Iterable[str]) -> np.ndarray:
    """Parks whose list column ``column`` holds any of ``wanted``."""
    wanted = set(wanted)
    return np.array(
        [bool(wanted.intersection(cells.text_list(v))) for v in ds.parks[column]], dtype=bool
    )


def _one_of(ds: Dataset, column: str, wanted: Iterable[str]) -> np.ndarray:
    """Parks whose text column ``column`` is one of ``wanted``."""
    wanted = set(wanted)
    return np.array([cells.stripped(v) in wanted for v in ds.parks[column]], dtype=bool)


def _industry_column(f: ParkFilter) -> str:
    return "designated_industry_ids" if f.designated_only else "industry_ids"


def _has_designated(ds: Dataset, f: ParkFilter) -> np.ndarray:
    if f.industries or f.tiers:  # then designated_only narrows them (see _industry_column)
        return np.ones(len(ds.parks), dtype=bool)
    column = ds.parks["designated_industry_ids"]
    return np.array([bool(cells.text_list(v)) for v in column], dtype=bool)


def _name_contains(ds: Dataset, f: ParkFilter) -> np.ndarray:
    needle = _norm(f.text)
    haystacks = zip(ds.parks["name_zh"], ds.parks["name_en"], ds.parks["id"], strict=True)
    return np.array(
        [any(needle in _norm(cells.text(v)) for v in values) for values in haystacks], dtype=bool
    )


_ID_HELP = "id, Chinese or English name"

#: Every filter dimension, in the order of the sidebar, the link, the CLI options, the
#: sentence's parts within a slot and the file-name slug. Read at call time by every consumer.
DIMENSIONS: list[Dimension] = [
    Dimension.multi(
        "belts",
        "belt",
        cli_help=f"belt: {_ID_HELP}",
        vocabulary=_belt_options,
        mask=lambda ds, f: _any_of(ds, "belt_ids", f.belts),
    ),
    Dimension.multi(
        "industries",
        "industry",
        cli_help=f"industry (a parent includes its sub-industries): {_ID_HELP}",
        vocabulary=_industry_options,
        mask=lambda ds, f: _any_of(ds, _industry_column(f), expand_industries(ds, f.industries)),
        help="filter.industry_help",
        choices=_industry_choices,
    ),
    Dimension.multi(
        "tiers",
        "tier",
        cli_help=f"tier of 五个一批: {_ID_HELP}",
        vocabulary=_tier_options,
        mask=lambda ds, f: _any_of(ds, _industry_column(f), expand_industries(ds, f.tiers)),
        phrase=lambda f: "after_industries" if f.industries else "",
    ),
    Dimension.multi(
        "districts",
        "district",
        cli_help=f"district: {_ID_HELP}",
        vocabulary=_district_options,
        mask=lambda ds, f: _any_of(ds, "district_adcodes", f.districts),
    ),
    Dimension.multi(
        "levels",
        "level",
        cli_help=f"level: national, provincial, unknown: {_ID_HELP}",
        vocabulary=_level_options,
        mask=lambda ds, f: _one_of(ds, "level", f.levels),
        phrase=lambda f: "unknown_last" if f.levels[-1:] == ("unknown",) else "",
    ),
    Dimension.multi(
        "types",
        "type",
        cli_help="park type (园区类型, parks.type), e.g. 综合保税区: Chinese or English name",
        vocabulary=_type_options,
        mask=lambda ds, f: _one_of(ds, "type", f.types),
        slug_value=_type_slug,
    ),
    Dimension(
        key="designated_only",
        name="designated",
        kind=FLAG,
        url_key="designated",
        cli_option="--designated-only",
        cli_help="only 一园一业 designations",
        slug="designated",
        label="filter.designated_only",
        help="filter.designated_help",
        widget_key="f_designated",
        mask=_has_designated,
        phrase=lambda f: None if f.industries or f.tiers else "",
    ),
    Dimension(
        key="text",
        name="search",
        kind=TEXT,
        url_key="q",
        cli_option="--search",
        cli_help="text in a park's name or id",
        slug="text",
        label="filter.text",
        placeholder="filter.text_placeholder",
        mask=_name_contains,
    ),
]


def filter_choices(ds: Dataset, lang: str) -> dict[str, dict[str, str]]:
    """Choices of each multi-valued dimension as ``{id: label}`` in display order, by key
    (``belts``, ``industries``...). Industries are ordered tier > industry > sub-industry and
    labelled with their path (``优势产业 › 汽车及零部件 › 整车制造``); the rest by their
    names in ``lang``. Widgets show labels as plain text."""
    out = {}
    for d in DIMENSIONS:
        if d.kind == MULTI:
            if d.choices is not None:
                out[d.key] = d.choices(ds, lang)
            else:
                out[d.key] = {o.id: o.name(lang) for o in d.options(ds)}
    return out


# --------------------------------------------------------------------------------------------
# Selecting parks


def _mask(ds: Dataset, f: ParkFilter) -> np.ndarray:
    keep = np.ones(len(ds.parks), dtype=bool)
    for d in DIMENSIONS:
        if f.get(d.key):
            keep &= d.mask(ds, f)
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


def _ids(value: Value) -> tuple[str, ...]:
    """A multi-valued dimension's value as its ids."""
    return value if isinstance(value, tuple) else ()


def _join(items: Sequence[str], lang: str) -> str:
    """``items`` joined as alternatives: ``a或b或c`` / ``a, b or c`` (``sentence.or_many``
    between all but the last two, ``sentence.or`` before the last)."""
    if len(items) <= 1:
        return "".join(items)
    head = t("sentence.or_many", lang).join(items[:-1])
    return head + t("sentence.or", lang) + items[-1]


def _values_said(ds: Dataset, d: Dimension, value: Value, lang: str) -> str:
    """``value`` of ``d`` in words: names joined (an unknown id as itself), the text, or ""."""
    if d.kind == MULTI:
        names = {o.id: o.name(lang) for o in d.options(ds)}
        return _join([names.get(i) or i for i in _ids(value)], lang)
    return value if isinstance(value, str) else ""


def _group(spec: Mapping[str, Any], phrases: Mapping[str, str]) -> str:
    """One group of the sentence (an entry of ``sentence.groups``): the phrases of its
    dimensions, in its order, each in ``item``, joined by ``sep``, all in ``wrap``; '' when
    none of them says anything."""
    said = [phrases[key] for key in spec.get("dims", ()) if phrases.get(key)]
    if not said:
        return ""
    items = [text.fill(spec.get("item", "{part}"), part=p) for p in said]
    return text.fill(spec.get("wrap", "{parts}"), parts=spec.get("sep", "").join(items))


def describe_filter(ds: Dataset, f: ParkFilter, count: int, lang: str = "zh") -> str:
    """One sentence saying how many parks match ``f`` and why, in ``lang``.

    Examples: ``北部湾区产业带中指定发展汽车及零部件的园区 7 个`` and
    ``7 parks in Northern Bay Area Industrial Belt designated for Automobiles and parts``;
    an empty filter gives ``全部园区 12 个`` / ``All 12 parks``. The words are the catalog's:
    each dimension says its phrase ``say.<key>`` (the variant its :attr:`Dimension.phrase`
    picks) with ``{values}`` its values and ``{verb}`` ``sentence.verb`` (or
    ``sentence.verb.designated``); ``sentence.groups`` puts the phrases into groups, and
    ``sentence.some`` (``.one`` for one park) puts the groups and ``{count}`` in order, with
    ``{link}`` (``sentence.link``) when a group before it said something. Pure: reads ``ds``,
    changes nothing.

    Raises
    ------
    UnknownValueError
        When ``lang`` is not one of :data:`zones.text.LANGUAGES`.
    """
    if lang not in text.LANGUAGES:
        raise UnknownValueError("language", str(lang), list(text.LANGUAGES))
    one = ".one" if count == 1 else ""
    if f.is_empty:
        return t(f"sentence.all{one}", lang, count=count)
    verb = t("sentence.verb.designated" if f.designated_only else "sentence.verb", lang)
    phrases: dict[str, str] = {}
    for d in DIMENSIONS:
        value = f.get(d.key)
        variant = d.phrase(f) if value else None
        if variant is not None:
            key = f"say.{d.key}.{variant}" if variant else f"say.{d.key}"
            phrases[d.key] = t(key, lang, values=_values_said(ds, d, value, lang), verb=verb)
    groups = {g["name"]: _group(g, phrases) for g in text.value("sentence.groups", lang)}
    pattern = text.value(f"sentence.some{one}", lang)
    before_link = text.placeholders(pattern.partition("{link}")[0])
    linked = any(groups.get(name) for name in before_link)
    link = t("sentence.link", lang) if linked else ""
    return text.fill(pattern, count=count, link=link, **groups)


# --------------------------------------------------------------------------------------------
# File-name slug

_MAX_SLUG = 80


def filter_slug(ds: Dataset, f: ParkFilter) -> str:
    """A short ASCII slug of ``f`` for file names, e.g. ``belt-north_industry-automotive``.

    Constraints appear in :data:`DIMENSIONS` order (belt, industry, tier, district, level,
    type, designated, text), each as its ``slug`` prefix: ``prefix-value+value`` for ids,
    the prefix alone for a flag, ``prefix-text`` for a text; ``all`` for an empty filter.
    Non-ASCII values become a short hash (a park type its English name), and a slug longer than
    80 characters is cut and ends in a hash of the whole, so distinct filters keep distinct
    slugs. ``ds`` is accepted for symmetry with the other functions; the slug depends on the
    filter only.
    """
    del ds  # the slug is built from ids, which are already ASCII in the data
    if f.is_empty:
        return "all"
    parts = []
    for d in DIMENSIONS:
        value = f.get(d.key)
        if not value:
            continue
        if d.kind == MULTI:
            parts.append(f"{d.slug}-" + "+".join(d.slug_value(v) for v in _ids(value)))
        elif d.kind == FLAG:
            parts.append(d.slug)
        else:
            parts.append(f"{d.slug}-{d.slug_value(str(value))}")
    slug = "_".join(parts)
    if len(slug) > _MAX_SLUG:
        slug = f"{slug[: _MAX_SLUG - 9].rstrip('-_+')}-{_short_hash(slug)}"
    return slug
