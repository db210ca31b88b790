"""The app's GIS tab with the bad inputs of issue 8 (streamlit.testing.v1.AppTest): a preview
that fails unexpectedly, a stale preview, multi-layer files, a mismatch to confirm, and text in
the app's language. Each test imports into a store of its own, built from copies of geo/ and
data/.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import app_maker
from tests.test_app import (
    footprint,
    markdown,
    metrics,
    open_tab,
    previews,
    survey,
    writable_root,
)
from zones.importing import ImportPreview, apply_import, load_parks, preview_upload
from zones.model.dataset import load_dataset
from zones.present import views
from zones.store import open_store
from zones.text.i18n import md_text

REPO = Path(__file__).resolve().parents[1]
APP = REPO / "app.py"
FIXTURES = REPO / "tests" / "fixtures" / "bad_input"
SECRET = "/srv/zones/private/importer.py"


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the repository's geo/ and data/ with its own build, for the app to write to
    (:func:`~tests.test_app.writable_root`), without a Tianditu token."""
    monkeypatch.delenv("TIANDITU_TOKEN", raising=False)
    return writable_root(tmp_path, monkeypatch)


@pytest.fixture
def app(root: Path) -> Callable[..., AppTest]:
    return app_maker(timeout=90)


def upload(at: AppTest, name: str, data: bytes, mime: str = "application/octet-stream") -> AppTest:
    at.file_uploader[0].set_value((name, data, mime))
    return at.run()


def sourced_park() -> str:
    parks = load_parks(REPO / "data")
    return str(parks.loc[parks["location_basis"] == "sourced", "id"].iloc[0])


def layer_box(at: AppTest):  # type: ignore[no-untyped-def]
    (box,) = [s for s in at.selectbox if str(s.key).startswith("imp_layer")]
    return box


# --- item 1: an unexpected error in the preview -------------------------------------------------


@pytest.mark.parametrize(("lang", "said"), [("zh", "意外错误（TypeError）"), ("en", "(TypeError)")])
def test_an_unexpected_preview_error_keeps_the_tab_working(
    root: Path,
    app: Callable[..., AppTest],
    monkeypatch: pytest.MonkeyPatch,
    lang: str,
    said: str,
) -> None:
    def broken(self: ImportPreview, *args: object, **kwargs: object) -> str:
        raise TypeError(f"'<' not supported between instances of 'Problem' ({SECRET})")

    fixed = ImportPreview.text
    monkeypatch.setattr(ImportPreview, "text", broken)
    at = upload(open_tab(app(lang=lang), "gis"), "survey.geojson", survey(sourced_park()))
    assert not at.exception
    (error,) = at.error
    assert said in error.value
    for leak in (SECRET, "/srv", "Traceback", "not supported", str(root)):
        assert leak not in error.value
    # The rest of the tab still works: the bundle download and its CRS choice are there.
    assert at.selectbox(key="bundle_crs").value == "EPSG:4326"
    assert len(at.file_uploader) == 1 and not [b for b in at.button if b.key == "imp_apply"]

    # The bug fixed (the environment, which points the app at root, kept): the upload previews.
    monkeypatch.setattr(ImportPreview, "text", fixed)
    at.run()
    assert not at.exception and not at.error
    assert [b for b in at.button if b.key == "imp_apply"]


#: fixture, CRS picked, GCJ-02 ticked, what the (Chinese) preview lists
FIXTURE_CASES = {
    "import_shp_no_prj.zip": (
        "EPSG:4326",
        False,
        ["文件中没有坐标系：已按 EPSG:4326 读取", "位于宁波范围之外"],
    ),
    "import_4549_no_crs.geojson": ("EPSG:4549", False, ["已按所选的 EPSG:4549 读取", "应为面"]),
    "import_self_intersecting.geojson": ("", True, ["GCJ-02 转换为 WGS84", "已用 make_valid 修复"]),
    "import_gbk_no_cpg_self_intersecting.zip": ("", False, ["按 GB18030 读取", "make_valid"]),
}


@pytest.mark.parametrize("name", list(FIXTURE_CASES))
def test_the_fixtures_preview_in_the_app(app: Callable[..., AppTest], name: str) -> None:
    crs, gcj02, expected = FIXTURE_CASES[name]
    at = open_tab(app(), "gis")
    at.selectbox(key="imp_crs").set_value(crs)
    at.checkbox(key="imp_gcj02").set_value(gcj02)
    at = upload(at, name, (FIXTURES / name).read_bytes())
    assert not at.exception and not at.error
    text = "\n".join(c.value for c in at.code)
    for words in expected:
        assert words in text, text
    assert "error:" not in text and "note:" not in text  # problems in Chinese too


# --- item 2: a preview made before another import landed ---------------------------------------


