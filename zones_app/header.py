"""The top of the page: title, caption and notices, or the page shown when the dataset fails."""

from __future__ import annotations

import shlex

import streamlit as st

from zones.errors import DataError, ZonesError
from zones.map import assets
from zones.present import urlstate
from zones.settings import PLAN_NAME
from zones.text.i18n import md_text, t

ss = st.session_state


def render_load_error(path: str, exc: ZonesError, lang: str) -> None:
    """Say why the built dataset cannot be read and the command that rebuilds it there."""
    st.title(t("app.title", lang))
    reason = exc.problem.message if isinstance(exc, DataError) else str(exc)
    st.error(t("error.dataset", lang, path=md_text(path), reason=md_text(reason)))
    st.markdown(t("error.rebuild", lang))
    st.code(f"zones build --out {shlex.quote(str(path))}", language="bash")


def dismiss_notices() -> None:
    ss.update(_notices=[])


#: The page's layout rules: a compact header so that the map gets the screen.
PAGE_CSS = assets.STATIC_DIR / "zones" / "page.css"


def render_page_css() -> None:
    """The page's layout rules (first, so that nothing is laid out twice)."""
    if PAGE_CSS.is_file():  # without it the page works, only less compact
        st.html(PAGE_CSS)


def render_header(lang: str) -> None:
    """Title, caption, missing map assets, and what of the link was ignored or cut."""
    with st.container(key="zones_header"):
        st.title(t("app.title", lang))
        st.caption(t("app.caption", lang, plan=md_text(PLAN_NAME)))
    render_notices(lang)


def render_notices(lang: str) -> None:
    """Missing map assets, and what of the link was ignored or cut."""
    if missing := assets.missing_assets():
        st.error(t("error.assets", lang, files=md_text(", ".join(missing))))
    if ss["_notices"]:
        for n in ss["_notices"]:  # at most one per query key (urlstate.from_query)
            st.warning(notice_text(n, lang), icon=":material/warning:")
        st.button(t("notice.dismiss", lang), on_click=dismiss_notices, key="dismiss_btn")


def notice_text(n: urlstate.Notice, lang: str) -> str:
    """One banner's Markdown for notice ``n``: its few shown values, escaped, and counts."""
    field = t(f"field.{n.key}", lang)
    if n.cut:
        value = md_text(n.values[0]) if n.values else ""
        return t("notice.text_cut", lang, field=field, max=urlstate.MAX_TEXT, value=value)
    parts = []
    if len(n.values) == 1 and not n.more:
        parts.append(t("notice.unknown_value", lang, field=field, value=md_text(n.values[0])))
    elif n.values:
        quoted = t("notice.list_sep", lang).join(f"“{md_text(v)}”" for v in n.values)
        if n.more:
            quoted = t("notice.and_more", lang, values=quoted, n=n.more)
        parts.append(t("notice.unknown_values", lang, field=field, values=quoted))
    if n.unread:
        parts.append(t("notice.unread", lang, field=field, max=urlstate.MAX_VALUES, n=n.unread))
    return " ".join(parts)
