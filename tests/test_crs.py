"""zones.geo.crs: the one home of the CRS choices and of coordinate precision."""

from __future__ import annotations

import pytest

from zones import settings, text
from zones.errors import UnknownValueError
from zones.geo import crs


@pytest.mark.parametrize("code", sorted({*crs.EXPORT_CRS, *crs.IMPORT_CRS}))
def test_every_choice_has_a_name_in_every_language(code: str) -> None:
    assert all(text.t(f"crs.{code}", lang).strip() for lang in text.LANGUAGES)
    zh, en = crs.crs_name(code, "zh"), crs.crs_name(code, "en")
    assert zh.strip() and en.strip() and en.isascii()
    assert crs.crs_label(code, "en") == f"{code} · {en}"
    assert crs.crs_label(code, "zh") == f"{code} · {zh}"


def test_labels_of_unnamed_codes_are_the_codes() -> None:
    assert crs.crs_name("EPSG:32651", "en") == ""
    assert crs.crs_label("EPSG:32651", "zh") == "EPSG:32651"


@pytest.mark.parametrize("given", [4549, "4549", "epsg:4549", " EPSG: 4549 "])
def test_normalise_crs_accepts_codes_as_people_write_them(given: str | int) -> None:
    assert crs.normalise_crs(given) == "EPSG:4549"


def test_normalise_crs_lists_the_choices() -> None:
    with pytest.raises(UnknownValueError, match="EPSG:4326, EPSG:4490, EPSG:4549"):
        crs.normalise_crs("EPSG:3857")
    assert crs.normalise_crs("3857", crs.IMPORT_CRS) == "EPSG:3857"


def test_exports_default_to_wgs84_and_settings_reexports_the_codes() -> None:
    assert crs.DEFAULT_EXPORT_CRS == crs.WGS84 == "EPSG:4326"
    assert crs.DEFAULT_EXPORT_CRS in crs.EXPORT_CRS
    assert (settings.WGS84, settings.CGCS2000, settings.PROJECTED) == (
        crs.WGS84,
        crs.CGCS2000,
        crs.PROJECTED,
    )
    assert crs.DISPLAY_DECIMALS < crs.COORD_DECIMALS and crs.OUTLINE_DECIMALS < crs.COORD_DECIMALS