def test_a_stale_preview_is_refused_in_the_app(root: Path, app: Callable[..., AppTest]) -> None:
    park = sourced_park()
    at = upload(open_tab(app(), "gis"), "survey.geojson", survey(park))
    assert [b for b in at.button if b.key == "imp_apply"]
    # Meanwhile someone else imports the same park (the CLI, another browser).
    store = open_store(root / "build" / "zones.gpkg")
    other = preview_upload(survey(park), "other.geojson", store)
    apply_import(other, store, author="gis-team")
    at.button(key="imp_apply").click()
    at.run()
    assert not at.exception
    (error,) = at.error
    assert "预览之后" in error.value and "未写入任何内容" in error.value
    assert md_text("gis-team") in error.value  # who changed the park (and when)
    assert str(root) not in error.value
    assert [(c.author, c.source) for c in store.changes()] == [("gis-team", "other.geojson")]
    # The tab previews the upload again against the store as it is now; that preview applies.
    (table,) = previews(at)
    assert table["替换"].tolist() == ["实测范围"]
    at.button(key="imp_apply").click()
    at.run()
    assert not at.exception and not at.error
    assert [c.author for c in store.changes()] == ["gis-team", "app"]
    row = store.dataset().parks.set_index("id").loc[park]
    assert row["footprint"] == "surveyed" and row["footprint_source"] == "survey.geojson"


# --- item 6: files with several layers -----------------------------------------------------------


def test_a_multi_layer_geopackage_gets_a_layer_choice(
    root: Path, app: Callable[..., AppTest]
) -> None:
    name = "import_multi_layer.gpkg"
    at = upload(open_tab(app(), "gis"), name, (FIXTURES / name).read_bytes())
    assert not at.exception and not at.error
    box = layer_box(at)
    assert box.options == ["survey_2024", "survey_2025"] and box.value == "survey_2024"
    assert box.label == "图层"
    (table,) = previews(at)
    assert table["园区"].tolist()[0].startswith("fenghua-edz ")
    box.set_value("survey_2025")
    at.run()
    (table,) = previews(at)
    assert table["园区"].tolist()[0].startswith("meishan-bonded-zone ")
    assert not any("--layer" in e.value for e in at.error)
    at.button(key="imp_apply").click()
    at.run()
    assert not at.exception and not at.error
    assert footprint(root, "meishan-bonded-zone") == "surveyed"
    assert footprint(root, "fenghua-edz") == "indicative"


def test_the_apps_own_bundle_can_be_uploaded(
    root: Path, app: Callable[..., AppTest], tmp_path: Path
) -> None:
    from zones.io.bundle import write_bundle

    ds = load_dataset(root / "build" / "zones.gpkg")
    info = write_bundle(ds, tmp_path / "ningbo.zip")
    at = upload(open_tab(app(lang="en"), "gis"), "ningbo.zip", info.path.read_bytes())
    assert not at.exception
    box = layer_box(at)
    assert box.value == "ningbo/zones.gpkg:parks"
    assert "ningbo/geojson/parks.geojson" in box.options
    assert not at.error  # read: every park is an indicative footprint, so none is imported
    assert metrics(at)["Errors"] == str(len(ds.parks))
    assert at.warning and "Nothing can be imported" in at.warning[0].value


# --- item 5: a footprint far from its park's records ---------------------------------------------


def test_a_mismatch_needs_the_checkbox(root: Path, app: Callable[..., AppTest]) -> None:
    name = "import_1km2_survey.geojson"
    at = upload(open_tab(app(), "gis"), name, (FIXTURES / name).read_bytes())
    assert not at.exception and not at.error
    (warning,) = at.warning
    assert "相差很大" in warning.value
    assert md_text("记录面积 29.6 平方公里的 0.034 倍") in warning.value
    assert at.button(key="imp_apply").disabled
    at.checkbox(key="imp_confirm").check()
    at.run()
    assert not at.button(key="imp_apply").disabled
    at.button(key="imp_apply").click()
    at.run()
    assert not at.exception and not at.error
    store = open_store(root / "build" / "zones.gpkg")
    row = store.dataset().parks.set_index("id").loc["ningbo-etdz"]
    assert row["footprint"] == "surveyed" and row["area_km2"] == pytest.approx(1.0, rel=0.01)
    (change,) = store.changes()  # the confirmation is recorded in the change's note
    assert "as confirmed: " in change.note and "0.034 times" in change.note


def test_the_square_at_sea_is_refused_in_the_app(app: Callable[..., AppTest]) -> None:
    name = "import_at_sea_square.geojson"
    at = upload(open_tab(app(lang="en"), "gis"), name, (FIXTURES / name).read_bytes())
    assert not at.exception
    assert metrics(at)["Errors"] == "1" and metrics(at)["Matched"] == "0"
    assert any("nearest Ningbo district" in c.value for c in at.code)
    assert not [b for b in at.button if b.key == "imp_apply"]


