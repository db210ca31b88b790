"""The print-ready PDF briefing (zones.present.briefing_pdf): drawn on the server, no browser."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import HOSTILE
from tests.factories import make_dataset
from zones.map.coloring import park_coloring
from zones.model.dataset import Dataset
from zones.present import briefing_pdf as bp

pytestmark = pytest.mark.skipif(bp.cjk_font() is None, reason="no CJK font installed")


@pytest.fixture(scope="module")
def ds() -> Dataset:
    return make_dataset(30, hostile_name=HOSTILE + " $x^2$")


def make(ds: Dataset, lang: str = "zh", by: str = "tier") -> bytes:
    coloring = park_coloring(ds, ds.parks, by, lang=lang)
    return bp.briefing_pdf(ds, ds.parks, lang=lang, coloring=coloring, sentence="全部园区 30 个",
                           today=dt.date(2026, 11, 29))  # fmt: skip


def test_a_pdf_of_a4_pages_map_then_park_list(ds: Dataset, tmp_path: Path) -> None:
    data = make(ds)
    assert data.startswith(b"%PDF-")
    boxes = re.findall(rb"/MediaBox \[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", data)
    # A4 landscape (841.9 x 595.3 points): the map page and two pages of 22 and 8 parks.
    assert len(boxes) == 1 + 2
    assert all(abs(float(w) - 841.68) < 1 and abs(float(h) - 595.44) < 1 for w, h in boxes)
    # The CJK font is embedded (TrueType: text stays text).
    assert b"/FontFile2" in data
    if shutil.which("pdftotext"):
        out = tmp_path / "brief.pdf"
        out.write_bytes(data)
        text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True).stdout
        assert "宁波市制造业空间布局简报" in text and "园区一览" in text
        assert HOSTILE in text  # a name is text, and "$x^2$" is not read as math
        assert "$x^2$" in text
        assert "制图日期：2026-11-29" in text and "第 1 / 3 页" in text


def test_english_and_same_bytes_for_the_same_inputs(ds: Dataset) -> None:
    assert make(ds, "en", "belt") == make(ds, "en", "belt")


def test_no_cjk_font_is_said_not_drawn_as_boxes(
    ds: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bp, "cjk_font", lambda: None)
    with pytest.raises(bp.NoFontError, match="fonts-wqy-microhei"):
        make(ds)
