"""Per-dimension KL: which latent dimensions carry information, for the selected β and across its sweep.

One definition of a working dimension runs through the page: an active unit, whose posterior mean varies across
the test digits (metrics.active_dimensions, Cov > ACTIVE_UNIT_VARIANCE). The metric strip counts it (eval.json),
the bars are coloured by it, the heat map's rows count it and every sentence here says it; a dimension that is
not one is inactive, collapsed onto the prior. (A second threshold on the KL itself disagreed with it: at β = 4
two active units have a mean KL of 0.005 and 0.008 nats.)
"""
from __future__ import annotations

import numpy as np
import streamlit as st

from genlib.evaluation import evaluate, metrics
from labui import run_cache, vae_learn_plots


@run_cache.stamped
@st.cache_data(max_entries=64, show_spinner=False)
def kl_profile(run_dir: str, stamp: float) -> dict:
    """Mean KL per latent dimension over the test set, how much each one's code varies, and which are active."""
    mu, logvar = evaluate.encode_all(run_cache.vae(run_dir), run_cache.test_images())
    return {"kl": metrics.kl_per_dimension(mu, logvar), "variance": mu.var(0), "active": metrics.active_dimensions(mu)}


def collapse_sentence(beta: float, profile: dict) -> str:
    """What the bars say, in plain words; every count is one the bars show."""
    kl, active = profile["kl"], profile["active"]
    dims, idle = len(kl), int((~active).sum())
    if idle:
        head = (f"**At β = {beta:g}, {idle} of {dims} dimensions carry no information: posterior collapse.** They "
                f"are inactive: the encoder gives every test digit nearly the same code there (variance ≤ "
                f"{metrics.ACTIVE_UNIT_VARIANCE}), so the decoder can read nothing from them; their mean KL is at most "
                f"{kl[~active].max():.2g} nats. The other {dims - idle} are the active units counted above the views.")
    else:
        head = (f"**At β = {beta:g} all {dims} dimensions are active units:** each one's code varies across test "
                f"digits (variance > {metrics.ACTIVE_UNIT_VARIANCE}); the smallest mean KL is {kl.min():.2g} nats.")
    return f"{head} The bars add up to {kl.sum():.1f} nats, the rate."


def sweep_caption(betas: list[float], idle: list[int], dims: int) -> str:
    """Where in the sweep dimensions start switching off, from the heat map's row counts."""
    first = next((b for b, n in zip(betas, idle) if n), None)
    if first is None:
        return "No β of this sweep switches a dimension off: every one stays an active unit."
    top = int(np.argmax(betas))
    return (f"Dimensions start switching off at β = {first:g} in this sweep; at β = {betas[top]:g}, {idle[top]} of "
            f"{dims} are inactive.")


def kl_view(sweep: list, run) -> None:
    profile = kl_profile(run.path)
    st.markdown(collapse_sentence(run.kl_weight, profile))
    st.plotly_chart(vae_learn_plots.kl_bars(profile["kl"], profile["variance"], profile["active"],
                                            f"KL per latent dimension at β = {run.kl_weight:g}"),
                    width="stretch", key="kl_bars")
    if len(sweep) < 2:
        return
    profiles = [kl_profile(r.path) for r in sweep]
    betas, idle = [r.kl_weight for r in sweep], [int((~p["active"]).sum()) for p in profiles]
    st.plotly_chart(vae_learn_plots.kl_heatmap(betas, [p["kl"] for p in profiles], idle,
                                               "Across the sweep: each β's dimensions, largest KL first"),
                    width="stretch", key="kl_heatmap")
    st.caption(sweep_caption(betas, idle, len(profile["kl"])))
