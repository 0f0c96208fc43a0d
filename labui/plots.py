"""Plotly figures used by the pages. Pure functions of arrays: easy to test, quick to draw."""
from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

DIGIT_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                 "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]
MAX_LINE_POINTS = 2000


def layout_settings(title: str, x: str, y: str, height: int = 320) -> dict:
    return dict(title=title, xaxis_title=x, yaxis_title=y, height=height, margin=dict(l=10, r=10, t=40, b=10),
                legend=dict(orientation="h", y=-0.25))


def layout(fig: go.Figure, title: str, x: str, y: str, height: int = 320) -> go.Figure:
    fig.update_layout(**layout_settings(title, x, y, height))
    return fig


def marker_lines(x: float | None = None, y: float | None = None, y_name: str = "", colour: str = "grey",
                 dash: str = "dash") -> dict:
    """A full-height line at x or a full-width line at y (named at its right end), as layout entries.

    Given to the Figure in one go: each add_vline / add_hline call re-validates the figure (a few ms each,
    and the epoch curves redraw six figures per scrub)."""
    line = dict(color=colour, width=2 if x is not None else 1, dash=dash)
    if x is not None:
        return {"shapes": [dict(type="line", xref="x", yref="paper", x0=x, x1=x, y0=0, y1=1, line=line)],
                "annotations": []}
    return {"shapes": [dict(type="line", xref="paper", yref="y", x0=0, x1=1, y0=y, y1=y, line=line)],
            "annotations": [dict(xref="paper", yref="y", x=1, y=y, text=y_name, showarrow=False, xanchor="right",
                                 yanchor="bottom")] if y_name else []}


def figure(data: list[dict], settings: dict, *lines: dict) -> go.Figure:
    """One validation pass: traces, layout and marker lines together."""
    return go.Figure(data=data, layout={**settings, "shapes": [s for ln in lines for s in ln["shapes"]],
                                        "annotations": [a for ln in lines for a in ln["annotations"]]})


def smooth(values: np.ndarray, window: int) -> np.ndarray:
    """Trailing moving average (window 1 = raw)."""
    values = np.asarray(values, dtype=np.float64)
    if window <= 1 or len(values) < 2:
        return values
    cumsum = np.cumsum(np.insert(values, 0, 0.0))
    end = np.arange(1, len(values) + 1)
    width = np.minimum(end, window)  # the first points average over what exists so far
    return (cumsum[end] - cumsum[end - width]) / width


