"""What a park can be found by in the map's search box (zones.map.search)."""

from __future__ import annotations

import pytest

from tests.conftest import HOSTILE
from zones.map.search import normalize, pinyin, search_keys


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Ningbo  Qianwan-New Area", "ningboqianwannewarea"), ("ＮＢ　ｑｗ", "nbqw"),
     ("宁波·前湾", "宁波前湾"), (None, ""), (HOSTILE, "imgsrcxonerroralert1")],
)  # fmt: skip
def test_normalize(text: str | None, expected: str) -> None:
    assert normalize(text) == expected


def test_pinyin_and_initials() -> None:
    assert pinyin("宁波前湾新区") == ("ningboqianwanxinqu", "nbqwxq")
    assert pinyin("浙台（象山石浦）经贸合作区")[1] == "ztxsspjmhzq"
    assert pinyin("测试园区3") == ("ceshiyuanqu3", "csyq3")


def test_search_keys_hold_names_pinyin_and_aliases_once() -> None:
    keys = search_keys("宁波前湾新区", "Ningbo Qianwan New Area", ["前湾", "宁波前湾新区"])
    assert keys == [
        "宁波前湾新区", "ningboqianwanxinqu", "nbqwxq", "ningboqianwannewarea",
        "前湾", "qianwan", "qw",
    ]  # fmt: skip
    assert search_keys(None, None) == []


@pytest.mark.parametrize(
    "name",
    [
        "宁波杭州湾经济技术开发区",
        "浙江慈溪滨海经济开发区",
        "宁波（北仑）A区 2号",
        "Park 园 3-B",
        "重庆长安",
        "ABC",
    ],
)
def test_initials_from_one_conversion_equal_pypinyins_first_letters(name: str) -> None:
    """pinyin() makes the initials from the full conversion's syllables (one pypinyin call):
    they must be what pypinyin's FIRST_LETTER style gives."""
    from pypinyin import Style, lazy_pinyin

    expected = normalize("".join(lazy_pinyin(name, style=Style.FIRST_LETTER)))
    assert pinyin(name) == (normalize("".join(lazy_pinyin(name))), expected)
