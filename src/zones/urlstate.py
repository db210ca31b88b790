"""The app's view as a query string, so that a copied link reopens the same view. Pure.

Keys (all optional; a missing key is the default):

============  ==========================================  ===========================
key           value                                       example
============  ==========================================  ===========================
belt          belt ids, comma-separated                   ``belt=north-bay,east-port``
industry      industry ids (a parent includes children)   ``industry=automotive``
tier          tier ids                                    ``tier=emerging``
district      district adcodes                            ``district=330206``
level         park levels                                 ``level=national``
designated    ``1`` for designated industries only        ``designated=1``
q             name search text (first 100 characters)     ``q=杭州湾``
park          the selected park's id                      ``park=ningbo-etdz``
lang          ``zh`` (default) or ``en``                  ``lang=en``
basemap       ``none`` (default), ``osm``, ``tianditu``, ``amap``
============  ==========================================  ===========================

:func:`from_query` keeps what it knows and reports everything else as :class:`Notice`\\ s (never
an exception), at most one per key, however hostile the link: a key is read up to
:data:`MAX_VALUES` values, a notice lists at most :data:`SHOWN` of them, each cut to
:data:`SHOWN_CHARS` characters. :func:`to_query` writes only what differs from the defaults.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from zones.dataset import Dataset
from zones.filters import LEVELS
from zones.i18n import DEFAULT_LANG, LANGS

#: Query keys of multi-valued filters, with the ViewState field each fills.
LIST_KEYS = {
    "belt": "belts",
    "industry": "industries",
    "tier": "tiers",
    "district": "districts",
    "level": "levels",
}
KEYS = (*LIST_KEYS, "designated", "q", "park", "lang", "basemap")
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


@dataclass(frozen=True)
class ViewState:
    """Filters (ids), selected park, language and basemap: everything a link restores."""

    belts: tuple[str, ...] = ()
    industries: tuple[str, ...] = ()
    tiers: tuple[str, ...] = ()
    districts: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()
    designated_only: bool = False
    text: str = ""
    park: str | None = None
    lang: str = DEFAULT_LANG
    basemap: str = DEFAULT_BASEMAP


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

    return {
        "belt": ids(ds.belts["id"]),
        "industry": ids(ds.industries["id"]),
        "tier": ids(ds.tiers["id"]),
        "district": ids(ds.districts["adcode"]),
        "level": frozenset(LEVELS),
        "park": ids(ds.parks["id"]),
        "lang": frozenset(LANGS),
        "basemap": frozenset(basemaps),
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
    Keys not listed in :data:`KEYS` are left alone and not reported.
    """
    notices: list[Notice] = []
    lists: dict[str, tuple[str, ...]] = {}
    for key, name in LIST_KEYS.items():
        values, unread = _values(params.get(key))
        known = allowed.get(key, ())
        lists[name] = tuple(v for v in values if v in known)
        ignored = [v for v in values if v not in known]
        if ignored or unread:
            notices.append(_notice(key, ignored, unread))

    designated_raw = _last(params.get("designated")).lower()
    designated = designated_raw in _TRUE
    if designated_raw not in _TRUE + _FALSE:
        notices.append(_notice("designated", [designated_raw]))

    text = _last(params.get("q"))
    if len(text) > MAX_TEXT:
        text = text[:MAX_TEXT].strip()  # applied, and the notice says so
        notices.append(Notice("q", (shorten(text),), cut=True))

    singles: dict[str, str | None] = {}
    for key, default in (("park", None), ("lang", DEFAULT_LANG), ("basemap", DEFAULT_BASEMAP)):
        value = _last(params.get(key))
        if not value:
            singles[key] = default
        elif value in allowed.get(key, ()):
            singles[key] = value
        else:
            notices.append(_notice(key, [value]))
            singles[key] = default

    state = ViewState(
        **lists,
        designated_only=designated,
        text=text,
        park=singles["park"],
        lang=singles["lang"] or DEFAULT_LANG,
        basemap=singles["basemap"] or DEFAULT_BASEMAP,
    )
    return state, notices


def to_query(state: ViewState) -> dict[str, str]:
    """The query parameters of ``state``: only non-default values, lists comma-separated."""
    out: dict[str, str] = {}
    for key, name in LIST_KEYS.items():
        values = getattr(state, name)
        if values:
            out[key] = ",".join(values)
    if state.designated_only:
        out["designated"] = "1"
    if state.text:
        out["q"] = state.text
    if state.park:
        out["park"] = state.park
    if state.lang != DEFAULT_LANG:
        out["lang"] = state.lang
    if state.basemap != DEFAULT_BASEMAP:
        out["basemap"] = state.basemap
    return out


def query_updates(
    current: Mapping[str, str | Sequence[str]], wanted: Mapping[str, str]
) -> tuple[dict[str, str], list[str]]:
    """What to set and what to delete so ``current``'s :data:`KEYS` become ``wanted``.

    Keys that are not the app's are left alone. Both results are empty when nothing changes,
    so the app does not touch the browser's URL needlessly.
    """
    to_set = {
        k: v for k, v in wanted.items() if _last(current.get(k)) != v or _multi(current.get(k))
    }
    to_delete = [k for k in KEYS if k in current and k not in wanted]
    return to_set, to_delete


def _multi(raw: str | Sequence[str] | None) -> bool:
    return raw is not None and not isinstance(raw, str) and len(raw) > 1