# --- item 13: one language at a time -------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "start", "words", "foreign"),
    [
        ("zh", ("导入失败：", "错误：survey.geojson:1："), "不是有效的 JSON", ["error", "valid"]),
        ("en", ("Import failed: ", "error: survey.geojson:1: "), "not valid JSON", ["错误"]),
    ],
)
def test_import_errors_follow_the_apps_language(
    app: Callable[..., AppTest],
    lang: str,
    start: tuple[str, str],
    words: str,
    foreign: list[str],
) -> None:
    at = upload(open_tab(app(lang=lang), "gis"), "survey.geojson", b'{"type": "Feature')
    (error,) = at.error
    assert error.value.startswith(start[0] + md_text(start[1])), error.value
    assert md_text(words) in error.value
    assert not [w for w in foreign if md_text(w) in error.value]


def test_a_refused_zip_is_said_in_chinese(app: Callable[..., AppTest]) -> None:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("../../evil.geojson", b"{}")
    at = upload(open_tab(app(), "gis"), "evil.zip", buffer.getvalue())
    (error,) = at.error
    assert "已拒绝" in error.value and "refused" not in error.value


@pytest.mark.parametrize(
    ("lang", "label", "help_words", "caption_words"),
    [
        ("zh", "边界文件", "把文件拖到此处", ["每个文件不超过 100 MB", "Browse files"]),
        ("en", "Boundary file", "Drag the file here", ["at most 100 MB"]),
    ],
)
def test_the_uploader_is_labelled_in_the_apps_language(
    app: Callable[..., AppTest], lang: str, label: str, help_words: str, caption_words: list[str]
) -> None:
    at = open_tab(app(lang=lang), "gis")
    (uploader,) = at.file_uploader
    assert uploader.label == label and help_words in uploader.help
    captions = "\n".join(c.value for c in at.caption)
    for words in caption_words:
        assert words in captions, captions


@pytest.mark.parametrize(("lang", "line"), [("en", "**Type**: new area"), ("zh", "**类型**：新区")])
def test_the_park_type_is_shown_in_the_apps_language(
    app: Callable[..., AppTest], lang: str, line: str
) -> None:
    at = app(lang=lang, park="qianwan-new-area")
    assert not at.exception
    assert line in markdown(at)
    if lang == "en":
        assert "新区" not in markdown(at).split("**Type**", 1)[1].split("\n", 1)[0]


def test_every_park_type_in_the_data_has_an_english_name() -> None:
    from zones.text.i18n import PARK_TYPES, park_type_label

    types = set(load_parks(REPO / "data")["type"].dropna()) - {""}
    assert types <= set(PARK_TYPES)
    assert park_type_label("新区", "en") == "new area" and park_type_label("新区", "zh") == "新区"
    assert views  # the views module the tab uses loads without Streamlit state


# --- issue 13 item 4: DXF, MapInfo and File Geodatabase uploads ---------------------------------


def test_the_uploader_accepts_the_gis_formats_of_the_registry(app: Callable[..., AppTest]) -> None:
    (uploader,) = open_tab(app(), "gis").file_uploader
    accepted = list(uploader.proto.type)
    for ext in (".dxf", ".gdb.zip", ".zip", ".geojson", ".kmz"):
        assert ext in accepted, accepted
    assert not {".tab", ".mif", ".gdb", ".shp"} & set(accepted)  # zipped, with what goes along


def test_a_dxf_upload_needs_its_crs_then_imports(root: Path, app: Callable[..., AppTest]) -> None:
    name = "import_dxf_ningbo_etdz.dxf"
    at = upload(open_tab(app(), "gis"), name, (FIXTURES / name).read_bytes())
    (error,) = at.error
    assert md_text("CAD 文件不带坐标系") in error.value and md_text("EPSG:4549") in error.value
    assert not [b for b in at.button if b.key == "imp_apply"]
    at.selectbox(key="imp_crs").set_value("EPSG:4549")
    at.run()
    assert not at.exception and not at.error
    (table,) = previews(at)
    assert table["园区"].tolist()[0].startswith("ningbo-etdz ")
    at.button(key="imp_apply").click()
    at.run()
    assert not at.exception and not at.error
    assert footprint(root, "ningbo-etdz") == "surveyed"


def test_a_damaged_geodatabase_upload_is_refused_in_chinese(app: Callable[..., AppTest]) -> None:
    name = "import_gdb_truncated_table.gdb.zip"
    at = upload(open_tab(app(), "gis"), name, (FIXTURES / name).read_bytes())
    assert not at.exception
    (error,) = at.error
    assert md_text("已损坏：其数据表 a00000009.gdbtable") in error.value
    assert "/tmp" not in error.value and not [b for b in at.button if b.key == "imp_apply"]
