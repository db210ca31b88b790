"""The one grammar of plan citations (zones.model.citation) and its users agree on ranges."""

from __future__ import annotations

import pytest

from zones.model import citation
from zones.present.report import _cite
from zones.present.selection import source_markdown
from zones.present.views import cite


@pytest.mark.parametrize(
    ("text", "first", "last", "label"),
    [
        ("plan:L58", 58, 58, "58"),
        ("plan:L58-L60", 58, 60, "58–60"),
        ("plan:L58-60", 58, 60, "58–60"),
        (" plan:L7 ", 7, 7, "7"),
    ],
)
def test_citations_parse_and_format(text, first, last, label):
    ref = citation.parse(text)
    assert ref == citation.PlanRef(first, last) and ref.label() == label
    assert citation.parse(str(ref)) == ref


@pytest.mark.parametrize("text", ["plan:L", "plan:58", "https://x.org", "plan:L60-L58", "", None])
def test_what_is_not_a_citation(text):
    assert citation.parse(text) is None


def test_find_all_in_text():
    assert citation.find_all("see plan:L12 and plan:L20-L22; not plan:X") == [
        "plan:L12",
        "plan:L20-L22",
    ]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_app_the_briefing_and_the_details_show_a_range_alike(lang):
    shown = {cite("plan:L58-L60", lang), _cite("plan:L58-L60", lang)}
    assert all("58–60" in s for s in shown)
    assert "58–60" in source_markdown("plan:L58-L60", lang)


def test_the_build_accepts_a_range_whose_quote_spans_its_lines(tmp_path):
    """validate used to refuse ranges that the details panel showed."""
    from tests.inputs import edit_csv, write_inputs
    from zones.build.assemble import build_dataset

    tree = write_inputs(tmp_path)
    plan = (tree.data / "plan.zh.txt").read_text(encoding="utf-8").splitlines()
    line = next(i for i, text in enumerate(plan, 1) if text.strip() and plan[i:i + 1]
                and plan[i].strip())  # fmt: skip
    quote = plan[line - 1].strip()[:4] + "……" + plan[line].strip()[:4]
    write_inputs(
        tmp_path,
        **{"data/targets.csv": edit_csv("data/targets.csv", 2, source=f"plan:L{line}-L{line + 1}",
                                        quote=quote)},
    )  # fmt: skip
    build_dataset(tree.geo, tree.data)  # raises ValidationError if the range were refused
