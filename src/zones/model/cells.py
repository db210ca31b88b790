"""Table cells as plain Python values: text and lists of text, safe for missing values.

A cell may be ``None`` or a float NaN (pandas' missing value in object columns); a list cell may
be a list, a tuple or a numpy array (as read from the built dataset) or a single string.
:func:`plain` turns any cell into what JSON can hold, as every export writes it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd


def is_missing(value: Any) -> bool:
    """True for ``None`` and NaN (numpy floats included)."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def text(value: Any) -> str:
    """A cell as text, as it is: '' for a missing value."""
    return "" if is_missing(value) else str(value)


def stripped(value: Any) -> str:
    """A cell as text without surrounding whitespace: '' for a missing value."""
    return text(value).strip()


def text_list(value: Any) -> list[str]:
    """A list cell as a list of strings: [] for a missing value or '', [s] for a string s."""
    if is_missing(value):
        return []
    if isinstance(value, str):
        return [value] if value else []
    return [str(v) for v in value]


def plain(value: Any) -> Any:
    """A cell as a plain JSON value: numpy scalars unwrapped, lists as lists, NaN/None/NA ->
    None, timestamps as ISO text, anything else as its text."""
    if isinstance(value, str | bool) or value is None:
        return value
    if isinstance(value, list | tuple | np.ndarray):
        return [plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, int):
        return value
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return str(value)
