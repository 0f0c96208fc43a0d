"""Turning a user-fixable error into a message on the page instead of a traceback."""
import contextlib

import streamlit as st

from genlib.errors import GenlibError


@contextlib.contextmanager
def shown_as_message(what: str):
    """Run a block; a GenlibError inside it (a damaged run, missing data) becomes one st.error line."""
    try:
        yield
    except GenlibError as err:
        st.error(f"{what}: {err}")
