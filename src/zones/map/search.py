"""What a park can be found by on the map: its names, their pinyin and its aliases.

The map's search box (``static/zones/map-tools.js``) matches what the user types against each
park's keys, computed here once per park (and cached with the map's GeoJSON): the Chinese and
English names, the full pinyin of the Chinese name without tones (``ningboqianwanxinqu``), its
initials (``nbqwxq``) and every alias the data gives (an ``aliases`` column, when the parks have
one). Keys are lower case with spaces and punctuation removed, as :func:`normalize` makes what
the user types.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from zones.model import cells

_KEEP = re.compile(r"[\W_]+", re.UNICODE)


def normalize(text: Any) -> str:
    """``text`` in lower case (NFKC: full-width letters become ASCII), without spaces or
    punctuation: what search keys and queries are compared as."""
    folded = unicodedata.normalize("NFKC", "" if text is None else str(text)).lower()
    return _KEEP.sub("", folded)


#: Marks what pypinyin returns as it was (not Chinese), so initials keep it whole.
_AS_IS = "\x00"


@functools.lru_cache(maxsize=1 << 17)
def pinyin(name: str) -> tuple[str, str]:
    """(full pinyin, initials) of the Chinese characters of ``name``, lower case, no tones;
    other characters are kept (``测试园区3`` -> ``("ceshiyuanqu3", "csyq3")``).

    One pypinyin conversion gives both (a syllable's initial is its first letter), about
    0.3 ms a name; cached for every name seen, so a new store revision (a correction accepted)
    converts only the names that changed."""
    from pypinyin import lazy_pinyin  # ~0.2 s to load its dictionary: only when needed

    parts = lazy_pinyin(name, errors=lambda chars: [_AS_IS + chars])
    full = "".join(p.removeprefix(_AS_IS) for p in parts)
    initials = "".join(p[1:] if p.startswith(_AS_IS) else p[:1] for p in parts)
    return normalize(full), normalize(initials)


def search_keys(name_zh: Any, name_en: Any = None, aliases: Iterable[Any] = ()) -> list[str]:
    """A park's search keys, normalized, without duplicates, in this order: Chinese name, its
    pinyin and initials, English name, then each alias and its pinyin."""

    def with_pinyin(value: Any) -> list[str]:
        text = cells.text(value)
        return [normalize(text), *pinyin(text)] if text else []

    keys = [*with_pinyin(name_zh), normalize(cells.text(name_en))]
    for alias in aliases:
        keys.extend(with_pinyin(alias))
    return list(dict.fromkeys(k for k in keys if k))
