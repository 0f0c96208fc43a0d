"""The app's side of training jobs: one engine per server process, an owner per browser session.

Without GENLIB_RAY_ADDRESS the app trains in its own threads (a laptop: one person, nothing to start);
with it, the app connects to that Ray cluster and every student's job goes to its job board.
"""
from __future__ import annotations

import os
import secrets

import streamlit as st

from genlib.errors import GenlibError
from genlib.training.jobs import ThreadEngine

MAX_JOBS = int(os.environ.get("GENLIB_MAX_JOBS", "1"))  # jobs training at once in threads (1 suits 2 cores)


@st.cache_resource(show_spinner="Connecting to the Ray cluster…")
def engine():
    """The job engine, made once per server process. Ray is only connected to here, never started: a Ray
    started from a script thread dies with that thread. A failure is not cached, so a reload tries again."""
    address = os.environ.get("GENLIB_RAY_ADDRESS")
    if not address:
        return ThreadEngine(slots=MAX_JOBS)
    from genlib.training.ray_engine import RayEngine
    return RayEngine(address)


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


def training_into(run_dir) -> bool:
    """Whether a job is training into this run right now (False when the cluster cannot be asked: the page
    then shows the run as it is on disk, and the panel says what is wrong with the cluster)."""
    try:
        return engine().busy(run_dir)
    except GenlibError:
        return False
