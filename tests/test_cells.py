"""Table cells as text and lists of text (zones.model.cells), missing values included."""

from __future__ import annotations

import math

import numpy as np
import pytest

from zones.model import cells


@pytest.mark.parametrize("missing", [None, math.nan, np.float64("nan")])
def test_missing_values_are_empty(missing: object) -> None:
    assert cells.is_missing(missing)
    assert cells.text(missing) == "" and cells.stripped(missing) == ""
    assert cells.text_list(missing) == []


def test_text_keeps_whitespace_and_stripped_drops_it() -> None:
    assert cells.text(" a ") == " a " and cells.stripped(" a ") == "a"
    assert cells.text(3) == "3" and cells.text(1.5) == "1.5"
    assert not cells.is_missing("") and not cells.is_missing(0.0)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", []),
        ("a", ["a"]),
        (["a", 1], ["a", "1"]),
        (("x",), ["x"]),
        (np.array(["p", "q"]), ["p", "q"]),
    ],
)
def test_text_list(value: object, expected: list[str]) -> None:
    assert cells.text_list(value) == expected
