"""Per-dimension KL: which latent dimensions carry information, for the selected β and across its sweep."""
from __future__ import annotations

import numpy as np
import streamlit as st

from genlib.evaluation import evaluate, metrics
from labui import run_cache, vae_learn_plots


@run_cache.stamped
@st.cache_data(max_entries=64, show_spinner=False)
def kl_profile(run_dir: str, stamp: float) -> dict:
    """Mean KL per latent dimension over the test set, and which dimensions are active units."""
    mu, logvar = evaluate.encode_all(run_cache.vae(run_dir), run_cache.test_images())
    kl = metrics.kl_per_dimension(mu, logvar)
    return {"kl": kl, "active": metrics.active_dimensions(mu), "collapsed": metrics.collapsed_dimensions(kl)}


def collapse_sentence(beta: float, profile: dict) -> str:
    """What the bars say, in plain words; every count is one the bars show."""
    kl, active, collapsed = profile["kl"], profile["active"], profile["collapsed"]
    dims, dead = len(kl), int(collapsed.sum())
    if dead:
        head = (f"**At β = {beta:g}, {dead} of {dims} dimensions carry no information: posterior collapse.** "
                f"Their mean KL is below {metrics.COLLAPSED_KL} nats, so their posterior is the prior whatever the "
                "digit, and the decoder has learned to ignore them.")
    else:
        head = (f"**At β = {beta:g} all {dims} dimensions carry information:** the smallest mean KL is "
                f"{kl.min():.2f} nats (collapse means below {metrics.COLLAPSED_KL}).")
    return (f"{head} {int(active.sum())} of {dims} are active units (their code varies across test digits, "
            f"Cov > {metrics.ACTIVE_UNIT_VARIANCE}). The bars add up to {kl.sum():.1f} nats, the rate.")


def kl_view(sweep: list, run) -> None:
    profile = kl_profile(run.path)
    st.markdown(collapse_sentence(run.kl_weight, profile))
    st.plotly_chart(vae_learn_plots.kl_bars(profile["kl"], profile["active"],
                                            f"KL per latent dimension at β = {run.kl_weight:g}"),
                    width="stretch", key="kl_bars")
    if len(sweep) < 2:
        return
    profiles = [kl_profile(r.path) for r in sweep]
    counts = [int(p["collapsed"].sum()) for p in profiles]
    st.plotly_chart(vae_learn_plots.kl_heatmap([r.kl_weight for r in sweep], [p["kl"] for p in profiles], counts,
                                               "Across the sweep: each β's dimensions, largest KL first"),
                    width="stretch", key="kl_heatmap")
    first = next((r.kl_weight for r, c in zip(sweep, counts) if c), None)
    if first is None:
        st.caption(f"No β of this sweep collapses a dimension (every mean KL ≥ {metrics.COLLAPSED_KL} nats).")
    else:
        top = int(np.argmax([r.kl_weight for r in sweep]))
        st.caption(f"Collapse starts at β = {first:g} in this sweep; at β = {sweep[top].kl_weight:g}, "
                   f"{counts[top]} of {len(profiles[top]['kl'])} dimensions carry nothing.")
