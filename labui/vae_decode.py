"""Decode anywhere: click any point of the latent plane (not only the encoded dots) and see what it decodes to.

A 2-D latent is its own plane. A larger one is shown on its top two principal directions (the latent view's
projection); a click there is lifted back to a full code: the codes' mean, moved within that plane.
"""
from __future__ import annotations

import numpy as np
import streamlit as st
import torch

from genlib import images
from genlib.evaluation import latent, probe
from labui import run_cache, vae_learn_plots

HOLE_RATIO = 5  # a point this many typical code spacings from the nearest code lies in a hole


def _clicked_key(run_dir: str) -> str:
    return f"vae_decode_at_{run_dir}"


def _remember_click(chart_key: str, run_dir: str) -> None:
    """Keep the clicked point in the session: the chart is redrawn with a mark there, which resets its
    own selection."""
    points = st.session_state[chart_key]["selection"]["points"]
    if points:
        st.session_state[_clicked_key(run_dir)] = (float(points[0]["x"]), float(points[0]["y"]))


@run_cache.stamped
@st.cache_data(max_entries=64, show_spinner=False)
def code_spacing(run_dir: str, stamp: float) -> float:
    """Typical nearest-neighbour distance of the shown codes on the plane."""
    return probe.typical_code_spacing(run_cache.projection(run_dir)["points"][:run_cache.CODES_SHOWN])


def plane_names(latent_dim: int, explained) -> tuple[tuple[str, str], str]:
    if latent_dim == 2:
        return ("z1", "z2"), "Click anywhere on the latent plane to decode that point"
    return ((f"PC1 ({explained[0]:.0%} of variance)", f"PC2 ({explained[1]:.0%})"),
            f"Click anywhere on the top 2 of {latent_dim} principal directions to decode that point")


@st.fragment
def decode_view(run_dir: str, latent_dim: int, beta: float) -> None:
    """A click reruns only this view."""
    proj = run_cache.projection(run_dir)
    labels = run_cache.test_labels()
    shown = proj["points"][:run_cache.CODES_SHOWN]
    clicked = st.session_state.get(_clicked_key(run_dir))
    names, title = plane_names(latent_dim, proj["explained"])
    left, right = st.columns([3, 2])
    chart_key = f"decode_plane_{latent_dim}"
    left.plotly_chart(vae_learn_plots.clickable_plane(shown, labels[:len(shown)], title, names, clicked),
                      width="stretch", key=chart_key, on_select=lambda: _remember_click(chart_key, run_dir),
                      selection_mode="points")
    left.caption("Hover shows the point under the pointer; a click decodes it. The black circles are the "
                 "prior's 1σ and 2σ.")
    if clicked is None:
        right.info("Click a point of the plane, in a cluster or between them.")
        return
    with right:
        decoding_panel(run_dir, latent_dim, beta, np.array(clicked), shown)


def decoding_panel(run_dir: str, latent_dim: int, beta: float, clicked: np.ndarray, shown: np.ndarray) -> None:
    proj, codes = run_cache.projection(run_dir), run_cache.vae_codes(run_dir)
    z = latent.lift(clicked, proj["directions"], codes.mean(0))
    with torch.no_grad():
        decoded = run_cache.vae(run_dir).decode(torch.tensor(z, dtype=torch.float32))
    reading = probe.readings(decoded)[0]
    st.image(images.png_bytes(images.to_uint8(decoded[0]), scale=8), output_format="PNG",
             caption=f"decoded at ({clicked[0]:.2f}, {clicked[1]:.2f}), β = {beta:g}")
    # the judge is a classifier: it can be sure of a blob, so the distance below is the hole's real sign
    verdict = ("at least the 90 % the lab counts as confident; look at the picture too, a classifier can be "
               "sure of a blob" if probe.is_confident(reading)
               else "below the 90 % the lab counts as confident: no clear digit")
    st.markdown(f"**The judge reads {reading.digit} with {reading.confidence:.0%} confidence**: {verdict}.")
    nearest, spacing = probe.nearest_code_distance(clicked, shown), code_spacing(run_dir)
    ratio = nearest / max(spacing, 1e-12)
    where = (f"in **a hole between the codes**: {ratio:.0f}× their typical spacing from the nearest one"
             if ratio >= HOLE_RATIO else "among the codes")
    st.markdown(f"The nearest of the {len(shown):,} test codes drawn is {nearest:.2f} away on this plane; "
                f"neighbouring codes are typically {spacing:.2f} apart. This point lies {where}.")
    if latent_dim > 2:
        st.caption(f"The other {latent_dim - 2} directions of the code stay at the test codes' mean.")
    elif np.linalg.norm(clicked) <= 2:
        st.caption(f"|point| = {np.linalg.norm(clicked):.2f}: inside the prior's 2σ circle, which holds "
                   f"{1 - probe.prior_tail(2.0, 2):.0%} of the prior's samples.")
