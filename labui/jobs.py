"""The app's side of background training: one registry per server, an owner per browser session."""
from __future__ import annotations

import os
import secrets

import streamlit as st

from genlib.training.jobs import JobRegistry

# Jobs run in threads of this process; on a small machine one at a time keeps each one fast.
MAX_JOBS = int(os.environ.get("GENLIB_MAX_JOBS", "1"))


@st.cache_resource
def registry() -> JobRegistry:
    return JobRegistry(max_running=MAX_JOBS)


def owner() -> str:
    """This browser session's id. It is kept in the session and mirrored into the URL, so a reload
    re-attaches to the session's jobs while another tab or user gets its own and never sees or stops them.
    (Page navigation clears the URL's parameters; the session copy puts it back.)"""
    token = st.session_state.get("owner") or st.query_params.get("session")
    if not token or not token.isalnum() or len(token) > 64:
        token = secrets.token_hex(8)
    st.session_state["owner"] = token
    if st.query_params.get("session") != token:
        st.query_params["session"] = token
    return token
