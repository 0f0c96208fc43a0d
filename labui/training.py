"""Starting training from a page, and the live panel that follows the job while it runs."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import streamlit as st

from genlib import images
from genlib.errors import GenlibError, RunError
from genlib.runs.store import safe_run_name, user_runs_dir
from genlib.training.job_table import ACTIVE
from labui import plots, run_cache
from labui.errors import shown_as_message
from labui.identity import owner
from labui.jobs import engine


# Each redraw of the live panel takes CPU from the training beside it (server and browser share the cores): a small-GAN
# epoch took 40 s in the app redrawing every 0.5 s and 24 s every 2 s (scripts/app_training_pace.py)
LIVE_REFRESH_S = 2.0
ENDED_SHOWN = 3  # ended jobs the panel still lists, newest first (their runs are on the page)


def new_run_dir(prefix: str, name: str = "") -> Path:
    """A fresh folder for a user's run: the user's name for it, or one made from the settings and time.

    A name that could leave the folder ('../x', 'a/b') or hide in it is refused with a RunError.
    """
    name = safe_run_name(name.strip()) if name.strip() else f"{prefix}-{datetime.now():%Y%m%d-%H%M%S}"
    path = user_runs_dir() / name
    if path.exists():
        raise RunError(f"A run named {name!r} already exists; choose another name.")
    return path


def start_job(kind: str, run_dir: Path, model_cfg, train_cfg) -> None:
    """Submit a job for this session; a refusal (the owner's limit, an unreachable cluster) becomes a message."""
    me = owner()
    if me is None:
        st.error("Sign in first (the Log in button in the sidebar): your training jobs are kept under your name.")
        return
    try:
        engine().submit(me, kind, run_dir, model_cfg, train_cfg)
    except GenlibError as err:
        st.error(str(err))


def duration(seconds: float) -> str:
    minutes, secs = divmod(int(round(seconds)), 60)
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


def _eta(seconds: float | None) -> str:
    return "estimating time left…" if seconds is None else f"about {duration(seconds)} left"


def _queue_text(job) -> str:
    place = "next in line" if job.position == 1 else f"{_ordinal(job.position)} in line"
    if job.wait is None:
        return f"{place}; it starts when a running job ends"
    return f"{place}, about {duration(job.wait)}" if job.wait > 0 else f"{place}, starting now"


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def _score_axis(run_dir: str) -> str:
    """What a GAN job's d_real / d_fake series are: probabilities for bce, raw scores for the other losses."""
    from genlib.models.gan import LOSSES

    return LOSSES[run_cache.gan_loss(run_dir)].shown_as


def my_jobs(kind: str) -> list:
    """This session's jobs of one kind: running, then waiting (in submission order), then the most recently ended."""
    me = owner()
    jobs = [j for j in engine().jobs(me) if j.kind == kind] if me is not None else []
    active = sorted((j for j in jobs if j.status in ACTIVE), key=lambda j: (j.status != "running", j.submitted))
    ended = sorted((j for j in jobs if j.status not in ACTIVE), key=lambda j: -(j.ended or j.submitted))
    return active + ended[:ENDED_SHOWN]


def live_panel(kind: str, charts: list[tuple[str, list[str]]], key: str) -> None:
    """Every job this session started on this page, each with its place in the queue or its progress, time left,
    live curves, and Stop (or Cancel while it waits): starting a new job never hides another.

    Redraws itself every LIVE_REFRESH_S while a job is active; when one ends, the whole page reruns so its run
    shows up everywhere. Each job's widgets are keyed by its id (`{key}_stop_{id}`, `{key}_cancel_{id}`).
    """
    jobs = []
    with shown_as_message("Training jobs cannot be shown"):
        jobs = my_jobs(kind)
    if not jobs:
        return
    was_active = {j.id for j in jobs if j.status in ACTIVE}

    @st.fragment(run_every=LIVE_REFRESH_S if was_active else None)
    def panel():
        with shown_as_message("Training jobs cannot be shown"):
            now = my_jobs(kind)
            if any(j.id in was_active and j.status not in ACTIVE for j in now):
                st.rerun(scope="app")
            for snap in now:
                with st.container(border=True):
                    _draw_job(snap, charts, key)

    panel()


def _draw_job(snap, charts: list[tuple[str, list[str]]], key: str) -> None:
    st.markdown(f"**Training run** `{Path(snap.run_dir).name}`" + (f" · {snap.where}" if snap.where else ""))
    stop = lambda: engine().stop(snap.id, owner())  # noqa: E731 - bound to this snapshot's job
    if snap.waiting:
        st.progress(0.0, text=f"Waiting: {_queue_text(snap)}")
        st.button("Cancel", key=f"{key}_cancel_{snap.id}", on_click=stop)
        return
    if snap.running:
        if not snap.reporting:  # no report yet: the numbers would be placeholders
            text = "Loading the data and building the model…"
        elif snap.epoch_records and snap.epoch_records[-1]["epoch"] == snap.epochs:
            text = "Training done; scoring the run with the judge…"
        else:
            text = f"Epoch {snap.epoch}/{snap.epochs} · step {snap.step}/{snap.steps_per_epoch} · {_eta(snap.eta)}"
        st.progress(snap.fraction if snap.reporting else 0.0, text=text)
        st.button("Stop", key=f"{key}_stop_{snap.id}", on_click=stop, type="primary")
    elif snap.status == "complete":
        st.success(f"Finished {_epochs(len(snap.epoch_records))} in {duration(snap.elapsed)}; the run is saved.")
    elif snap.status in ("stopped", "cancelled"):
        st.warning(snap.message)
    else:
        st.error(snap.message)
    if snap.epoch_records:
        times = [r["seconds"] for r in snap.epoch_records]
        st.caption(f"Last epoch {times[-1]:.1f} s · average epoch {np.mean(times):.1f} s "
                   "(training, evaluation and per-epoch metrics)")
    cols = st.columns(len(charts) + (snap.grid is not None))
    for col, (title, names) in zip(cols, charts):
        series = {n: snap.series[n] for n in names if n in snap.series}
        if series:
            y_label = _score_axis(snap.run_dir) if set(series) <= plots.PROBABILITY_SERIES else None
            col.plotly_chart(plots.loss_chart(series, title, smoothing=20, steps_per_epoch=snap.steps_per_epoch,
                                              y_label=y_label),
                             width="stretch", key=f"{key}_{title}_{snap.id}")
    if snap.grid is not None:
        cols[-1].image(images.png_bytes(snap.grid, scale=2), output_format="PNG",
                       caption=f"Samples after epoch {snap.epoch_records[-1]['epoch']}")


def _epochs(n: int) -> str:
    return f"{n} epoch" + ("" if n == 1 else "s")
