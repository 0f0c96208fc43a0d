"""GAN variants side by side: up to four runs on one epoch slider, their grids and their judge curves.

Every GAN run draws its grid from the same fixed noise (FIXED_NOISE_SEED), so the grids differ only by what
each run learnt: with the shipped variants, only by the loss.
"""
from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from labui import plots, run_cache

MAX_RUNS = 4
RUN_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd"]  # no red: red marks the epoch


def run_label(summary) -> str:
    return f"{summary.extra['name']} · {summary.extra.get('loss', 'bce')} · {summary.epochs} epochs"


def default_runs(runs: list) -> list[str]:
    """The shipped small GANs (one per loss) when they are there, else the first runs listed."""
    shipped = [r.path for r in runs if run_cache.is_shipped(r) and r.arch == "small"]
    return (shipped or [r.path for r in runs])[:MAX_RUNS]


def curves_figure(histories: dict[str, list[dict]], names: dict[str, str], epoch: int,
                  floor: float | None) -> go.Figure:
    """Judge-FID and classes covered by epoch, one colour per run, the shared epoch marked in both panels."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("FID (classifier features; lower is better)",
                                                        "Classes covered (of 10)"))
    for colour, (path, records) in zip(RUN_COLOURS, histories.items()):
        scored = [r for r in records if "fid" in r]
        epochs = [r["epoch"] for r in scored]
        for col, key in ((1, "fid"), (2, "classes_covered")):
            fig.add_trace(go.Scatter(x=epochs, y=[r[key] for r in scored], mode="lines+markers", name=names[path],
                                     legendgroup=path, showlegend=col == 1, line=dict(color=colour)), row=1, col=col)
    for col in (1, 2):
        fig.add_vline(x=epoch, line=dict(color="red", width=2), row=1, col=col)
    if floor is not None:
        fig.add_hline(y=floor, line=dict(color="grey", dash="dash"), annotation_text="real digits", row=1, col=1)
    fig.update_yaxes(range=[0, 10.5], row=1, col=2)
    plots.layout(fig, "", "epoch", "", height=340)
    fig.update_xaxes(title_text="epoch")
    return fig


@st.fragment
def comparison_view(runs: list, floor: float | None) -> None:
    """Pick runs, move one epoch slider: every grid and both curves follow it (only this view redraws)."""
    by_path = {r.path: r for r in runs}
    chosen = st.multiselect(f"GAN runs to compare (up to {MAX_RUNS})", list(by_path), default=default_runs(runs),
                            max_selections=MAX_RUNS, format_func=lambda p: run_label(by_path[p]),
                            key="gan_variants_runs")
    if not chosen:
        st.info("Pick at least one run above.")
        return
    histories = {p: run_cache.history(p)["epochs"] for p in chosen}
    names = {p: by_path[p].extra["name"] for p in chosen}
    last = max(len(h) for h in histories.values())
    epoch = st.select_slider("Epoch (all runs)", options=list(range(1, last + 1)), value=last,
                             key="gan_variants_epoch")
    for col, path in zip(st.container(key="gan_variants_grids").columns(len(chosen)), chosen):
        records = histories[path]
        col.markdown(f"**{names[path]}**")
        if epoch > len(records):
            col.info(f"Trained for {len(records)} epochs only.")
            continue
        record, loss = records[epoch - 1], by_path[path].extra.get("loss", "bce")
        col.image(run_cache.grid_png(path, epoch, 2), output_format="PNG", caption=f"epoch {epoch}")
        if "fid" in record:
            col.caption(f"loss {loss} · FID {record['fid']:.0f} · {record['classes_covered']} of 10 classes · "
                        f"{record['confident_rate']:.0%} confident")
        else:
            col.caption(f"loss {loss} · trained without per-epoch metrics")
    st.caption("The same fixed noise feeds every grid: the same cell is the same z in every run. "
               + (f"Real test digits score FID {floor:.0f} against the rest of the test set." if floor else ""))
    st.plotly_chart(curves_figure(histories, names, epoch, floor), width="stretch", key="gan_variants_curves")
