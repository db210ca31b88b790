"""zones.io.formats: one registry of formats, each complete (labels, rules, a driver GDAL has)."""

from __future__ import annotations

import importlib
import re

import pyogrio
import pytest

from zones import text
from zones.errors import UnknownValueError, ZonesError
from zones.io.formats import FORMATS, Format, format_for_path, get_format, layer_formats
from zones.model import fields

BUILT_IN = ["geojson", "gpkg", "csv", "kml", "filegdb", "bundle"]


def test_the_built_in_formats_in_order() -> None:
    assert list(FORMATS)[: len(BUILT_IN)] == BUILT_IN
    assert [f.name for f in layer_formats("parks")] == ["geojson", "gpkg", "csv", "kml", "filegdb"]
    assert [f.name for f in layer_formats("industries")] == ["gpkg", "csv", "filegdb"]


@pytest.mark.parametrize("name", BUILT_IN)
def test_every_format_is_complete(name: str) -> None:
    fmt = FORMATS[name]
    assert all(text.has(f"fmt.{name}", lang) for lang in text.LANGUAGES)
    assert fmt.label("en") == text.t(f"fmt.{name}", "en")
    assert fmt.extension.startswith(".") and "/" in fmt.media_type
    if not fmt.whole_dataset:  # its rules are the field dictionary's, stated to users
        assert name in fields.LIST_ENCODING and name in fields.POINT_ENCODING
    if fmt.driver is not None:  # a driver this GDAL has, and can write with
        assert "w" in pyogrio.list_drivers(write=True)[fmt.driver]
    module, _, function = str(fmt.writer).partition(":")  # imported only when used
    assert callable(getattr(importlib.import_module(module), function))


def test_unknown_formats_and_layers_say_what_is_allowed() -> None:
    with pytest.raises(UnknownValueError, match="bundle, csv, filegdb, geojson, gpkg, kml"):
        get_format("shp")
    with pytest.raises(ZonesError, match="For 'industries' use: bundle, csv, filegdb, gpkg"):
        get_format("geojson", "industries")
    with pytest.raises(ZonesError, match=re.escape("geojson: .geojson .json")):
        format_for_path("parks.txt")
    with pytest.raises(ZonesError, match=re.escape("filegdb: .gdb.zip")):
        format_for_path("parks.gdb")  # a File Geodatabase is a folder: zones writes it zipped
    assert get_format(".GeoJSON", "transport_nodes").name == "geojson"


def test_a_format_zones_only_reads_is_not_offered_for_writing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    read_only = Format("kmz", (".kmz",), "application/vnd.google-earth.kmz", "LIBKML", (),
                       reader=lambda path: path)  # fmt: skip
    monkeypatch.setitem(FORMATS, "kmz", read_only)
    assert format_for_path("a.kmz", reading=True) == "kmz"
    with pytest.raises(ZonesError):
        format_for_path("a.kmz")
    with pytest.raises(UnknownValueError):
        get_format("kmz")
    assert "kmz" not in [f.name for f in layer_formats("parks")]


def test_the_longest_extension_wins() -> None:
    assert format_for_path("ningbo.gdb.zip") == "filegdb"
    assert format_for_path("ningbo.zip") == "bundle"
    assert format_for_path("/tmp/x.gdb/ningbo.ZIP") == "bundle"  # a folder's name is not a suffix
    assert FORMATS["filegdb"].extension == ".gdb.zip"
    assert FORMATS["filegdb"].label("zh").startswith("File Geodatabase")


#: Formats zones only reads, since issue 13: their driver, extensions, what comes with them.
READ_ONLY = {
    "mapinfo": ("MapInfo File", (".tab", ".mif"), (".dat", ".map", ".id", ".ind", ".mid")),
    "dxf": ("DXF", (".dxf",), ()),
    "gdb": ("OpenFileGDB", (".gdb",), ()),
}


@pytest.mark.parametrize("name", list(READ_ONLY))
def test_every_format_zones_reads_is_complete(name: str) -> None:
    driver, extensions, sidecars = READ_ONLY[name]
    fmt = FORMATS[name]
    assert all(text.has(f"fmt.{name}", lang) for lang in text.LANGUAGES)
    assert (fmt.driver, fmt.extensions, fmt.sidecars) == (driver, extensions, sidecars)
    assert "r" in pyogrio.list_drivers()[driver]  # the GDAL the importer reads with has it
    assert fmt.writer is None and callable(fmt.load_reader())
    assert format_for_path(f"survey{extensions[0]}", reading=True) == name
    with pytest.raises(ZonesError):
        format_for_path(f"survey{extensions[0]}")  # read, never written


def test_a_zipped_file_geodatabase_is_read_and_written_as_one_format() -> None:
    assert format_for_path("survey.gdb.zip", reading=True) == "filegdb"
    assert format_for_path("survey.gdb.zip") == "filegdb"
    assert FORMATS["filegdb"].contains == ("gdb",) and FORMATS["gdb"].folder
    for inside in ("mapinfo", "dxf", "gdb"):  # and any zip may hold them
        assert inside in FORMATS["zip"].contains
