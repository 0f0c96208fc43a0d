"""Slow motion on the GAN page: step a saved epoch one update at a time and watch D and G react.

The stepping state (genlib.training.slow_motion.SlowMotion) lives in st.session_state, one per browser
session; the update it runs is the trainer's own, and the run on disk is only read.
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from genlib import images
from genlib.runs.store import Run
from genlib.training.slow_motion import SlowMotion
from labui import plots
from labui.errors import shown_as_message

STATE_KEY = "gan_slow_motion"  # session key: the SlowMotion of the run and epoch being stepped
LAST_KEY = "gan_slow_last"     # session key: the last click's StepShown


def scores_figure(real: np.ndarray, fake: np.ndarray, shown_as: str, step: int) -> go.Figure:
    """Histograms of D's scores on the step's real and fake batch (overlaid)."""
    fig = go.Figure()
    for values, name, colour in ((real, "real digits", "#1f77b4"), (fake, "generated digits", "#d62728")):
        fig.add_trace(go.Histogram(x=values, name=f"{name} (mean {float(np.mean(values)):.2f})", nbinsx=30,
                                   opacity=0.6, marker_color=colour))
    fig.update_layout(barmode="overlay")
    return plots.layout(fig, f"D's scores in update {step}", shown_as, "digits in the batch", height=300)


def _stepper(run_dir: str, epoch: int) -> SlowMotion:
    """This session's stepping state for (run, epoch): a new one when either changed or on 'start again'."""
    held = st.session_state.get(STATE_KEY)
    if held is None or (held.run_dir, held.epoch) != (run_dir, epoch):
        with st.spinner(f"Loading epoch {epoch}'s generator and discriminator…"):
            held = st.session_state[STATE_KEY] = SlowMotion(run_dir, epoch)
        st.session_state.pop(LAST_KEY, None)
    return held


def _restart() -> None:
    st.session_state.pop(STATE_KEY, None)
    st.session_state.pop(LAST_KEY, None)


@st.fragment
def slow_motion_view(run_dir: str) -> None:
    kept = Run(run_dir).epochs_with_weights("D")
    if not kept:
        st.info("This run kept no discriminator (runs trained before discriminators were saved keep only their "
                "generators), so it cannot be stepped. Train a new run, or pick a shipped one.")
        return
    epoch = st.selectbox("Start from the weights of epoch", kept, index=len(kept) - 1,
                         key=f"gan_slow_epoch_{run_dir}", help="the epochs whose discriminator this run keeps")
    with shown_as_message("This epoch cannot be stepped"):
        stepper = _stepper(run_dir, epoch)
        loss = stepper.loss
        batches = (f"{loss.critic_steps} critic steps, each on a fresh batch of {stepper.cfg.batch_size} real "
                   f"digits and as many fakes," if loss.critic_steps > 1 else
                   f"one D step on a fresh batch of {stepper.cfg.batch_size} real digits and as many fakes,")
        st.markdown(f"Each click runs the trainer's own update: {batches} then one G step. It starts from epoch "
                    f"{epoch}'s G and D with fresh Adam optimisers (learning rates G {stepper.cfg.lr_g:g}, D "
                    f"{stepper.cfg.lr_d:g}): runs keep no optimiser state per epoch, and a fresh Adam's first updates "
                    "move every weight by about the learning rate (the mean change of each update is shown below). "
                    "Nothing is written to the run: the steps live in this browser tab only.")
        left, right, _ = st.columns([1, 1, 3])
        if left.button("One step", key="gan_slow_step", type="primary"):
            st.session_state[LAST_KEY] = stepper.step()
        right.button(f"Start again from epoch {epoch}", key="gan_slow_restart", on_click=_restart)
        shown = st.session_state.get(LAST_KEY)
        if shown is None:
            st.image(images.png_bytes(stepper.grid, scale=2), output_format="PNG",
                     caption=f"Fixed-noise samples of epoch {epoch}, before any step")
            return
        m = st.container(key="gan_slow_metrics").columns(5)
        m[0].metric("Updates taken", shown.step)
        m[1].metric("D loss", f"{shown.d_loss:.3f}", help="this update's (last) D step, penalty included")
        m[2].metric("G loss", f"{shown.g_loss:.3f}", help="this update's G step, judged by the updated D")
        m[3].metric("D weights moved", f"{shown.d_moved:.1e}", help="mean |change| of D's weights in this update")
        m[4].metric("G weights moved", f"{shown.g_moved:.1e}", help="mean |change| of G's weights in this update")
        st.plotly_chart(scores_figure(shown.real_scores, shown.fake_scores, loss.shown_as, shown.step),
                        width="stretch", key="gan_slow_scores")
        before, after, change = st.columns(3)
        before.image(images.png_bytes(shown.grid_before, scale=2), output_format="PNG",
                     caption=f"before update {shown.step}")
        after.image(images.png_bytes(shown.grid_after, scale=2), output_format="PNG",
                    caption=f"after update {shown.step}")
        moved = np.abs(shown.grid_after.astype(np.float32) - shown.grid_before.astype(np.float32))
        change.image(images.png_bytes(_stretched(moved), scale=2), output_format="PNG",
                     caption=f"what moved (brightest: {moved.max() / 255:.2f} of full scale)")


def _stretched(moved: np.ndarray) -> np.ndarray:
    """The per-pixel change scaled so its largest value is white (black: unchanged)."""
    top = float(moved.max())
    return (moved * (255.0 / top) if top > 0 else moved).astype(np.uint8)