def thin(x: np.ndarray, y: np.ndarray, points: int = MAX_LINE_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """At most `points` evenly spaced points, so long runs draw quickly."""
    if len(x) <= points:
        return x, y
    idx = np.linspace(0, len(x) - 1, points).round().astype(int)
    return x[idx], y[idx]


# How the training series are named and drawn on screen. "total" is dashed because at β = 0 it equals
# "recon" and would hide it; D's outputs are probabilities, not losses, so their axis says so.
SERIES_NAMES = {"d_loss": "D loss", "g_loss": "G loss", "d_real": "D(x) on real digits",
                "d_fake": "D(G(z)) on generated digits", "recon": "reconstruction", "kl": "KL",
                "total": "total (reconstruction + β · KL)"}
PROBABILITY_SERIES = {"d_real", "d_fake"}
DASHED_SERIES = {"total"}


def loss_chart(series: dict[str, np.ndarray], title: str, smoothing: int = 1,
               steps_per_epoch: int | None = None, y_label: str | None = None) -> go.Figure:
    """Per-iteration curves, optionally smoothed, with dotted lines at epoch boundaries.

    Series may carry raw log names (d_loss, recon): they are shown by their readable names. Without a
    y_label the axis says "probability 'real'" for D's outputs and "loss" otherwise.
    """
    fig = go.Figure()
    longest = 0
    for name, values in series.items():
        values = np.asarray(values, dtype=np.float64)
        longest = max(longest, len(values))
        x, y = thin(np.arange(1, len(values) + 1), smooth(values, smoothing))
        fig.add_trace(go.Scatter(x=x, y=y, mode="lines", name=SERIES_NAMES.get(name, name),
                                 line=dict(dash="dash" if name in DASHED_SERIES else "solid")))
    if steps_per_epoch and longest // steps_per_epoch <= 60:
        # one layout update for all the lines: add_vline per epoch cost ~6 ms each, 0.15 s a redraw at 25 epochs,
        # taken from the training thread beside the live panel
        fig.update_layout(shapes=[dict(type="line", xref="x", yref="paper", x0=boundary, x1=boundary, y0=0, y1=1,
                                       line=dict(color="grey", width=1, dash="dot"))
                                  for boundary in range(steps_per_epoch, longest, steps_per_epoch)])
    if y_label is None:
        y_label = "probability 'real'" if series and set(series) <= PROBABILITY_SERIES else "loss"
    return layout(fig, title, "iteration", y_label)


PRIOR_RADII = (1, 2)  # the prior's 1σ and 2σ circles, drawn on every latent plot


def prior_circle(radius: float, points: int = 120) -> tuple[np.ndarray, np.ndarray]:
    """x and y along the circle of that radius, closed (the last point is the first)."""
    theta = np.linspace(0, 2 * math.pi, points)
    return radius * np.cos(theta), radius * np.sin(theta)


def latent_reach(points: np.ndarray) -> float:
    """Half the side of a square latent plot that shows every code and at least the prior's 2σ circle."""
    return max(2.5, float(np.abs(points).max()) * 1.05 if len(points) else 2.5)


def latent_scatter(points: np.ndarray, labels: np.ndarray, title: str, axis_names=("z1", "z2")) -> go.Figure:
    """Codes coloured by digit with the prior's 1σ and 2σ circles, equal axes that show every point."""
    fig = go.Figure()
    for digit in range(10):
        sel = labels == digit
        fig.add_trace(go.Scattergl(x=points[sel, 0], y=points[sel, 1], mode="markers", name=str(digit),
                                   marker=dict(size=4, color=DIGIT_COLOURS[digit], opacity=0.7)))
    for radius in PRIOR_RADII:
        x, y = prior_circle(radius)
        fig.add_trace(go.Scatter(x=x, y=y, mode="lines",
                                 name=f"prior {radius}σ", line=dict(color="black", width=1.5,
                                                                     dash="solid" if radius == 1 else "dash")))
    reach = latent_reach(points)
    fig.update_xaxes(range=[-reach, reach], zeroline=True)
    fig.update_yaxes(range=[-reach, reach], scaleanchor="x", scaleratio=1, zeroline=True)
    return layout(fig, title, axis_names[0], axis_names[1], height=520)


def beta_position(betas: list[float]) -> tuple[list[float], list[str]]:
    """x positions on a log axis where β = 0 still shows: one decade left of the smallest β > 0."""
    positive = [b for b in betas if b > 0]
    floor = math.log10(min(positive)) - 1 if positive else 0.0
    return [math.log10(b) if b > 0 else floor for b in betas], [f"{b:g}" for b in betas]


def metric_vs_beta(betas: list[float], values: list[float], title: str, selected: float,
                   reference: float | None = None, reference_name: str = "") -> go.Figure:
    xs, labels = beta_position(betas)
    fig = go.Figure(go.Scatter(x=xs, y=values, mode="lines+markers", name=title,
                               hovertext=[f"β = {b}" for b in labels], hoverinfo="text+y"))
    if selected in betas:
        i = betas.index(selected)
        fig.add_trace(go.Scatter(x=[xs[i]], y=[values[i]], mode="markers", name=f"selected β = {selected:g}",
                                 marker=dict(size=16, symbol="circle-open", color="red", line=dict(width=3))))
    if reference is not None:
        fig.add_hline(y=reference, line=dict(color="grey", dash="dash"), annotation_text=reference_name)
    fig.update_xaxes(tickvals=xs, ticktext=labels, tickangle=0)
    # ten β labels crowd a half-width plot: no legend below them (the marker and the dashed line say
    # what they are in their hover text and annotation), and a y-axis title short enough not to run over
    layout(fig, title, "KL weight β (log scale; 0 at the left)", "", height=300)
    fig.update_layout(showlegend=False, margin=dict(l=10, r=10, t=40, b=50))
    return fig


# How the mode-collapse alarm marks its flagged epochs on a curve (genlib.evaluation.collapse kinds).
ALARM_MARKS = {"dropped": ("alarm: digits dropped", dict(symbol="x", size=12, color="#d62728")),
               "not yet learned": ("alarm: digits not yet learned", dict(symbol="circle-open", size=13,
                                                                          color="#ff7f0e", line=dict(width=2)))}


def metric_vs_epoch(epochs: list[int], values: list[float], title: str, selected: int,
                    reference: float | None = None, reference_name: str = "",
                    flagged: dict[str, list[int]] | None = None) -> go.Figure:
    """One metric per epoch, the selected epoch as a red line; `flagged` maps an alarm kind to the epochs
    it marks on the curve."""
    data = [dict(type="scatter", x=epochs, y=values, mode="lines+markers", name=title)]
    for kind, marked in (flagged or {}).items():
        if marked:
            name, marker = ALARM_MARKS[kind]
            data.append(dict(type="scatter", x=marked, y=[values[epochs.index(e)] for e in marked], mode="markers",
                             name=name, marker=marker))
    lines = [marker_lines(x=selected, colour="red", dash="solid")]
    if reference is not None:
        lines.append(marker_lines(y=reference, y_name=reference_name))
    return figure(data, layout_settings(title, "epoch", title, height=300 if flagged else 260), *lines)


def class_histogram(hist: list[float], title: str, rare_line: float | None = None) -> go.Figure:
    """Share of samples per digit against the uniform 10 %; rare_line draws the alarm's threshold too."""
    lines = [marker_lines(y=0.1, y_name="uniform")]
    if rare_line is not None:
        lines.append(marker_lines(y=rare_line, y_name=f"alarm below {rare_line:.1%}", colour="#d62728", dash="dot"))
    bars = dict(type="bar", x=[str(d) for d in range(10)], y=hist, marker_color=DIGIT_COLOURS)
    return figure([bars], layout_settings(title, "digit the judge sees", "share of samples", height=260), *lines)


def step_sizes(steps: np.ndarray, title: str) -> go.Figure:
    fig = go.Figure(go.Bar(x=list(range(1, len(steps) + 1)), y=steps))
    fig.add_hline(y=float(np.mean(steps)), line=dict(color="grey", dash="dash"), annotation_text="mean step")
    return layout(fig, title, "step along the line", "judge-feature distance", height=260)
