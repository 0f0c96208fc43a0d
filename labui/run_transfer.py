"""Keep and share runs: "Download this run" (a zip of its folder) and "Open a run" (such a zip, uploaded)."""
from __future__ import annotations

import io
from pathlib import Path

import streamlit as st

from genlib.errors import GenlibError
from genlib.runs.archive import export_run
from genlib.runs.lock import is_being_written
from genlib.runs.store import Run
from genlib.transfer import import_run


def share_panel(run_dir: str, key: str) -> None:
    """Download the run on show, or open one downloaded here or elsewhere (it joins the run lists)."""
    with st.expander("Download this run, or open one"):
        left, right = st.columns(2)
        with left:
            if is_being_written(run_dir):
                st.caption("This run is training: download it when its training ends.")
            else:
                # the zip is made when the button is pressed, not on every rerun of the page
                st.download_button("Download this run", lambda: _zip_bytes(run_dir),
                                   file_name=f"{Path(run_dir).name}.zip", mime="application/zip", on_click="ignore",
                                   key=f"{key}_download_run", icon=":material/download:")
                st.caption("A zip of its settings, history, grids and kept weights: open it here again, or with "
                           "`python -m genlib import FILE.zip`.")
        with right:
            st.file_uploader("Open a run", type="zip", key=f"{key}_open_run", on_change=_open_upload,
                             args=(f"{key}_open_run",), help="A zip saved with 'Download this run' or "
                             "`python -m genlib export`; it is checked before it is added to your runs.")
            outcome = st.session_state.get(f"{key}_open_run_outcome")
            if outcome:
                (st.success if outcome[0] == "ok" else st.error)(outcome[1])


def _zip_bytes(run_dir: str) -> bytes:
    buf = io.BytesIO()
    export_run(run_dir, buf)
    return buf.getvalue()


def _open_upload(key: str) -> None:
    """On a new upload, before the page reruns: so the run lists drawn next already hold the run, and a file
    stays one import however often the page reruns."""
    uploaded = st.session_state.get(key)
    if uploaded is None:  # the file was removed from the uploader
        st.session_state.pop(f"{key}_outcome", None)
        return
    try:
        path = import_run(uploaded.getvalue(), label=uploaded.name)
    except GenlibError as err:
        st.session_state[f"{key}_outcome"] = ("error", str(err))
        return
    run = Run(path).summary()
    st.session_state[f"{key}_outcome"] = ("ok", f"Opened **{path.name}**: a {run.kind.upper()} run with {run.epochs} "
                                                f"epoch(s), now among your runs (on the {run.kind.upper()} page).")
