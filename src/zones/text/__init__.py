"""Every string a user sees, from one catalog per language, behind one lookup: :func:`t`.

The catalogs are TOML files in ``catalogs/`` (``zh.toml``, ``en.toml``), one per code in
:data:`LANGUAGES`, all with the same keys. A section groups keys by their first part:
``[app]`` + ``title = "…"`` is the key ``app.title``; a quoted key keeps its dots
(``[gis]`` + ``"how.id" = "…"`` is ``gis.how.id``). Values are text with ``{name}``
placeholders, except the few structured entries :func:`value` reads (the filter sentence's
groups). ``[language]`` describes the catalog's language: ``name`` (its own name, in the
language switch), ``html`` (its BCP 47 tag) and ``data`` (which of the data's languages,
``name_zh`` or ``name_en``, to show names in when the data has no column of its own).

Adding a language: copy ``catalogs/zh.toml`` to ``catalogs/<code>.toml``, translate every value
and set its ``[language]``, and add ``<code>`` to :data:`LANGUAGES`. ``tests/test_text.py``
checks that every catalog has every key.

A missing key or language is a bug: :func:`t` raises :class:`MissingTextError` when
:data:`STRICT` is true (the tests set ``ZONES_STRICT_TEXT=1``); otherwise it logs a warning once
and falls back to Chinese, so a page never breaks over one string. Escaping data text for its
destination is :mod:`zones.text.escape`'s job; values are inserted as given.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

#: Every language the app, the CLI and the exports speak, in the language switch's order; each
#: has a catalog ``catalogs/<code>.toml``. Read at call time, never copied at import.
LANGUAGES: tuple[str, ...] = ("zh", "en")
#: The language of a missing choice, and of the fallback when a string is missing.
DEFAULT_LANGUAGE = "zh"
#: Where the catalogs are.
CATALOG_DIR = Path(__file__).with_name("catalogs")
#: Raise on a missing key or language instead of falling back (tests; ``ZONES_STRICT_TEXT=1``).
STRICT = os.environ.get("ZONES_STRICT_TEXT") == "1"

_log = logging.getLogger(__name__)
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_warned: set[tuple[str, str]] = set()


class MissingTextError(KeyError):
    """A key or a language that no catalog has (a bug, not a user error)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def catalog_path(lang: str) -> Path:
    """The catalog file of ``lang``."""
    return CATALOG_DIR / f"{lang}.toml"


def _flatten(table: Mapping[str, Any], prefix: str, out: dict[str, Any], where: Path) -> None:
    for key, item in table.items():
        full = f"{prefix}.{key}" if prefix else key
        if isinstance(item, Mapping):
            _flatten(item, full, out, where)
        elif full in out:
            raise ValueError(f"{where}: key {full!r} is written twice")
        else:
            out[full] = item


@functools.cache
def _load(folder: Path, lang: str) -> dict[str, Any]:
    path = folder / f"{lang}.toml"
    if not path.is_file():
        raise MissingTextError(f"language {lang!r} has no catalog: {path} is missing")
    with path.open("rb") as f:
        data = tomllib.load(f)
    out: dict[str, Any] = {}
    _flatten(data, "", out, path)
    return out


def catalog(lang: str) -> dict[str, Any]:
    """The catalog of ``lang``: key -> text (or structure), read once per file.

    Raises
    ------
    MissingTextError
        When ``lang`` is not in :data:`LANGUAGES` or has no catalog file.
    """
    if lang not in LANGUAGES:
        raise MissingTextError(f"no language {lang!r}; the languages are {', '.join(LANGUAGES)}")
    return _load(CATALOG_DIR, lang)


def _missing(key: str, lang: str, problem: str) -> None:
    """Raise (when strict) or warn once that ``key`` in ``lang`` falls back to Chinese."""
    if STRICT:
        raise MissingTextError(problem)
    if (key, lang) not in _warned:
        _warned.add((key, lang))
        _log.warning("%s; using the %s text instead", problem, DEFAULT_LANGUAGE)


def value(key: str, lang: str) -> Any:
    """The entry ``key`` of ``lang``'s catalog as written (text, or a structured entry).

    Raises
    ------
    MissingTextError
        When strict and ``lang`` or ``key`` is missing; else also when not even the Chinese
        catalog has ``key``.
    """
    if lang not in LANGUAGES:
        _missing(key, lang, f"no language {lang!r}; the languages are {', '.join(LANGUAGES)}")
        lang = DEFAULT_LANGUAGE
    entries = catalog(lang)
    if key in entries:
        return entries[key]
    if lang != DEFAULT_LANGUAGE:
        _missing(key, lang, f"no text {key!r} in {catalog_path(lang)}")
        entries = catalog(DEFAULT_LANGUAGE)
        if key in entries:
            return entries[key]
    raise MissingTextError(f"no text {key!r} in {catalog_path(DEFAULT_LANGUAGE)}")


def has(key: str, lang: str = DEFAULT_LANGUAGE) -> bool:
    """Whether ``lang``'s catalog has ``key``."""
    return lang in LANGUAGES and key in catalog(lang)


def fill(template: str, **fields: Any) -> str:
    """``template`` with each ``{name}`` given in ``fields`` replaced by it, in one pass (a
    value's own braces stay as they are); other placeholders are kept."""
    if not fields:
        return template
    return _PLACEHOLDER.sub(lambda m: str(fields.get(m.group(1), m.group(0))), template)


def t(key: str, lang: str, **fields: Any) -> str:
    """The text ``key`` in ``lang`` with its ``{name}`` placeholders filled from ``fields``.

    Values are inserted as given: escape data text for its destination first
    (:mod:`zones.text.escape`). A missing key or language falls back to Chinese with a logged
    warning, or raises :class:`MissingTextError` when :data:`STRICT`.
    """
    text = value(key, lang)
    if not isinstance(text, str):
        raise MissingTextError(f"{key!r} is a structured entry, not text: read it with value()")
    return fill(text, **fields)


def languages() -> tuple[str, ...]:
    """:data:`LANGUAGES` as it is now (for a caller that keeps no reference to this module)."""
    return LANGUAGES


def norm_lang(lang: str | None) -> str:
    """``lang`` if it is one of :data:`LANGUAGES`, else :data:`DEFAULT_LANGUAGE` (for a choice
    from outside, such as a link's ``lang``)."""
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def language_name(lang: str) -> str:
    """``lang``'s own name (中文, English), as the language switch shows it."""
    return t("language.name", lang)


def data_languages(lang: str) -> tuple[str, ...]:
    """The languages of the data (``name_zh``, ``name_en``…) to show in ``lang``, best first:
    ``lang`` itself, the one its catalog names (``language.data``), then every other
    language's. ``zh`` -> (zh, en); ``en`` -> (en, zh)."""
    return _data_languages(lang, LANGUAGES, CATALOG_DIR)


@functools.lru_cache(maxsize=64)
def _data_languages(lang: str, languages: tuple[str, ...], folder: Path) -> tuple[str, ...]:
    del folder  # part of the cache key: another catalog folder may say otherwise
    order = [lang, t("language.data", lang)]
    order += [t("language.data", other) for other in languages]
    return tuple(dict.fromkeys(order))


def pick(values: Mapping[str, Any], lang: str) -> str:
    """The first non-blank of ``values`` (language -> text) in :func:`data_languages` order;
    '' when all are blank."""
    for code in data_languages(lang):
        text = values.get(code)
        if isinstance(text, str) and text.strip():
            return text.strip()
    return ""


def placeholders(text: str) -> set[str]:
    """The ``{name}`` placeholders of ``text``."""
    return set(_PLACEHOLDER.findall(text))
