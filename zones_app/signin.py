"""Sign-in for editors and reviewers, in the sidebar. Viewers need none.

The signed-in name is kept in the session; every run looks the account up again, so a removed
account or a changed role takes effect at once.
"""

from __future__ import annotations

import streamlit as st

from zones.store import auth, open_store
from zones.text.i18n import md_text, t

ss = st.session_state
USER_KEY = "_user"
#: The sign-in expander (its form is filled only while it is open).
BOX_KEY = "signin_box"


def _oidc_name() -> str | None:
    """The e-mail of a user signed in through Streamlit's OIDC (`st.login`), when the bureau
    configured an identity provider; None otherwise."""
    try:
        info = st.user
        return str(info.email) if info.is_logged_in and info.get("email") else None
    except Exception:  # no [auth] section in secrets.toml: OIDC is not in use
        return None


def current_user(store: str) -> auth.User | None:
    """The signed-in user of this session, as the store knows them now (an OIDC sign-in maps
    to the account named by its e-mail)."""
    name = ss.get(USER_KEY) or _oidc_name()
    if not name:
        return None
    user = auth.lookup(open_store(store), name)
    if user is None:
        ss.pop(USER_KEY, None)
    return user


def _sign_in(store: str, lang: str) -> None:
    name, password = ss.get("signin_name", ""), ss.get("signin_password", "")
    ss["signin_password"] = ""  # never kept
    user = auth.authenticate(open_store(store), name, password)
    if user is None:
        ss["_signin_error"] = t("signin.failed", lang)
    else:
        ss[USER_KEY] = user.name
        ss.pop("_signin_error", None)


def _sign_out() -> None:
    ss.pop(USER_KEY, None)


def render_signin(store: str, lang: str, user: auth.User | None) -> None:
    """The sign-in form, or who is signed in (``user``, :func:`current_user`) and a sign-out
    button."""
    box = st.sidebar.expander(t("signin.title", lang), key=BOX_KEY, on_change="rerun")
    if user is None and not box.open:  # the form only when asked for: most visitors only view
        return
    with box:
        if user is not None:
            role = t(f"signin.role.{user.role}", lang)
            st.markdown(t("signin.as", lang, name=md_text(user.name), role=role))
            st.button(t("signin.out", lang), on_click=_sign_out, key="signout_btn")
            return
        with st.form("signin_form", clear_on_submit=False):
            st.text_input(t("signin.name", lang), key="signin_name", max_chars=64)
            st.text_input(
                t("signin.password", lang), key="signin_password", type="password", max_chars=200
            )
            st.form_submit_button(t("signin.submit", lang), on_click=_sign_in, args=(store, lang))
        if error := ss.get("_signin_error"):
            st.error(error)
        st.caption(t("signin.viewers", lang))
