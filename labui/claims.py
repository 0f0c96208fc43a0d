"""Testing the homework's claim that generated digits are copies (the VAE's overfitting: labui/vae_gap.py)."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st
import torch

from genlib.evaluation.judge import judge_images
from genlib.evaluation.memorisation import memorisation_check, training_digits
from genlib.evaluation.metrics import CONFIDENCE, confident_rate
from labui import plots, run_cache

CHECKED_SAMPLES = 1000
SHOWN_PAIRS = 12  # the closest samples shown beside their nearest training digit
# Below this share of confidently recognised samples they are mostly not digits, and the distance to the
# nearest training digit says nothing about copying (shipped β = 0 prior samples: 6 %; β = 1: 46 %; GAN: 74 %).
DIGITS_NEEDED = 0.25


def share_text(share: float) -> str:
    """A share as the page prints it: the same rounding in the metric and in the sentence below it."""
    return f"{share:.1%}"


@run_cache.stamped
@st.cache_data(max_entries=64, show_spinner="Finding each sample's nearest training digit…")
def memorisation_report(run_dir: str, stamp: float, kind: str, epoch: int | None) -> dict:
    gen = torch.Generator().manual_seed(7)
    model = run_cache.vae(run_dir) if kind == "vae" else run_cache.generator(run_dir, epoch)
    with torch.no_grad():
        samples = model.sample(CHECKED_SAMPLES, gen)
    check = memorisation_check(samples)
    closest = np.argsort(check["feature_distances"])[:SHOWN_PAIRS]
    # kept per run and epoch: the numbers and the pairs shown, not all 1,000 samples (3 MB each)
    return {**check, "confident_rate": confident_rate(judge_images(samples)[1]),
            "closest_samples": samples[closest].clone(), "their_training_digits": check["nearest_by_features"][closest]}


def memorisation_view(kind: str, run_dir: str, epoch: int | None, key: str) -> dict | None:
    """Nearest training digits of 1,000 samples, against the same distances for held-out test digits.

    It runs on request: the first check indexes all 60,000 training digits (seconds), which must not
    delay opening the page.
    """
    asked = f"{key}_asked"
    if not st.session_state.get(asked) and not st.button("Find each sample's nearest training digit",
                                                          key=f"{key}_go"):
        st.caption(f"Draws {CHECKED_SAMPLES:,} samples and searches all 60,000 training digits for each one's "
                   "nearest neighbour (the first time takes a few seconds).")
        return None
    st.session_state[asked] = True
    report = memorisation_report(run_dir, kind, epoch)
    c0, c1, c2, c3 = st.columns(4)
    c0.metric("Recognised as digits", share_text(report["confident_rate"]),
              help=f"share of samples the judge gives one class at least {CONFIDENCE:.0%} probability")
    c1.metric("nn_ratio (judge features)", f"{report['nn_ratio']:.2f}",
              help="median sample→train distance ÷ median test→train distance: ≈ 0 copies, "
                   "≈ 1 as new as test digits")
    c2.metric("nn_ratio (pixels)", f"{report['nn_ratio_pixels']:.2f}")
    c3.metric("Suspiciously close", share_text(report["share_closer"]),
              help="share of samples nearer a training digit than 95 % of test digits are (≈ 5 % if new)")
    fig = go.Figure()
    for distances, name in (("test_feature_distances", "test digits → train (new by construction)"),
                            ("feature_distances", "samples → train")):
        fig.add_trace(go.Histogram(x=report[distances], name=name, opacity=0.6, histnorm="probability density"))
    fig.update_layout(barmode="overlay")
    st.plotly_chart(plots.layout(fig, "Distance to the nearest training digit (judge features)",
                                  "distance", "density"), width="stretch", key=f"{key}_nn_hist")
    pairs = torch.cat([report["closest_samples"], training_digits(report["their_training_digits"])])
    st.image(run_cache.png(pairs, nrow=SHOWN_PAIRS, scale=2), output_format="PNG",
             caption=f"The {SHOWN_PAIRS} samples closest to a training digit (top) and that training digit (bottom)")
    return report


def verdict(report: dict) -> str:
    """The memorisation check in one sentence, from the numbers shown above it."""
    ratio, share, digits = report["nn_ratio"], report["share_closer"], report["confident_rate"]
    if digits < DIGITS_NEEDED:
        return (f"**These samples are mostly not digits**: the judge recognises only {share_text(digits)} of them, "
                "so how far they sit from the training digits says nothing about copying.")
    if ratio < 0.5 or share > 0.25:
        return (f"**These samples look copied**: they sit {ratio:.2f}× as far from the training set as new "
                f"digits do, and {share_text(share)} are suspiciously close.")
    return (f"**No sign of copying**: samples sit {ratio:.2f}× as far from their nearest training digit as "
            f"held-out test digits do, and {share_text(share)} are suspiciously close "
            "(≈ 5 % is what new digits give).")
