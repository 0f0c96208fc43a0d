"""Plotly figures of the VAE page's hands-on views: KL per dimension, a drawn digit's landings across β, and
the latent plane that decodes wherever it is clicked. Pure functions of arrays, like labui/plots.py."""
from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from genlib.evaluation.metrics import ACTIVE_UNIT_VARIANCE
from labui.plots import DIGIT_COLOURS, PRIOR_RADII, latent_scatter, layout, prior_circle

KL_FLOOR = 1e-4        # KL bars and cells below this are drawn at it: a log axis cannot show 0
PLANE_GRID = 71        # invisible markers per side under the clickable plane: clicks land on the nearest one
MARK = dict(size=16, symbol="x", color="red", line=dict(width=2, color="white"))


def kl_bars(kl: np.ndarray, variance: np.ndarray, active: np.ndarray, title: str) -> go.Figure:
    """Mean KL per dimension, largest first, coloured by whether the dimension is an active unit (labui/vae_kl.py:
    the page's one definition). No line at a KL threshold: a second rule would colour some bars against it."""
    order = np.argsort(kl)[::-1]
    names = [f"z{d + 1}" for d in order]
    fig = go.Figure()
    for is_active, label, colour in ((True, f"active unit (code varies: Cov > {ACTIVE_UNIT_VARIANCE})", "#1f77b4"),
                                     (False, f"inactive (Cov ≤ {ACTIVE_UNIT_VARIANCE})", "#bbbbbb")):
        pick = [d for d in order if bool(active[d]) == is_active]
        fig.add_trace(go.Bar(x=[f"z{d + 1}" for d in pick], y=np.maximum(kl[pick], KL_FLOOR).tolist(), name=label,
                             marker_color=colour, customdata=np.stack([kl[pick], variance[pick]], 1).tolist(),
                             hovertemplate="%{x}: %{customdata[0]:.4f} nats, its code's variance across digits "
                                           "%{customdata[1]:.4f}<extra></extra>"))
    fig.update_xaxes(categoryorder="array", categoryarray=names)
    fig.update_yaxes(type="log", **decade_ticks(float(kl.max())))
    return layout(fig, title, "latent dimension (largest KL first)", "mean KL on the test set (nats, log)")


def decade_ticks(largest: float) -> dict:
    """One labelled tick per power of ten from the floor up, written out (plotly's default log ticks read
    "5 2 10 5 2 1"); the floor's label says that smaller values are drawn there."""
    powers = range(round(math.log10(KL_FLOOR)), max(0, math.ceil(math.log10(max(largest, KL_FLOOR)))) + 1)
    values = [10.0**p for p in powers]
    return {"tickvals": values, "ticktext": [f"≤{v:g}" if v == KL_FLOOR else f"{v:g}" for v in values]}


def kl_heatmap(betas: list[float], kl_rows: list[np.ndarray], inactive: list[int], title: str) -> go.Figure:
    """β × dimension, each row sorted largest first: the staircase of dimensions switching off as β grows."""
    z = np.log10(np.maximum(np.sort(np.stack(kl_rows), 1)[:, ::-1], KL_FLOOR))
    dims = z.shape[1]
    rows = [f"β = {b:g} ({n} inactive)" for b, n in zip(betas, inactive)]
    fig = go.Figure(go.Heatmap(
        z=z, x=list(range(1, dims + 1)), y=rows, colorscale="Viridis", zmin=math.log10(KL_FLOOR),
        customdata=10**z, hovertemplate="%{y}, rank %{x}: %{customdata:.4f} nats<extra></extra>",
        colorbar=dict(title="nats", tickvals=[-4, -2, 0, 1], ticktext=["≤0.0001", "0.01", "1", "10"])))
    fig.update_yaxes(autorange="reversed")
    return layout(fig, title, "dimension rank (largest KL first)", "", height=60 + 32 * len(betas))


# digits 0-9 as numbers on a stepped colour scale: one numeric array per trace, not 500 colour strings
DIGIT_SCALE = [[edge, colour] for d, colour in enumerate(DIGIT_COLOURS) for edge in (d / 10, (d + 1) / 10)]
# the prior's circles as one line with a gap (NaN) between them: one trace per panel, not two
_circles = [prior_circle(r, points=60) for r in PRIOR_RADII]
RINGS = [np.concatenate([_circles[0][axis], [np.nan], _circles[1][axis]]) for axis in (0, 1)]


def landing_grid(panels: list[dict], columns: int = 5) -> dict:
    """One small latent scatter per β, the drawn digit's code marked on each and the prior's circles drawn.

    panels: dicts with title, points (N, 2), labels (N,), mark (2,), selected (bool). Built as a plain
    figure dict: plotly's make_subplots and per-trace row/col took ~200 ms for ten panels, this takes a few.
    """
    rows = -(-len(panels) // columns)
    gap_x, gap_y = 0.015, 0.06
    traces, layout_axes, titles = [], {}, []
    for i, panel in enumerate(panels):
        r, c = divmod(i, columns)
        suffix = "" if i == 0 else str(i + 1)
        axes = dict(xaxis=f"x{suffix}", yaxis=f"y{suffix}")
        points, mark = np.asarray(panel["points"]), np.asarray(panel["mark"])
        traces.append(dict(type="scattergl", x=points[:, 0], y=points[:, 1], mode="markers", hoverinfo="skip",
                           marker=dict(size=3, opacity=0.6, color=np.asarray(panel["labels"]), colorscale=DIGIT_SCALE,
                                       cmin=0, cmax=10), **axes))
        traces.append(dict(type="scatter", x=RINGS[0], y=RINGS[1], mode="lines", hoverinfo="skip",
                           line=dict(color="black", width=1), **axes))
        traces.append(dict(type="scatter", x=[float(mark[0])], y=[float(mark[1])], mode="markers", marker=MARK,
                           hovertemplate="your digit (%{x:.1f}, %{y:.1f})<extra></extra>", **axes))
        reach = max(2.5, float(np.abs(points).max()), float(np.abs(mark).max())) * 1.05
        x0, x1 = c / columns + gap_x, (c + 1) / columns - gap_x
        y1 = 1 - r / rows - (gap_y if r else 0)
        y0 = 1 - (r + 1) / rows + gap_y
        layout_axes[f"xaxis{suffix}"] = dict(domain=[x0, x1], range=[-reach, reach], anchor=f"y{suffix}")
        layout_axes[f"yaxis{suffix}"] = dict(domain=[y0, y1], range=[-reach, reach], anchor=f"x{suffix}",
                                             scaleanchor=f"x{suffix}")
        titles.append(dict(text=panel["title"], x=(x0 + x1) / 2, y=y1, xref="paper", yref="paper",
                           yanchor="bottom", showarrow=False,
                           font=dict(color="red", size=14) if panel["selected"] else dict(size=13)))
    return dict(data=traces, layout=dict(**layout_axes, annotations=titles, showlegend=False,
                                         height=290 * rows, margin=dict(l=10, r=10, t=40, b=10)))


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
