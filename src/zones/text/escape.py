"""Data text made safe for where it is shown: Streamlit Markdown, HTML, or one plain line.

Values that come from data or uploads (park names, notes, sources, file attributes) are never
trusted: :func:`md_text` makes them inert in Streamlit Markdown, :func:`html_text` in HTML and
:func:`plain_text` makes them one clean line of text.
"""

from __future__ import annotations

import html
import math
import re
import sys
from typing import Any

# Every ASCII punctuation character can start Markdown, HTML or a Streamlit directive
# (:red[...], :material/..., $latex$). As numeric character references they are plain text.
_MD_SPECIAL = re.compile(r"[!-/:-@\[-`{-~]")
#: Control characters and the bidirectional overrides that can disguise text.
_UNSAFE_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
#: Default longest :func:`plain_text`, in characters.
PLAIN_MAX = 500


def md_text(value: Any) -> str:
    """``value`` as inert text inside Streamlit Markdown: no markup, links, HTML or LaTeX.

    ASCII punctuation becomes numeric character references (``<`` -> ``&#60;``) and line
    breaks become spaces, so ``<img src=x onerror=alert(1)>`` shows exactly as typed.
    """
    text = "" if value is None else str(value)
    text = re.sub(r"\s+", " ", text)
    return _MD_SPECIAL.sub(lambda m: f"&#{ord(m.group(0))};", text)


def html_text(value: Any) -> str:
    """``value`` escaped for HTML text and attribute values."""
    return html.escape("" if value is None else str(value), quote=True)


def _is_missing(value: Any) -> bool:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return True
    pandas = sys.modules.get("pandas")  # pd.NA, without importing pandas for it
    return pandas is not None and value is pandas.NA


def plain_text(value: Any, limit: int = PLAIN_MAX) -> str:
    """``value`` as plain one-line text: '' for missing, control and bidi characters dropped,
    whitespace collapsed, at most ``limit`` characters. Markup is kept as typed (not parsed)."""
    if _is_missing(value):
        return ""
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    text = _UNSAFE_CHARS.sub(" ", str(value))
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"
