"""Data in the user's language (zones.text.i18n): names, levels, field descriptions, safe text.

The catalogs themselves (every key in every language, the lookup, a third language) are
tests/test_text.py's.
"""

from __future__ import annotations

import re

import pytest

from tests.conftest import HOSTILE
from tests.factories import make_dataset
from zones import text
from zones.model.filters import LEVELS
from zones.text import escape, i18n
from zones.text.i18n import md_text, t


@pytest.mark.parametrize("layer", ["parks", "belts"])
def test_every_exported_column_is_described_in_both_languages(layer: str) -> None:
    frame = make_dataset(1).layer(layer)
    for lang in text.LANGUAGES:
        missing = [c for c in frame.columns if not i18n.field_description(c, lang, layer)]
        assert not missing, (layer, lang)
    assert i18n.field_description("no_such_column", "zh") == ""


def test_t_is_the_catalogs_lookup_and_the_escapes_are_re_exported() -> None:
    assert i18n.t is text.t and i18n.norm_lang is text.norm_lang
    assert (i18n.md_text, i18n.html_text, i18n.plain_text) == (
        escape.md_text,
        escape.html_text,
        escape.plain_text,
    )
    assert t("source.plan_line", "zh", line=58) == "规划原文第58行"
    assert t("source.plan_line", "en", line=58) == "plan text, line 58"


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
    from zones.model.filters import filter_choices

    for lang in text.LANGUAGES:
        labels = {code: i18n.level_label(code, lang) for code in LEVELS}
        assert filter_choices(make_dataset(1), lang)["levels"] == labels
    assert sorted(key for key in text.catalog("zh") if key.startswith("level.")) == sorted(
        f"level.{code}" for code in LEVELS
    )


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


def test_park_types_are_data_named_in_the_data_language() -> None:
    assert i18n.park_type_label("综合保税区", "en") == "comprehensive bonded zone"
    assert i18n.park_type_label("综合保税区", "zh") == "综合保税区"
    assert i18n.park_type_label(" 某类园区 ", "en") == "某类园区"  # no English name: as written


def test_pick_text_picks_any_column_by_data_language() -> None:
    row = {"unit_zh": "亿元", "unit_en": "100 million yuan"}
    assert i18n.pick_text(row, "unit", "en") == "100 million yuan"
    assert i18n.pick_text(row, "unit", "zh") == "亿元"
    assert i18n.pick_text({"unit_zh": "亿元", "unit_en": float("nan")}, "unit", "en") == "亿元"
    assert i18n.pick_text({}, "unit", "zh") == ""


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
