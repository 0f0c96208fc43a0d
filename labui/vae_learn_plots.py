"""Plotly figures of the VAE page's hands-on views: KL per dimension, a drawn digit's landings across β, and
the latent plane that decodes wherever it is clicked. Pure functions of arrays, like labui/plots.py."""
from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from genlib.evaluation.metrics import COLLAPSED_KL
from labui.plots import DIGIT_COLOURS, latent_scatter, layout

KL_FLOOR = 1e-4        # KL bars and cells below this are drawn at it: a log axis cannot show 0
PLANE_GRID = 71        # invisible markers per side under the clickable plane: clicks land on the nearest one
MARK = dict(size=16, symbol="x", color="red", line=dict(width=2, color="white"))


def kl_bars(kl: np.ndarray, active: np.ndarray, title: str) -> go.Figure:
    """Mean KL per dimension, largest first, coloured by whether the dimension is an active unit."""
    order = np.argsort(kl)[::-1]
    names = [f"z{d + 1}" for d in order]
    fig = go.Figure()
    for is_active, label, colour in ((True, "active unit (Cov > 0.01)", "#1f77b4"), (False, "inactive", "#bbbbbb")):
        pick = [i for i, d in enumerate(order) if bool(active[d]) == is_active]
        fig.add_trace(go.Bar(x=[names[i] for i in pick], y=np.maximum(kl[order[pick]], KL_FLOOR).tolist(), name=label,
                             marker_color=colour, customdata=kl[order[pick]].tolist(),
                             hovertemplate="%{x}: %{customdata:.4f} nats<extra></extra>"))
    fig.add_hline(y=COLLAPSED_KL, line=dict(color="red", dash="dash"),
                  annotation_text=f"{COLLAPSED_KL} nats: below it, no information")
    fig.update_xaxes(categoryorder="array", categoryarray=names)
    fig.update_yaxes(type="log")
    return layout(fig, title, "latent dimension (largest KL first)", "mean KL on the test set (nats, log)")


def kl_heatmap(betas: list[float], kl_rows: list[np.ndarray], collapsed: list[int], title: str) -> go.Figure:
    """β × dimension, each row sorted largest first: the staircase of dimensions switching off as β grows."""
    z = np.log10(np.maximum(np.sort(np.stack(kl_rows), 1)[:, ::-1], KL_FLOOR))
    dims = z.shape[1]
    rows = [f"β = {b:g} ({c} collapsed)" for b, c in zip(betas, collapsed)]
    fig = go.Figure(go.Heatmap(
        z=z, x=list(range(1, dims + 1)), y=rows, colorscale="Viridis", zmin=math.log10(KL_FLOOR),
        customdata=10**z, hovertemplate="%{y}, rank %{x}: %{customdata:.4f} nats<extra></extra>",
        colorbar=dict(title="nats", tickvals=[-4, -2, 0, 1], ticktext=["≤0.0001", "0.01", "1", "10"])))
    fig.update_yaxes(autorange="reversed")
    return layout(fig, title, "dimension rank (largest KL first)", "", height=60 + 32 * len(betas))


def landing_grid(panels: list[dict], columns: int = 5) -> go.Figure:
    """One small latent scatter per β, the drawn digit's code marked on each and the prior's circles drawn.

    panels: dicts with title, points (N, 2), labels (N,), mark (2,), selected (bool).
    """
    rows = -(-len(panels) // columns)
    fig = make_subplots(rows=rows, cols=columns, subplot_titles=[p["title"] for p in panels],
                        horizontal_spacing=0.03, vertical_spacing=0.12)
    theta = np.linspace(0, 2 * math.pi, 60)
    for i, panel in enumerate(panels):
        r, c = divmod(i, columns)
        where = dict(row=r + 1, col=c + 1)
        points, mark = panel["points"], panel["mark"]
        fig.add_trace(go.Scattergl(x=points[:, 0], y=points[:, 1], mode="markers", showlegend=False,
                                   marker=dict(size=3, opacity=0.6,
                                               color=[DIGIT_COLOURS[d] for d in panel["labels"]]),
                                   hoverinfo="skip"), **where)
        for radius in (1, 2):
            fig.add_trace(go.Scatter(x=radius * np.cos(theta), y=radius * np.sin(theta), mode="lines",
                                     showlegend=False, hoverinfo="skip",
                                     line=dict(color="black", width=1, dash="solid" if radius == 1 else "dash")),
                          **where)
        fig.add_trace(go.Scatter(x=[mark[0]], y=[mark[1]], mode="markers", showlegend=False, marker=MARK,
                                 hovertemplate="your digit (%{x:.1f}, %{y:.1f})<extra></extra>"), **where)
        reach = max(2.5, float(np.abs(points).max()), float(np.abs(mark).max())) * 1.05
        axis = f"{'' if i == 0 else i + 1}"
        fig.update_xaxes(range=[-reach, reach], showticklabels=True, **where)
        fig.update_yaxes(range=[-reach, reach], scaleanchor=f"x{axis}", **where)
    for i, panel in enumerate(panels):  # the selected β's title in red
        if panel["selected"]:
            fig.layout.annotations[i].font = dict(color="red", size=14)
    fig.update_layout(height=290 * rows, margin=dict(l=10, r=10, t=40, b=10))
    return fig


def clickable_plane(points: np.ndarray, labels: np.ndarray, title: str, axis_names, clicked=None) -> go.Figure:
    """The latent scatter with an invisible grid of markers under it, so a click anywhere selects a point
    (plotly selects markers only, never empty space); the clicked point is marked."""
    fig = latent_scatter(points, labels, title, axis_names)
    reach = fig.layout.xaxis.range[1]
    ticks = np.linspace(-reach, reach, PLANE_GRID)
    gx, gy = np.meshgrid(ticks, ticks)
    grid = go.Scattergl(x=gx.ravel(), y=gy.ravel(), mode="markers", name="plane", showlegend=False,
                        marker=dict(size=6, opacity=0), unselected=dict(marker=dict(opacity=0)),
                        selected=dict(marker=dict(opacity=0)),
                        hovertemplate="decode (%{x:.2f}, %{y:.2f})<extra></extra>")
    fig.add_trace(grid)
    fig.data = (fig.data[-1],) + fig.data[:-1]  # under the codes
    for trace in fig.data[1:11]:  # the codes stay as bright after a click (plotly dims unselected points)
        trace.unselected = dict(marker=dict(opacity=0.7))
    if clicked is not None:
        fig.add_trace(go.Scatter(x=[clicked[0]], y=[clicked[1]], mode="markers", name="decoded here",
                                 marker=MARK, hoverinfo="skip"))
    fig.update_layout(clickmode="event+select", dragmode=False)
    return fig
