"""Does the VAE decoder overfit without the KL term? Train and test reconstruction, per epoch and across β."""
from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from genlib.evaluation.metrics import recon_gap
from labui import plots, run_cache, vae_sentences


def overfitting_view(sweep: list, run, smaller: list[str]) -> None:
    """Train vs test reconstruction per epoch, and the final gap against β, with the measured verdict.

    smaller: labels of the sweeps on fewer training images, where the homework's claim has more room to show."""
    records = run_cache.history(run.path)["epochs"]
    epochs = [r["epoch"] for r in records]
    fig = go.Figure()
    for split in ("train", "test"):
        fig.add_trace(go.Scatter(x=epochs, y=[r[f"{split}_recon"] for r in records], mode="lines+markers",
                                 name=f"{split} reconstruction"))
    size = run.extra.get("train_limit") or 60000
    left, right = st.columns(2)
    left.plotly_chart(plots.layout(fig, f"Reconstruction (nats) per epoch, β = {run.kl_weight:g}, {size:,} "
                                        "training images", "epoch", "nats per image"), width="stretch",
                      key="gap_per_epoch")
    last = {r.kl_weight: run_cache.history(r.path)["epochs"][-1] for r in sweep}
    betas = sorted(last)
    if len(betas) > 1:  # one run has no β axis to draw
        right.plotly_chart(plots.metric_vs_beta(betas, [recon_gap(last[b]) for b in betas],
                                                "Test − train reconstruction (nats)", run.kl_weight),
                           width="stretch", key="gap_vs_beta")
    lines = [vae_sentences.gap(run.kl_weight, records[-1], size)]
    if 0.0 in last and 1.0 in last:
        lines.append(vae_sentences.gap_by_beta(last[0.0], last[1.0]))
    else:
        lines.append("Train β = 0 and β = 1 at the same training-set size to compare their gaps here.")
    # the hint follows β = 0's gap where the sweep has one: the homework's claim is about the autoencoder
    lines.append(vae_sentences.small_data_hint(vae_sentences.overfits(last.get(0.0, records[-1])), smaller))
    st.markdown("\n\n".join(line for line in lines if line))
