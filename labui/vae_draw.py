"""Draw your own digit (or upload one) and hold it against every β of the sweep: where its code lands beside
the prior's circles, how it comes back, what the judge reads in each reconstruction, which training digits
it resembles."""
from __future__ import annotations

import numpy as np
import streamlit as st
import torch

from genlib import images
from genlib.digit_input import digit_from_image, read_image
from genlib.errors import DataError
from genlib.evaluation import latent, probe
from genlib.evaluation.memorisation import training_digits
from labui import run_cache, vae_learn_plots

CANVAS_PX = 280
STROKE_PX = 22        # about 2 px once the digit is scaled to MNIST's 20-pixel box, as MNIST's strokes are
LANDING_POINTS = 500  # test codes per small scatter
FAR_TAIL = 1e-3       # a code the prior reaches less often than this is "far outside" it


def digit_input_panel() -> np.ndarray | None:
    """The canvas and the upload beside it; the digit they hold as 28×28 MNIST-style, or None."""
    from streamlit_drawable_canvas import st_canvas  # here, not at the top: importing it outside an app raises

    draw_col, upload_col, seen_col = st.columns([2, 2, 1])
    with draw_col:
        drawing = st_canvas(stroke_width=STROKE_PX, stroke_color="#FFFFFF", background_color="#000000",
                            width=CANVAS_PX, height=CANVAS_PX, drawing_mode="freedraw", return_image_data=True,
                            key="draw_canvas")
        st.caption("Draw one digit with the mouse; the toolbar's bin clears the canvas.")
    upload = upload_col.file_uploader("…or upload a photo of one digit", type=["png", "jpg", "jpeg"],
                                      key="draw_upload", help="Dark ink on light paper or light on dark both work.")
    if upload is not None:
        try:
            digit = digit_from_image(read_image(upload.getvalue()))
        except DataError as err:
            upload_col.error(f"This upload cannot be used: {err}")
            return None
        if digit is None:
            upload_col.warning("No digit found in the upload: its ink is no brighter or darker than its paper.")
        else:
            upload_col.caption("Using the uploaded image; remove it to use the drawing.")
    else:
        image = drawing.image_data
        digit = None if image is None else digit_from_image(image)
    if digit is not None:
        seen_col.image(images.png_bytes(images.to_uint8(torch.from_numpy(digit)), scale=4), output_format="PNG",
                       caption="What the models see: 28×28, box 20 px, centred by mass")
    return digit


@run_cache.stamped
@st.cache_data(max_entries=512, show_spinner=False)
def landing(run_dir: str, stamp: float, digit: bytes) -> dict:
    """The digit under one run: its code, its reconstruction, the judge's reading, its distance from the prior."""
    enc = probe.encode_one(run_cache.vae(run_dir), np.frombuffer(digit, dtype=np.float32).reshape(28, 28))
    norm = float(np.linalg.norm(enc.mu))
    code_norms = np.linalg.norm(run_cache.vae_codes(run_dir), axis=1)
    return {"mu": enc.mu, "recon": enc.recon, "nats": enc.recon_nats, "reading": probe.readings(enc.recon[None])[0],
            "norm": norm, "radius": probe.typical_radius(len(enc.mu)), "tail": probe.prior_tail(norm, len(enc.mu)),
            "farther": probe.share_farther(norm, code_norms)}


@st.cache_data(max_entries=64, show_spinner=False)
def neighbours(digit: bytes) -> probe.Neighbours:
    return probe.nearest_training_digits(np.frombuffer(digit, dtype=np.float32).reshape(28, 28))


@st.fragment
def draw_view(sweep: list, run) -> None:
    """A stroke or an upload reruns only this view."""
    digit = digit_input_panel()
    if digit is None:
        st.info("Draw a digit first (or upload a photo of one): it is then encoded under every β of this sweep.")
        return
    key = digit.tobytes()
    landings = [landing(r.path, key) for r in sweep]
    st.subheader("Its reconstruction under each β, and what the judge reads in it")
    for col, r, land in zip(st.columns(len(sweep)), sweep, landings):
        reading = land["reading"]
        col.image(images.png_bytes(images.to_uint8(land["recon"]), scale=3), output_format="PNG",
                  caption=f"β = {r.kl_weight:g}: {reading.digit} ({reading.confidence:.0%})")
    st.markdown(lesson(sweep, landings))
    st.dataframe([{"β": r.kl_weight, "judge reads": land["reading"].digit,
                   "judge's confidence": f"{land['reading'].confidence:.1%}",
                   "reconstruction (nats)": round(land["nats"], 1), "|code|": round(land["norm"], 2),
                   "|code| ÷ √d": round(land["norm"] / land["radius"], 2),
                   "P(prior sample this far out)": f"{land['tail']:.2g}",
                   "test codes farther out": round(land["farther"], 3)} for r, land in zip(sweep, landings)],
                 hide_index=True, key="draw_table")
    labels = run_cache.test_labels()
    panels = []
    for r, land in zip(sweep, landings):
        proj = run_cache.projection(r.path)
        panels.append({"title": f"β = {r.kl_weight:g}", "points": proj["points"][:LANDING_POINTS],
                       "labels": labels[:LANDING_POINTS], "mark": latent.onto(land["mu"][None], proj["directions"])[0],
                       "selected": r.path == run.path})
    plane = "the latent plane" if run.latent_dim == 2 else "each run's top two principal directions"
    st.plotly_chart(vae_learn_plots.landing_grid(panels), width="stretch", key="draw_landings")
    st.caption(f"Where your digit's code (red ×) lands among {LANDING_POINTS} test codes, on {plane}; black "
               "circles: the prior's 1σ and 2σ (the 2σ one is the larger). The selected β's title is red.")
    near = neighbours(key)
    strip = torch.cat([torch.from_numpy(digit)[None, None], training_digits(near.indices)])
    st.image(run_cache.png(strip, nrow=len(strip), scale=3), output_format="PNG",
             caption="Your digit, then its nearest training digits in pixels: "
                     + ", ".join(f"a {y} at distance {d:.1f}" for y, d in zip(near.labels, near.distances)))


def lesson(sweep: list, landings: list[dict]) -> str:
    """The drawn digit's story across β, in numbers from the table below it."""
    by_beta = {r.kl_weight: land for r, land in zip(sweep, landings)}
    lines = []
    for beta in (0.0, 1.0):
        if beta not in by_beta:
            continue
        land = by_beta[beta]
        far = land["tail"] < FAR_TAIL
        where = "far outside the prior" if far else "within the prior's reach"
        chance = f"{land['tail']:.1g}" if far else f"{land['tail']:.2f}"
        lines.append(f"**β = {beta:g}** reconstructs it at {land['nats']:.0f} nats (the judge reads "
                     f"{land['reading'].digit}, {land['reading'].confidence:.0%}) and puts its code at |z| = "
                     f"{land['norm']:.1f}, {land['norm'] / land['radius']:.1f}× the prior's typical radius "
                     f"√d = {land['radius']:.2g}: {where} (a prior sample lands this far out or farther with "
                     f"probability {chance}).")
    return "\n\n".join(lines)
