"""The app's side of training jobs: one engine per server process (who owns a job: labui/identity.py).

Without GENLIB_RAY_ADDRESS the app trains in its own threads (a laptop: one person, nothing to start);
with it, the app connects to that Ray cluster and every student's job goes to its job board.
"""
from __future__ import annotations

import os

import streamlit as st

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
