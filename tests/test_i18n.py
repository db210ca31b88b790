"""UI strings: both languages everywhere, placeholders that match, text that stays text."""

from __future__ import annotations

import re

import pytest

from tests.conftest import HOSTILE
from tests.factories import make_dataset
from zones import i18n
from zones.filters import LEVELS
from zones.i18n import LANGS, STRINGS, md_text, t

PLACEHOLDER = re.compile(r"\{(\w+)\}")


@pytest.mark.parametrize("key", sorted(STRINGS))
def test_every_string_has_both_languages_with_the_same_placeholders(key: str) -> None:
    entry = STRINGS[key]
    assert set(entry) == set(LANGS), key
    assert all(entry[lang].strip() for lang in LANGS), key
    assert set(PLACEHOLDER.findall(entry["zh"])) == set(PLACEHOLDER.findall(entry["en"])), key


@pytest.mark.parametrize("layer", ["parks", "belts"])
def test_every_exported_column_is_described_in_both_languages(layer: str) -> None:
    frame = make_dataset(1).layer(layer)
    for lang in LANGS:
        missing = [c for c in frame.columns if not i18n.field_description(c, lang, layer)]
        assert not missing, (layer, lang)
    assert i18n.field_description("no_such_column", "zh") == ""


def test_t_fills_placeholders_and_defaults_to_chinese() -> None:
    assert t("source.plan_line", "zh", line=58) == "规划原文第58行"
    assert t("source.plan_line", "en", line=58) == "plan text, line 58"
    assert t("source.plan_line", "fr", line=58) == "规划原文第58行"
    with pytest.raises(KeyError):
        t("no.such.key", "zh")


@pytest.mark.parametrize(
    ("code", "zh", "en"),
    [
        ("national", "国家级", "national"),
        ("provincial", "省级", "provincial"),
        ("unknown", "级别不详", "unknown-level"),
        ("galactic", "galactic", "galactic"),
    ],
)
def test_level_labels(code: str, zh: str, en: str) -> None:
    assert i18n.level_label(code, "zh") == zh
    assert i18n.level_label(code, "en") == en


def test_level_labels_are_the_filters_labels() -> None:
    for code, (zh, en) in LEVELS.items():
        assert i18n.level_label(code, "zh") == zh
        assert i18n.level_label(code, "en") == en
    assert not [key for key in STRINGS if key.startswith("level.")]  # one source


def test_legend_says_indicative_footprints_are_estimates() -> None:
    assert t("legend.indicative", "zh") == "示意范围（估计）"
    assert t("legend.indicative", "en") == "indicative footprint (estimated)"


@pytest.mark.parametrize(
    "hostile",
    [
        HOSTILE,
        "**bold** _it_ [link](javascript:alert(1)) `code`",
        "$x^2$ :red[red] :material/home: # heading",
        "<script>alert(1)</script>\n\n- item",
        "a\\b & c",
    ],
)
def test_md_text_leaves_no_markup(hostile: str) -> None:
    out = md_text(hostile)
    assert not re.search(r"[<>*_\[\]()`$:#\\]", out.replace("&#", ""))
    # Every character survives as itself or as a numeric reference to itself.
    decoded = re.sub(r"&#(\d+);", lambda m: chr(int(m.group(1))), out)
    assert decoded == re.sub(r"\s+", " ", hostile)


def test_md_text_keeps_chinese_as_is() -> None:
    assert md_text("宁波杭州湾新区") == "宁波杭州湾新区"


def test_html_text_escapes() -> None:
    assert i18n.html_text(HOSTILE) == "&lt;img src=x onerror=alert(1)&gt;"
    assert i18n.html_text('"q"') == "&quot;q&quot;"


def test_pick_name_falls_back_to_the_other_language() -> None:
    assert i18n.pick_name({"name_zh": "甲", "name_en": "A"}, "en") == "A"
    assert i18n.pick_name({"name_zh": "甲", "name_en": ""}, "en") == "甲"
    assert i18n.pick_name({"name_zh": "", "name_en": "A"}, "zh") == "A"
    assert i18n.pick_name({"id": "x", "name_zh": None, "name_en": float("nan")}, "zh") == "x"


@pytest.mark.parametrize(
    ("value", "text"), [(0.64, "0.64"), (4.0, "4"), (12.34, "12.3"), (150.4, "150")]
)
def test_format_km2(value: float, text: str) -> None:
    assert i18n.format_km2(value) == text
