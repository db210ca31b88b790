"""The text catalogs (zones.text): one per language, the same keys in each, one lookup.

A third language is a catalog file and its code in LANGUAGES: tests/test_app.py renders the app
in a throwaway one (tests.factories.pseudo_language); here the library and the CLI speak it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import logging
import re
import tomllib
import zipfile
from importlib import resources
from pathlib import Path

import pytest

from tests.conftest import HOSTILE
from tests.factories import make_dataset, pseudo_language
from zones import text
from zones.cli.main import parser
from zones.io.bundle import bundle_bytes
from zones.io.qgis import layer_qml
from zones.model import fields
from zones.model.filters import DIMENSIONS, ParkFilter, describe_filter
from zones.present.report import report_html
from zones.text import MissingTextError, t
from zones.text.escape import html_text, md_text, plain_text

ROOT = Path(__file__).resolve().parents[1]
#: Keys whose text may be empty in some language (punctuation, a word a language does without).
MAY_BE_EMPTY = re.compile(r"^(punct\.|sentence\.link$)")
#: A lookup in the code: t("key", ...), value("key", ...), has("key"), label("prefix", code).
CALL = re.compile(
    r"""(?<![.\w])(?:text\.)?(t|value|has|label)\(\s*(f?)"([^"]+)"(?:,\s*(f?)"([^"]*)")?"""
)


def _keys(lang: str) -> set[str]:
    return set(text.catalog(lang))


# --- every key in every catalog ---------------------------------------------------------------


def test_every_language_has_a_catalog_with_every_key() -> None:
    assert text.LANGUAGES[0] == text.DEFAULT_LANGUAGE == "zh"  # Chinese first
    everything = set().union(*(_keys(lang) for lang in text.LANGUAGES))
    assert len(everything) > 300
    for lang in text.LANGUAGES:
        assert text.catalog_path(lang).is_file()
        missing = everything - _keys(lang)
        assert not missing, f"{lang}.toml lacks {sorted(missing)}"


@pytest.mark.parametrize("key", sorted(text.catalog(text.DEFAULT_LANGUAGE)))
def test_every_key_is_the_same_kind_of_entry_with_the_same_placeholders(key: str) -> None:
    entries = {lang: text.catalog(lang)[key] for lang in text.LANGUAGES}
    kinds = {type(v) for v in entries.values()}
    assert len(kinds) == 1, entries
    if kinds == {str}:
        said = {lang: text.placeholders(v) for lang, v in entries.items()}
        assert len({frozenset(p) for p in said.values()}) == 1, said
        if not MAY_BE_EMPTY.match(key):
            assert all(v.strip() for v in entries.values()), entries


def test_each_catalog_names_its_language() -> None:
    names = [text.language_name(lang) for lang in text.LANGUAGES]
    assert names == ["中文", "English"] and len(set(names)) == len(names)
    data_columns = {f.name for f in fields.FIELDS["parks"]}
    for lang in text.LANGUAGES:
        assert f"name_{t('language.data', lang)}" in data_columns, lang
        assert re.fullmatch(r"[a-z]{2,3}(-[A-Z]{2})?", t("language.html", lang)), lang
    assert text.data_languages("zh") == ("zh", "en")
    assert text.data_languages("en") == ("en", "zh")


def test_the_filter_sentence_places_every_dimension_once_in_every_language() -> None:
    keys = [d.key for d in DIMENSIONS]
    for lang in text.LANGUAGES:
        groups = text.value("sentence.groups", lang)
        placed = [key for g in groups for key in g["dims"]]
        assert sorted(placed) == sorted(keys), lang
        names = {g["name"] for g in groups}
        for pattern in ("sentence.some", "sentence.some.one"):
            assert text.placeholders(t(pattern, lang)) == names | {"count", "link"}, lang
        for g in groups:
            assert set(g) <= {"name", "dims", "item", "sep", "wrap"}, g
            assert text.placeholders(g.get("item", "{part}")) == {"part"}
            assert text.placeholders(g.get("wrap", "{parts}")) == {"parts"}


def _used_keys() -> list[tuple[str, str]]:
    """(file, key pattern) for every literal lookup in the library and the app; an f-string's
    ``{...}`` is any text."""
    files = [*sorted((ROOT / "src" / "zones").rglob("*.py")), ROOT / "app.py"]
    files += sorted((ROOT / "zones_app").glob("*.py"))
    out = []
    for path in files:
        for m in CALL.finditer(path.read_text(encoding="utf-8")):
            func, is_f, key, _, second = m.groups()
            if func == "label":  # label("fmt", code): every fmt.* key
                key, is_f = f"{key}.{{code}}", "f"
            elif func == "value" and second is None and "." not in key:
                continue  # some other value(...)
            pattern = re.escape(key)
            if is_f:
                pattern = re.sub(r"\\\{[^}]*\\\}", ".+", pattern)
            out.append((path.name, pattern))
    return out


def test_every_key_the_code_looks_up_is_in_every_catalog() -> None:
    used = _used_keys()
    assert len(used) > 250  # the scan finds the lookups
    for lang in text.LANGUAGES:
        keys = _keys(lang)
        missing = [(name, p) for name, p in used if not any(re.fullmatch(p, k) for k in keys)]
        assert not missing, (lang, missing)


def test_no_module_branches_on_a_language_code() -> None:
    """Languages differ by catalog only: no ``lang == "en"`` in the modules that moved theirs
    (the importer's and the map's are their engineers' to move)."""
    moved = [
        "io/bundle",
        "geo/crs",
        "model/fields",
        "model/filters",
        "text/i18n",
        "io/qgis",
        "present/report",
        "present/selection",
        "present/views",
    ]
    branch = re.compile(r"""lang\s*[!=]=\s*["'](zh|en)["']|["'](zh|en)["']\s+if\s+lang""")
    offenders = [
        name
        for name in moved
        if branch.search((ROOT / "src" / "zones" / f"{name}.py").read_text(encoding="utf-8"))
    ]
    assert offenders == []


# --- the lookup --------------------------------------------------------------------------------


def test_t_fills_placeholders_once_and_keeps_unknown_ones() -> None:
    assert t("source.plan_line", "zh", line=58) == "规划原文第58行"
    assert t("source.plan_line", "en", line="{line}") == "plan text, line {line}"
    assert text.fill("{a}-{b}", a="{b}") == "{b}-{b}"  # a value's braces stay as they are


def test_a_missing_key_or_language_is_an_error_in_the_tests() -> None:
    assert text.STRICT  # tests/conftest.py sets ZONES_STRICT_TEXT=1
    with pytest.raises(MissingTextError, match=r"no text 'no\.such\.key' in .*zh\.toml"):
        t("no.such.key", "zh")
    with pytest.raises(MissingTextError, match="no language 'fr'; the languages are zh, en"):
        t("app.title", "fr")
    with pytest.raises(MissingTextError, match="structured entry"):
        t("sentence.groups", "zh")


def test_at_run_time_a_missing_text_falls_back_to_chinese_with_a_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(text, "STRICT", False)
    monkeypatch.delitem(text.catalog("en"), "app.title")
    with caplog.at_level(logging.WARNING, logger="zones.text"):
        assert t("app.title", "en") == t("app.title", "zh")
        assert t("source.plan_line", "fr", line=3) == "规划原文第3行"
    assert "no text 'app.title' in" in caplog.text and "en.toml" in caplog.text
    assert "no language 'fr'" in caplog.text
    with pytest.raises(MissingTextError):  # not even Chinese has it: a bug, said loudly
        t("no.such.key", "en")


def test_the_catalogs_are_package_data() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "text/catalogs/*.toml" in pyproject["tool"]["setuptools"]["package-data"]["zones"]
    shipped = resources.files("zones.text").joinpath("catalogs")
    for lang in text.LANGUAGES:
        with shipped.joinpath(f"{lang}.toml").open("rb") as f:
            assert tomllib.load(f)["language"]["name"] == text.language_name(lang)


# --- escaping ------------------------------------------------------------------------------


def test_the_escapes_make_data_text_inert() -> None:
    assert md_text(HOSTILE) == "&#60;img src&#61;x onerror&#61;alert&#40;1&#41;&#62;"
    assert html_text(HOSTILE) == "&lt;img src=x onerror=alert(1)&gt;"
    assert plain_text("a\x00b\x1b[31mc\u202ed\n e") == "a b [31mc d e"
    assert plain_text(float("nan")) == "" and plain_text(None) == ""
    assert plain_text(b"caf\xc3\xa9") == "café"
    assert plain_text("x" * 10, limit=5) == "xxxx…"


def test_plain_text_knows_pandas_missing_values() -> None:
    import numpy as np
    import pandas as pd

    assert plain_text(pd.NA) == "" and plain_text(np.float64(1.5)) == "1.5"


# --- the command line and a third language -------------------------------------------------


def _lang_choices(top: argparse.ArgumentParser) -> dict[str, tuple[str, ...]]:
    sub = next(a for a in top._actions if isinstance(a, argparse._SubParsersAction))
    out = {}
    for name, command in sub.choices.items():
        for action in command._actions:
            if "--lang" in action.option_strings:
                out[name] = tuple(action.choices)
    return out


def test_cli_lang_choices_are_the_languages(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert _lang_choices(parser()) == {
        "export": text.LANGUAGES,
        "report": text.LANGUAGES,
        "import": text.LANGUAGES,
    }
    pseudo_language(monkeypatch, tmp_path)
    assert set(_lang_choices(parser()).values()) == {("zh", "en", "xx")}


def test_a_third_language_is_a_catalog_and_its_code(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The library speaks a new language from its catalog alone: sentence, briefing, styles and
    the bundle's README (names come from the data language its catalog names, Chinese)."""
    ds = make_dataset(3)
    prefix = pseudo_language(monkeypatch, tmp_path)
    assert text.language_name("xx") == "Pseudo (xx)"
    assert describe_filter(ds, ParkFilter(), 3, "xx") == prefix + "全部园区 3 个"
    f = ParkFilter(belts=["north"], industries=["automotive"], levels=["unknown"])
    sentence = describe_filter(ds, f, 1, "xx")
    assert sentence.startswith(prefix)
    assert sentence.replace(prefix, "") == describe_filter(ds, f, 1, "zh")
    html = report_html(ds, lang="xx", today=dt.date(2024, 1, 2))
    assert f"<title>{prefix}宁波市制造业空间布局简报</title>" in html
    assert '<html lang="zh-CN">' in html  # the catalog's tag (copied from zh)
    qml = layer_qml("parks", ds.parks, lang="xx")
    assert f'label="{prefix}实测范围"' in qml and 'fieldName="name_zh"' in qml
    with zipfile.ZipFile(io.BytesIO(bundle_bytes(ds, lang="xx"))) as zf:
        readme = zf.read("zones-bundle/README.md").decode("utf-8")
    assert readme.startswith(f"{prefix}# zones 数据导出包")
