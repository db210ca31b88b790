"""The app's view as a query string, so that a copied link reopens the same view. Pure.

Keys (all optional; a missing key is the default):

- one per filter dimension of :data:`zones.model.filters.DIMENSIONS`, its ``url_key``: the ids of a
  multi-valued one, comma-separated (``belt=north-bay,east-port``, ``industry=automotive``,
  ``district=330206``, ``level=national``, ``type=新区``); ``1`` for a flag (``designated=1``);
  the text of a text (``q=杭州湾``, its first :data:`MAX_TEXT` characters);
- ``park``: the selected park's id; ``lang``: ``zh`` (default) or ``en``; ``basemap``:
  ``none`` (default), ``osm``, ``tianditu`` or ``amap``; ``color``: what the map colours parks
  by, one of :data:`zones.map.coloring.COLOR_BY` (``footprint``, the default, is not written);
  ``color_industry``: the industry id parks are coloured by, written with ``color=industry``
  (:data:`VIEW_KEYS`).

:func:`from_query` keeps what it knows and reports everything else as :class:`Notice`\\ s (never
an exception), at most one per key, however hostile the link: a key is read up to
:data:`MAX_VALUES` values, a notice lists at most :data:`SHOWN` of them, each cut to
:data:`SHOWN_CHARS` characters. :func:`to_query` writes only what differs from the defaults.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from zones.map.coloring import COLOR_BY, DEFAULT_COLOR_BY
from zones.model import filters
from zones.model.dataset import Dataset
from zones.model.filters import FLAG, MULTI, ParkFilter
from zones.text import DEFAULT_LANGUAGE, languages

#: The view's own keys, after the filter dimensions'.
VIEW_KEYS = ("park", "lang", "basemap", "color", "color_industry")


def query_keys() -> tuple[str, ...]:
    """Every key of the app's link: each filter dimension's, then :data:`VIEW_KEYS`."""
    return (*(d.url_key for d in filters.DIMENSIONS), *VIEW_KEYS)


#: The link's keys for the standard dimensions (:func:`query_keys` reads the registry anew).
KEYS = query_keys()
DEFAULT_BASEMAP = "none"
#: Longest name search kept from a link: a longer one is cut to this and said so.
MAX_TEXT = 100
#: Distinct values read per key of a link; any further ones are counted, not read.
MAX_VALUES = 200
#: Ignored values a notice lists (the rest are counted), and the length each is cut to.
SHOWN = 5
SHOWN_CHARS = 40

_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off", "")


@dataclass(frozen=True, init=False)
class ViewState:
    """Filter (ids), selected park, language, basemap and the map's colouring (what parks are
    coloured by, and the industry when by one): everything a link restores.

    Build it with a :class:`~zones.model.filters.ParkFilter` or with the filter's keywords
    (``ViewState(belts=("north",), park="p1")``); read a dimension as an attribute
    (``state.belts``), as on the filter.
    """

    park_filter: ParkFilter
    park: str | None
    lang: str
    basemap: str
    color_by: str
    color_industry: str | None

    def __init__(
        self,
        park_filter: ParkFilter | None = None,
        park: str | None = None,
        lang: str = DEFAULT_LANGUAGE,
        basemap: str = DEFAULT_BASEMAP,
        color_by: str = DEFAULT_COLOR_BY,
        color_industry: str | None = None,
        **values: Any,
    ) -> None:
        f = park_filter or ParkFilter()
        if values:
            f = ParkFilter(f.values, **values)
        object.__setattr__(self, "park_filter", f)
        object.__setattr__(self, "park", park)
        object.__setattr__(self, "lang", lang)
        object.__setattr__(self, "basemap", basemap)
        object.__setattr__(self, "color_by", color_by)
        object.__setattr__(self, "color_industry", color_industry)

    def __getattr__(self, name: str) -> Any:
        # Only for names that are not attributes: a filter dimension's key reads its value.
        if name.startswith("_") or name == "park_filter":
            raise AttributeError(name)
        return getattr(self.park_filter, name)


@dataclass(frozen=True)
class Notice:
    """What one query key of the link held that the view does not take as given.

    ``key`` is the query key (``belt``...). ``values``: the first :data:`SHOWN` values that
    were ignored, each cut to :data:`SHOWN_CHARS` characters (:func:`shorten`); ``more``: how
    many other values were ignored; ``unread``: how many values came after the first
    :data:`MAX_VALUES` of the key and were not read. ``cut``: the name search (``q``) was
    longer than :data:`MAX_TEXT` and its first :data:`MAX_TEXT` characters are applied;
    ``values`` then holds the start of the applied text.
    """

    key: str
    values: tuple[str, ...] = ()
    more: int = 0
    unread: int = 0
    cut: bool = False


def shorten(value: str, limit: int = SHOWN_CHARS) -> str:
    """``value`` cut to ``limit`` characters, the last being "…" when anything was cut."""
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _notice(key: str, ignored: Sequence[str], unread: int = 0) -> Notice:
    shown = tuple(shorten(v) for v in ignored[:SHOWN])
    return Notice(key, shown, more=len(ignored) - len(shown), unread=unread)


def allowed_values(ds: Dataset, basemaps: Collection[str]) -> dict[str, frozenset[str]]:
    """The values each query key accepts for dataset ``ds`` and the basemaps on offer."""

    def ids(values: Iterable[object]) -> frozenset[str]:
        return frozenset(str(v) for v in values)

    out = {
        d.url_key: ids(o.id for o in d.options(ds)) for d in filters.DIMENSIONS if d.kind == MULTI
    }
    return out | {
        "park": ids(ds.parks["id"]),
        "lang": frozenset(languages()),
        "basemap": frozenset(basemaps),
        "color": frozenset(COLOR_BY),
        "color_industry": ids(ds.industries["id"]),
    }


def _values(raw: str | Sequence[str] | None) -> tuple[list[str], int]:
    """The distinct values of one key (repeated keys and comma-separated lists, blanks
    dropped), at most :data:`MAX_VALUES` of them; and how many more distinct values it held."""
    if raw is None:
        return [], 0
    items = [raw] if isinstance(raw, str) else list(raw)
    out: dict[str, None] = {}
    unread: set[str] = set()
    for item in items:
        for part in str(item).split(","):
            part = part.strip()
            if not part or part in out:
                continue
            if len(out) < MAX_VALUES:
                out[part] = None
            else:
                unread.add(part)
    return list(out), len(unread)


def _last(raw: str | Sequence[str] | None) -> str:
    if raw is None:
        return ""
    if isinstance(raw, str):
        return raw.strip()
    return str(raw[-1]).strip() if len(raw) else ""


def from_query(
    params: Mapping[str, str | Sequence[str]],
    allowed: Mapping[str, Collection[str]],
) -> tuple[ViewState, list[Notice]]:
    """Read a view from query parameters; unknown values are dropped and reported.

    ``params`` maps each key to its value or list of values (``st.query_params`` gives the
    last value by key; pass ``{k: st.query_params.get_all(k) for k in st.query_params}``).
    Keys not listed in :func:`query_keys` are left alone and not reported.
    """
    notices: list[Notice] = []
    chosen: dict[str, Any] = {}
    for d in filters.DIMENSIONS:
        key, raw = d.url_key, params.get(d.url_key)
        if d.kind == MULTI:
            values, unread = _values(raw)
            known = allowed.get(key, ())
            chosen[d.key] = tuple(v for v in values if v in known)
            ignored = [v for v in values if v not in known]
            if ignored or unread:
                notices.append(_notice(key, ignored, unread))
        elif d.kind == FLAG:
            flag = _last(raw).lower()
            chosen[d.key] = flag in _TRUE
            if flag not in _TRUE + _FALSE:
                notices.append(_notice(key, [flag]))
        else:
            text = _last(raw)
            if len(text) > MAX_TEXT:
                text = text[:MAX_TEXT].strip()  # applied, and the notice says so
                notices.append(Notice(key, (shorten(text),), cut=True))
            chosen[d.key] = text

    singles: dict[str, str | None] = {}
    defaults = {
        "park": None,
        "lang": DEFAULT_LANGUAGE,
        "basemap": DEFAULT_BASEMAP,
        "color": DEFAULT_COLOR_BY,
        "color_industry": None,
    }
    for key, default in defaults.items():
        value = _last(params.get(key))
        if not value:
            singles[key] = default
        elif value in allowed.get(key, ()):
            singles[key] = value
        else:
            notices.append(_notice(key, [value]))
            singles[key] = default

    state = ViewState(
        ParkFilter(**chosen),
        park=singles["park"],
        lang=singles["lang"] or DEFAULT_LANGUAGE,
        basemap=singles["basemap"] or DEFAULT_BASEMAP,
        color_by=singles["color"] or DEFAULT_COLOR_BY,
        color_industry=singles["color_industry"],
    )
    return state, notices


def to_query(state: ViewState) -> dict[str, str]:
    """The query parameters of ``state``: only non-default values, lists comma-separated."""
    out: dict[str, str] = {}
    for d in filters.DIMENSIONS:
        value = state.park_filter.get(d.key)
        if value:
            out[d.url_key] = (
                ",".join(value) if d.kind == MULTI else "1" if d.kind == FLAG else str(value)
            )
    if state.park:
        out["park"] = state.park
    if state.lang != DEFAULT_LANGUAGE:
        out["lang"] = state.lang
    if state.basemap != DEFAULT_BASEMAP:
        out["basemap"] = state.basemap
    if state.color_by != DEFAULT_COLOR_BY:
        out["color"] = state.color_by
    if state.color_by == "industry" and state.color_industry:
        out["color_industry"] = state.color_industry
    return out


def query_updates(
    current: Mapping[str, str | Sequence[str]], wanted: Mapping[str, str]
) -> tuple[dict[str, str], list[str]]:
    """What to set and what to delete so ``current``'s :func:`query_keys` become ``wanted``.

    Keys that are not the app's are left alone. Both results are empty when nothing changes,
    so the app does not touch the browser's URL needlessly.
    """
    to_set = {
        k: v for k, v in wanted.items() if _last(current.get(k)) != v or _multi(current.get(k))
    }
    to_delete = [k for k in query_keys() if k in current and k not in wanted]
    return to_set, to_delete


def _multi(raw: str | Sequence[str] | None) -> bool:
    return raw is not None and not isinstance(raw, str) and len(raw) > 1
