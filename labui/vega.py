"""Vega-Lite charts, for the views that open a page.

Streamlit loads a chart library's JavaScript when the page first shows one of its charts: plotly's is 4.7 MB,
Vega-Lite's under 0.8 MB. On a 2-core machine parsing plotly's took ~1.4 s of the VAE page's first view
(docs/benchmarks.md), so the chart a student sees first is drawn with Vega-Lite. Views that need plotly's
click events (decode anywhere, draw a digit) keep plotly (plots.py) and load it when opened.
"""
from __future__ import annotations

import numpy as np

from labui.plots import DIGIT_COLOURS, PRIOR_RADII, latent_reach, prior_circle


def prior_circles() -> list[dict]:
    """Points along the prior's circles, in drawing order."""
    return [{"x": float(x), "y": float(y), "circle": f"{r}σ", "order": i}
            for r in PRIOR_RADII for i, (x, y) in enumerate(zip(*prior_circle(r)))]


def latent_codes(points: np.ndarray, labels: np.ndarray, title: str, axis_names=("z1", "z2"),
                 size: int = 320) -> dict:
    """The codes coloured by digit with the prior's 1σ and 2σ circles, on equal axes that show every point
    (a square chart with the same domain on both axes: Vega-Lite has no aspect-ratio lock)."""
    reach = latent_reach(points)
    domain = {"domain": [-reach, reach], "nice": False, "zero": False}
    x = {"field": "x", "type": "quantitative", "scale": domain, "title": axis_names[0]}
    y = {"field": "y", "type": "quantitative", "scale": domain, "title": axis_names[1]}
    codes = [{"x": float(px), "y": float(py), "digit": str(int(d))} for (px, py), d in zip(points, labels)]
    return {
        "title": title, "width": size, "height": size, "autosize": {"type": "pad"},
        "layer": [
            {"data": {"values": codes}, "mark": {"type": "circle", "size": 14, "opacity": 0.7},
             "encoding": {"x": x, "y": y,
                          "color": {"field": "digit", "type": "nominal", "title": "digit",
                                    "scale": {"domain": [str(d) for d in range(10)], "range": DIGIT_COLOURS}},
                          "tooltip": [{"field": "digit"}, {"field": "x", "format": ".2f"},
                                      {"field": "y", "format": ".2f"}]}},
            {"data": {"values": prior_circles()}, "mark": {"type": "line", "color": "black", "strokeWidth": 1.5},
             "encoding": {"x": x, "y": y, "order": {"field": "order"}, "detail": {"field": "circle"},
                          "strokeDash": {"field": "circle", "type": "nominal", "title": "prior",
                                         "scale": {"range": [[1, 0], [6, 4]]}}}},
        ],
    }
