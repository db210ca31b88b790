"""The print-ready PDF briefing (zones.present.briefing_pdf): drawn on the server, no browser.

Its pages follow the HTML briefing (zones.present.report): the map, then the belt × industry
matrix, the overlap of the belts' focus industries and the plan's targets, taken from the same
functions, then the list of parks. The text of the pages is read back with poppler's pdftotext
(the tests that read it are skipped without it).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import HOSTILE
from tests.factories import make_dataset
from zones.build.assemble import build_dataset
from zones.map.coloring import park_coloring
from zones.model.dataset import Dataset
from zones.model.filters import ParkFilter, apply_filter, describe_filter
from zones.present import briefing_pdf as bp
from zones.present import report
from zones.settings import DEFAULT_FOOTPRINT_KM2
from zones.text import t
from zones.text.escape import html_text as esc

pytestmark = pytest.mark.skipif(bp.cjk_font() is None, reason="no CJK font installed")

DAY = dt.date(2026, 11, 29)
#: Pages of the sections after the map: the matrix, then the overlap and the targets.
SECTION_PAGES = 2


@pytest.fixture(scope="module")
def ds() -> Dataset:
    return make_dataset(30, hostile_name=HOSTILE + " $x^2$")


@pytest.fixture(scope="module")
def brief(ds: Dataset) -> dict[str, bytes]:
    """The briefing of every park of ``ds``, by language (each made once)."""
    return {lang: make(ds, lang) for lang in ("zh", "en")}


@pytest.fixture(scope="module")
def real() -> Dataset:
    """The dataset built from the repository's data/ and geo/ (the plan's facts)."""
    return build_dataset()[0]


def make(ds: Dataset, lang: str = "zh", by: str = "tier", parks: object = None) -> bytes:
    shown = ds.parks if parks is None else parks
    coloring = park_coloring(ds, shown, by, lang=lang)
    sentence = describe_filter(ds, ParkFilter(), len(shown), lang) if parks is None else "测试"
    return bp.briefing_pdf(ds, shown, lang=lang, coloring=coloring, sentence=sentence, today=DAY)


def page_count(data: bytes) -> int:
    return len(re.findall(rb"/MediaBox", data))


def pages(data: bytes, tmp_path: Path) -> list[str]:
    """The text of each page, laid out as drawn (a table row on one line)."""
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed to read the PDF's text")
    out = tmp_path / "brief.pdf"
    out.write_bytes(data)
    text = subprocess.run(
        ["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    return text.split("\f")[: page_count(data)]


def flat(text: str) -> str:
    """``text`` with all white space removed (extractors space wrapped text differently)."""
    return re.sub(r"\s+", "", text)


def row_pattern(*cells: str) -> str:
    """A table row of ``cells``, left to right on one line, however they are spaced."""
    return r"[ \t]+".join(r"\s*".join(map(re.escape, cell.split())) for cell in cells)


def test_a4_pages_map_sections_then_park_list(brief: dict[str, bytes], tmp_path: Path) -> None:
    data = brief["zh"]
    assert data.startswith(b"%PDF-")
    boxes = re.findall(rb"/MediaBox \[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", data)
    # A4 landscape (841.9 x 595.3 points): the map, the matrix, the overlap and targets, and
    # two pages of 22 and 8 parks.
    assert len(boxes) == 1 + SECTION_PAGES + math.ceil(30 / bp.ROWS_PER_PAGE) == 5
    assert all(abs(float(w) - 841.68) < 1 and abs(float(h) - 595.44) < 1 for w, h in boxes)
    # The CJK font is embedded (TrueType: text stays text).
    assert b"/FontFile2" in data
    text = pages(data, tmp_path)
    assert len(text) == 5
    assert "宁波市制造业空间布局简报" in text[0] and "园区一览" in text[3]
    assert t("report.matrix", "zh") in text[1]
    assert t("report.overlap", "zh") in text[2] and t("report.targets", "zh") in text[2]
    assert HOSTILE in text[0] + text[3]  # a name is text, and "$x^2$" is not read as math
    assert "$x^2$" in text[3]
    for n, page in enumerate(text, 1):
        assert "制图日期：2026-11-29" in flat(page) and f"第{n}/5页" in flat(page)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_sections_show_what_the_html_briefing_shows(
    ds: Dataset, brief: dict[str, bytes], lang: str, tmp_path: Path
) -> None:
    text = pages(brief[lang], tmp_path)
    matrix_page, rest = text[1], text[2]
    html = report.report_html(ds, lang=lang, today=DAY)
    # The matrix: the belts as columns, each industry's row with the same counts and focus
    # marks as the HTML briefing's (report.matrix_data, the one source of both).
    matrix = report.matrix_data(ds, lang)
    assert matrix.rows
    if lang == "zh":
        assert re.search(row_pattern(t("analysis.industry", lang), *matrix.belts), matrix_page)
    for belt in matrix.belts:  # a long name is wrapped in its column
        assert set(belt.split()) <= set(matrix_page.split())
    for row in matrix.rows:
        cells = [report.cell_text(n, focus) for n, focus in row.cells]
        assert re.search(row_pattern(row.industry, *cells), matrix_page), row
        assert f"<th>{esc(row.industry)}</th>" in html
    assert flat(t("report.matrix_note", lang)) in flat(matrix_page)
    # The overlap: each pair of belts, its shared focus industries and similarity.
    overlap = report.overlap_data(ds, lang)
    assert overlap.pairs
    for pair, shared, jaccard in overlap.pairs:
        assert re.search(row_pattern(pair, shared, jaccard), rest)
    # The targets: the plan's figure with its unit, the line it is cited from and its words.
    name, value, cited, quote = report.target_rows(ds, lang)[0]
    assert value == {"zh": "6800 亿元", "en": "6800 100 million yuan"}[lang]
    assert re.search(row_pattern(name, value, f"{cited}: “{quote}”"), rest)
    assert flat(t("report.targets_note", lang)) in flat(rest)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_what_is_estimated_is_labelled_so(
    brief: dict[str, bytes], lang: str, tmp_path: Path
) -> None:
    text = pages(brief[lang], tmp_path)
    note = t("report.estimate_note", lang, area=f"{DEFAULT_FOOTPRINT_KM2:g}")
    assert flat(note)[:40] in flat(text[0])
    for key in ("legend.indicative", "legend.estimated_location", "tools.indicative_note"):
        assert flat(t(key, lang)) in flat(text[0])
    assert t("location.estimated", lang) in text[3]  # the list says whose location is estimated


def test_the_matrix_counts_the_parks_of_the_briefing(ds: Dataset, tmp_path: Path) -> None:
    """A filtered view counts its own parks (the counts of the filter, not of all parks)."""
    north = apply_filter(ds, ParkFilter(belts=("north",)))
    assert len(north) == 15
    page = pages(make(ds, parks=north), tmp_path)[1]
    automotive = report.matrix_data(ds, "zh").rows[0]
    assert automotive.industry == "汽车及零部件"
    assert re.search(row_pattern("汽车及零部件", "15 ★", "0"), page)
    assert t("pdf.counted", "zh", sentence="测试") in page
    ten = ds.parks.head(10)  # p0..p9: five in each belt
    page = pages(make(ds, parks=ten), tmp_path)[1]
    assert re.search(row_pattern("汽车及零部件", "5 ★", "0"), page)


def test_hostile_belt_and_industry_names_are_drawn_as_text(ds: Dataset, tmp_path: Path) -> None:
    belts = ds.belts.copy()
    belts.loc[0, "name_zh"] = HOSTILE + " $x^2$"
    industries = ds.industries.copy()
    industries.loc[industries["id"] == "automotive", "name_zh"] = "汽车 <b>$\\alpha$</b>"
    hostile = dataclasses.replace(ds, belts=belts, industries=industries)
    text = pages(make(hostile), tmp_path)
    # A column of the matrix (its heading wrapped in the column), a row, a pair of the overlap.
    assert set((HOSTILE + " $x^2$").split()) <= set(text[1].split())
    assert "汽车 <b>$\\alpha$</b>" in text[1]
    assert HOSTILE + " $x^2$" in text[2]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_long_list_is_cut_and_says_where_the_rest_is(
    ds: Dataset, lang: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bp, "LIST_MAX_ROWS", 5)
    data = make(ds, lang)
    text = pages(data, tmp_path)
    assert len(text) == 1 + SECTION_PAGES + 1  # five parks: one list page
    listed = text[-1]
    names = list(ds.parks["name_zh" if lang == "zh" else "name_en"])
    assert all(flat(n) in flat(listed) for n in names[:5] if n != HOSTILE + " $x^2$")
    assert not any(flat(n) in flat(listed) for n in names[5:] if isinstance(n, str))
    cut = t("pdf.list_cut", lang, listed="5", total="30")
    assert flat(cut) in flat(listed)
    # The map and the sections still count every park of the briefing.
    assert flat(t("pdf.page", lang, n=1, total=4)) in flat(text[0])


def test_a_list_within_the_limit_says_nothing_of_a_cut(
    brief: dict[str, bytes], tmp_path: Path
) -> None:
    text = pages(brief["zh"], tmp_path)
    assert "此处列出前" not in "".join(text)


def test_same_bytes_for_the_same_inputs(ds: Dataset, brief: dict[str, bytes]) -> None:
    assert make(ds, "en") == brief["en"]


def test_a_long_table_goes_on_with_its_heading_and_header_row() -> None:
    flow = bp.Flow(t("pdf.continued", "zh"))
    columns = [bp._Column("名称", 0.0, 0.5), bp._Column("数", 0.5, 0.2, "center")]
    flow.table("标题", columns, [[f"行{i}", str(i)] for i in range(120)])
    assert len(flow.pages) > 1
    for page in flow.pages:
        texts = [item.text for item in page if isinstance(item, bp._Text)]
        assert texts[0] in ("标题", "标题（续）") and texts[1:3] == ["名称", "数"]
        bottom = max(item.y for item in page if isinstance(item, bp._Text))
        assert bottom < bp.FLOW_BOTTOM
    rows = [x.text for page in flow.pages for x in page if isinstance(x, bp._Text)]
    assert [r for r in rows if r.startswith("行")] == [f"行{i}" for i in range(120)]


def test_wrapping_breaks_words_and_chinese_within_the_width() -> None:
    text = "计入“一园一业”指定；上级产业包含其下级产业（与 zones export --industry 的筛选相同）"
    for width in (12, 30, 60):
        lines = bp._wrap(text, width).split("\n")
        assert all(bp._width(line) <= width for line in lines)
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    assert bp._wrap("an industry includes its sub-industries", 16) == (
        "an industry\nincludes its\nsub-industries"
    )


def test_the_plan_briefing_fits_its_pages(real: Dataset, tmp_path: Path) -> None:
    """The plan's data: the matrix of every park fits one page; the targets are the plan's."""
    text = {}
    for lang in ("zh", "en"):
        data = make(real, lang)
        n_parks = len(real.parks)
        assert page_count(data) == 1 + SECTION_PAGES + math.ceil(n_parks / bp.ROWS_PER_PAGE)
        text[lang] = pages(data, tmp_path)
        assert t("pdf.continued", lang).strip() not in text[lang][1] + text[lang][2]
        for belt in report.matrix_data(real, lang).belts:
            assert set(belt.split()) <= set(text[lang][1].split())
    # 规划原文第 12 行: “到2025年，规上工业增加值达到6800亿元” (plan text, line 12).
    zh, en = text["zh"][2], text["en"][2]
    assert re.search(row_pattern("规上工业增加值", "6800 亿元", "规划原文第 12 行"), zh)
    assert "规上工业增加值达到6800亿元" in zh
    assert re.search(row_pattern("6800 100 million yuan", "plan text, line 12"), en)


def test_no_cjk_font_is_said_not_drawn_as_boxes(
    ds: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bp, "cjk_font", lambda: None)
    with pytest.raises(bp.NoFontError, match="fonts-wqy-microhei"):
        make(ds)
