"""The top of the page: title, caption and notices, or the page shown when the dataset fails."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from zones import assets
from zones.errors import DataError, ZonesError
from zones.i18n import md_text, t
from zones.settings import PLAN_NAME

ss = st.session_state


def render_load_error(path: Path, exc: ZonesError, lang: str) -> None:
    """Say why the built dataset cannot be read and how to rebuild it."""
    st.title(t("app.title", lang))
    reason = exc.problem.message if isinstance(exc, DataError) else str(exc)
    st.error(t("error.dataset", lang, path=md_text(path), reason=md_text(reason)))
    st.markdown(t("error.rebuild", lang))
    st.code("zones build   # or: ./dev app", language="bash")


def dismiss_notices() -> None:
    ss.update(_notices=[])


def render_header(lang: str) -> None:
    """Title, caption, missing map assets, and the values of the link that were ignored."""
    st.title(t("app.title", lang))
    st.caption(t("app.caption", lang, plan=md_text(PLAN_NAME)))
    if missing := assets.missing_assets():
        st.error(t("error.assets", lang, files=md_text(", ".join(missing))))
    if ss["_notices"]:
        for n in ss["_notices"]:
            st.warning(
                t(
                    "notice.unknown_value",
                    lang,
                    field=t(f"field.{n.key}", lang),
                    value=md_text(n.value),
                ),
                icon=":material/warning:",
            )
        st.button(t("notice.dismiss", lang), on_click=dismiss_notices, key="dismiss_btn")
