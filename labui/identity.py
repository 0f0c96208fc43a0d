"""Who is using the app: a signed-in student or teacher (Streamlit's own OIDC login), or, without sign-in, a tab.

With an `[auth]` section in .streamlit/secrets.toml (the school's provider: Google, Microsoft Entra, Keycloak…),
a person is their e-mail: their jobs and limits follow them to any browser, and a copied URL carries nothing.
Without it the owner is a token kept in the session and mirrored in the URL, so a reload finds the tab's jobs
again (the page says so). Teachers are the signed-in e-mails in GENLIB_TEACHERS; without sign-in, whoever opens
the teacher link that `./lab class` prints (its token is GENLIB_TEACHER_TOKEN, like a Jupyter server's URL).
"""
from __future__ import annotations

import hmac
import os
import secrets

import streamlit as st

TEACHER_PARAM = "teacher"  # the URL parameter of the teacher link (read once, then removed from the URL)


def sign_in_configured() -> bool:
    """Whether the teacher set up sign-in (an [auth] section); False without any secrets file."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file, or one that does not parse: no sign-in (the app still works)
        return False


def signed_in_email() -> str | None:
    if not sign_in_configured() or not st.user.is_logged_in:
        return None
    return str(st.user.get("email") or st.user.get("sub") or "") or None


def owner() -> str | None:
    """Whose jobs this session sees and starts: the signed-in e-mail; None while sign-in is configured but this
    person has not signed in; else this tab's token."""
    if sign_in_configured():
        return signed_in_email()
    token = st.session_state.get("owner") or st.query_params.get("session")
    if not token or not token.isalnum() or len(token) > 64:
        token = secrets.token_hex(8)
    st.session_state["owner"] = token
    if st.query_params.get("session") != token:
        st.query_params["session"] = token
    return token


def is_teacher() -> bool:
    """A signed-in e-mail listed in GENLIB_TEACHERS, or (without sign-in) a session that opened the teacher link."""
    if sign_in_configured():
        email = signed_in_email()
        teachers = {e.strip().lower() for e in os.environ.get("GENLIB_TEACHERS", "").split(",") if e.strip()}
        return email is not None and email.lower() in teachers
    expected = os.environ.get("GENLIB_TEACHER_TOKEN", "")
    given = st.query_params.get(TEACHER_PARAM)
    if given is not None:
        del st.query_params[TEACHER_PARAM]  # out of the address bar: a copied URL does not make a teacher
        if expected and hmac.compare_digest(given, expected):
            st.session_state["is_teacher"] = True
    return bool(expected) and st.session_state.get("is_teacher", False)


def sign_in_box() -> None:
    """The sidebar's account line: sign in or out, or what a tab's identity means."""
    if not sign_in_configured():
        st.caption("Not signed in: your jobs belong to this browser tab (reloading it keeps them).")
        return
    email = signed_in_email()
    if email is None:
        st.button("Log in", on_click=st.login, key="log_in", type="primary")
        st.caption("Sign in to train: your jobs then follow you to any browser.")
    else:
        st.caption(f"Signed in as {email}" + (" (teacher)" if is_teacher() else ""))
        st.button("Log out", on_click=st.logout, key="log_out")
