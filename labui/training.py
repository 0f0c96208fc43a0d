"""Starting training from a page, and the live panel that follows the job while it runs."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import streamlit as st

from genlib import images
from genlib.errors import GenlibError, RunError
from genlib.runs.store import USER_RUNS_DIR, safe_run_name
from labui import plots
from labui.jobs import owner, registry


def new_run_dir(prefix: str, name: str = "") -> Path:
    """A fresh folder for a user's run: the user's name for it, or one made from the settings and time.

    A name that could leave the folder ('../x', 'a/b') or hide in it is refused with a RunError.
    """
    name = safe_run_name(name.strip()) if name.strip() else f"{prefix}-{datetime.now():%Y%m%d-%H%M%S}"
    path = USER_RUNS_DIR / name
    if path.exists():
        raise RunError(f"A run named {name!r} already exists; choose another name.")
    return path


def start_job(kind: str, run_dir: Path, model_cfg, train_cfg) -> None:
    """Submit a job for this session; a full server becomes a message, not a traceback."""
    try:
        registry().submit(owner(), kind, run_dir, model_cfg, train_cfg)
    except GenlibError as err:
        st.error(str(err))


def _eta(seconds: float | None) -> str:
    if seconds is None:
        return "estimating time left…"
    minutes, secs = divmod(int(seconds), 60)
    return f"about {minutes} min {secs:02d} s left" if minutes else f"about {secs} s left"


def live_panel(kind: str, charts: list[tuple[str, list[str]]], key: str) -> None:
    """The latest job this session started on this page: progress, time left, live curves, Stop.

    Redraws itself twice a second while the job runs; when it ends, the whole page reruns so the new
    run shows up everywhere.
    """
    job = registry().latest_for(owner(), kind)
    if job is None:
        return
    was_running = job.snapshot().running

    @st.fragment(run_every=0.5 if was_running else None)
    def panel():
        snap = job.snapshot()
        if was_running and not snap.running:
            st.rerun(scope="app")
        st.markdown(f"**Training run** `{Path(snap.run_dir).name}`")
        if snap.running:
            if snap.reporting:
                st.progress(snap.fraction, text=f"Epoch {snap.epoch}/{snap.epochs} · step {snap.step}/"
                                                f"{snap.steps_per_epoch} · {_eta(snap.eta)}")
            else:  # no report yet: the numbers would be placeholders
                st.progress(0.0, text="Loading the data and building the model…")
            st.button("Stop", key=f"{key}_stop", on_click=job.stop, type="primary")
        elif snap.status == "complete":
            st.success(f"Finished {len(snap.epoch_records)} epoch(s) in {snap.elapsed:.0f} s; the run is saved.")
        elif snap.status == "stopped":
            st.warning(snap.message)
        else:
            st.error(snap.message)
        if snap.epoch_records:
            times = [r["seconds"] for r in snap.epoch_records]
            st.caption(f"Last epoch {times[-1]:.1f} s · average epoch {np.mean(times):.1f} s")
        cols = st.columns(len(charts) + (snap.grid is not None))
        for col, (title, names) in zip(cols, charts):
            series = {n: snap.series[n] for n in names if n in snap.series}
            if series:
                col.plotly_chart(plots.loss_chart(series, title, smoothing=20, steps_per_epoch=snap.steps_per_epoch),
                                 width="stretch", key=f"{key}_{title}")
        if snap.grid is not None:
            cols[-1].image(images.png_bytes(snap.grid, scale=2), output_format="PNG",
                           caption=f"Samples after epoch {snap.epoch_records[-1]['epoch']}")

    panel()
