"""The views of one VAE run on the VAE page. Each function draws one view."""
from __future__ import annotations

import numpy as np
import streamlit as st
import torch

from genlib import images
from genlib.evaluation import latent, metrics
from genlib.evaluation.references import REAL_ROW
from genlib.evaluation.judge import judge_images
from labui import plots, run_cache, vae_sentences, vega

INTERP_POINTS = 16  # points along a line between two codes: the strip shows them, the chart measures their steps


def metric_strip(m: dict) -> None:
    floor = m["reference_fid"][REAL_ROW]
    cols = st.columns(6)
    cols[0].metric("Recon. (nats)", f"{m['recon']:.1f}", help="reconstruction: −log p(x|z) per test image")
    cols[1].metric("KL (nats)", f"{m['kl']:.1f}", help="the rate: mean KL(q(z|x) ‖ N(0, I)) per test image")
    cols[2].metric("Active units", f"{m['active_units']}",
                   help="latent dimensions whose code varies across test digits "
                        f"(Cov > {metrics.ACTIVE_UNIT_VARIANCE}); the others are inactive, collapsed onto the prior")
    cols[3].metric("Prior-sample FID", f"{m['fid']:.0f}", help=f"judge features; real-vs-real floor {floor:.0f}")
    cols[4].metric("Fitted-Gaussian FID", f"{m['fid_fitted_gaussian']:.0f}",
                   help="samples from a Gaussian fitted to the codes instead of the prior")
    cols[5].metric("Aggregate KL (nats)", f"{m['aggregate_kl']:.1f}",
                   help="KL of a Gaussian fitted to all codes against N(0, I): how far the codes are from the prior")


def latent_view(run_dir: str, latent_dim: int) -> None:
    proj = run_cache.projection(run_dir)
    labels = run_cache.test_labels()
    n = run_cache.CODES_SHOWN
    if latent_dim == 2:
        names, title = ("z1", "z2"), "Test-set codes (the latent space itself)"
    else:
        share = proj["explained"]
        names = (f"PC1 ({share[0]:.0%} of variance)", f"PC2 ({share[1]:.0%})")
        title = f"Test-set codes on their top 2 of {latent_dim} principal directions"
    left, right = st.columns(2)
    left.container(key="latent_scatter").vega_lite_chart(
        spec=vega.latent_codes(proj["points"][:n], labels[:n], title, names), width="content")
    left.caption(vae_sentences.scatter_caption(proj["points"][:n], run_cache.vae_codes(run_dir)))
    vae = run_cache.vae(run_dir)
    directions = None if latent_dim == 2 else proj["directions"]
    over = right.radio("Decode a grid over", ["the prior's [-3, 3]²", "where the codes are (±2 std)"],
                       horizontal=True, key="manifold_span")
    span = 3.0 if over.startswith("the prior") else 2.0 * float(proj["points"].std(0).max())
    with torch.no_grad():
        grid = vae.decode(latent.manifold_codes(latent_dim, steps=15, span=span, directions=directions))
    right.image(run_cache.png(grid, nrow=15, scale=2), output_format="PNG",
                caption=f"The decoder over [-{span:.1f}, {span:.1f}]²" + ("" if latent_dim == 2 else
                                                                         " along PC1 (→) and PC2 (↑)"))


def samples_view(run_dir: str, seed: int) -> None:
    vae = run_cache.vae(run_dir)
    codes = run_cache.vae_codes(run_dir)
    gen = torch.Generator().manual_seed(seed)
    mean, cov = codes.mean(0), np.cov(codes, rowvar=False).reshape(codes.shape[1], codes.shape[1])
    fitted = mean + np.random.default_rng(seed).multivariate_normal(np.zeros(len(mean)), cov, size=64,
                                                                    method="eigh")
    with torch.no_grad():
        prior = vae.sample(64, gen)
        fit = vae.decode(torch.tensor(fitted, dtype=torch.float32))
    left, right = st.columns(2)
    left.image(run_cache.png(prior), output_format="PNG", caption="Prior samples: z ~ N(0, I)")
    right.image(run_cache.png(fit), output_format="PNG", caption="Samples from a Gaussian fitted to the codes")
    st.caption("If the left grid is worse than the right, the prior puts its mass where the codes are not: "
               "the hole the prior falls into.")
    originals = run_cache.test_images(16)
    with torch.no_grad():
        recon = vae.decode(vae.encode(originals)[0])
    st.image(run_cache.png(torch.cat([originals, recon]), nrow=16, scale=2), output_format="PNG",
             caption="Reconstructions: test digits (top row) and their decoded codes (bottom row)")


def _pick_digit(label: str, key: str, default_class: int) -> int:
    """A test-digit index chosen by class and example number."""
    labels = run_cache.test_labels()
    c1, c2 = st.columns(2)
    digit = c1.selectbox(f"{label}: digit", list(range(10)), index=default_class, key=f"{key}_class")
    of_class = np.flatnonzero(labels == digit)
    example = c2.number_input(f"{label}: example", 0, len(of_class) - 1, 0, key=_example_key(key))
    return int(of_class[int(example)])


def _example_key(key: str) -> str:
    """The example box's widget key. Random pair moves it on: a box holding a typed, out-of-range number keeps
    that text and its error message whatever value the script sends, and only a new widget starts clean."""
    return f"{key}_example_{st.session_state.get(f'{key}_drawn', 0)}"


def _randomise_pair() -> None:
    rng = np.random.default_rng()
    for key in ("interp_a", "interp_b"):
        st.session_state[f"{key}_drawn"] = st.session_state.get(f"{key}_drawn", 0) + 1
        st.session_state[f"{key}_class"] = int(rng.integers(10))
        st.session_state[_example_key(key)] = int(rng.integers(50))


@run_cache.stamped
@st.cache_data(max_entries=256, show_spinner=False)
def _path_steps(run_dir: str, stamp: float, a: int, b: int) -> np.ndarray:
    codes = run_cache.vae_codes(run_dir)
    path = latent.interpolate(torch.tensor(codes[a]), torch.tensor(codes[b]), INTERP_POINTS)
    with torch.no_grad():
        feats = judge_images(run_cache.vae(run_dir).decode(path))[0]
    return metrics.step_sizes(feats)


@st.fragment
def interpolation_view(run_dir: str) -> None:
    """Two test digits, a slider between their codes; only this view redraws when it moves."""
    st.button("Random pair", on_click=_randomise_pair, key="interp_random")
    a = _pick_digit("From", "interp_a", 3)
    b = _pick_digit("To", "interp_b", 8)
    vae, codes = run_cache.vae(run_dir), run_cache.vae_codes(run_dir)
    za, zb = torch.tensor(codes[a]), torch.tensor(codes[b])
    t = st.slider("t (0 = first digit, 1 = second)", 0.0, 1.0, 0.5, 0.01, key="interp_t")
    with torch.no_grad():
        point = vae.decode(((1 - t) * za + t * zb)[None])
        strip = vae.decode(latent.interpolate(za, zb, INTERP_POINTS))
    left, right = st.columns([1, 2])
    left.image(images.png_bytes(images.to_uint8(point[0]), scale=8), output_format="PNG",
               caption=f"decoded at t = {t:.2f}")
    steps = _path_steps(run_dir, a, b)
    right.plotly_chart(plots.step_sizes(steps, f"Step sizes in judge-feature space (largest ÷ mean = "
                                               f"{steps.max() / steps.mean():.2f})"),
                       width="stretch", key="interp_steps")
    st.image(run_cache.png(strip, nrow=INTERP_POINTS, scale=2), output_format="PNG",
             caption=f"The {INTERP_POINTS} points whose {INTERP_POINTS - 1} equal steps in latent space the chart "
                     "measures, from the first digit to the second")


@st.fragment
def latent_sliders_view(run_dir: str, latent_dim: int) -> None:
    """One slider per latent dimension (up to 16), starting at a chosen digit's code."""
    start = _pick_digit("Start from", "sliders_start", 5)
    vae, codes = run_cache.vae(run_dir), run_cache.vae_codes(run_dir)
    active = metrics.active_dimensions(codes)  # the page's one definition (labui/vae_kl.py), on the same codes
    st.markdown(vae_sentences.sliders(active))
    code = codes[start].astype(np.float64)
    shown = min(latent_dim, 16)
    lows = np.minimum(-4.0, np.floor(codes[:, :shown].min(0)))
    highs = np.maximum(4.0, np.ceil(codes[:, :shown].max(0)))
    z = torch.tensor(code, dtype=torch.float32)
    left, right = st.columns([2, 1])
    cols = left.columns(4)
    for d in range(shown):
        name = f"z{d + 1}" + ("" if active[d] else " (inactive)")
        z[d] = cols[d % 4].slider(name, float(lows[d]), float(highs[d]), float(round(code[d], 2)), 0.05,
                                  key=f"z_{run_dir}_{start}_{d}")
    with torch.no_grad():
        right.image(images.png_bytes(images.to_uint8(vae.decode(z[None])[0]), scale=8), output_format="PNG",
                    caption="decoded from the sliders")
    if latent_dim > shown:
        left.caption(f"Dimensions {shown + 1}-{latent_dim} stay at the digit's code.")


ACROSS_BETA = [("recon", "Reconstruction (nats)"), ("kl", "KL (nats)"), ("active_units", "Active units"),
               ("fid", "Prior-sample FID"), ("fid_fitted_gaussian", "Fitted-Gaussian FID"),
               ("aggregate_kl", "Aggregate KL (nats)"), ("interp_path_ratio", "Interpolation path ratio"),
               ("interp_jumpiness", "Interpolation jumpiness")]


def across_beta_view(sweep: list, selected_beta: float) -> None:
    """The sweep's metrics against β: a table and one small plot per metric, the selected β marked."""
    rows = [(r.kl_weight, run_cache.run_metrics(r.path)) for r in sweep]
    betas = [b for b, _ in rows]
    st.dataframe([{"β": b, **{label: round(m[key], 2) for key, label in ACROSS_BETA}} for b, m in rows],
                 hide_index=True, key="across_beta_table")
    floor = rows[0][1]["reference_fid"][REAL_ROW]
    cols = st.columns(2)
    for i, (key, label) in enumerate(ACROSS_BETA):
        reference = (floor, "real-vs-real floor") if "fid" in key else (None, "")
        cols[i % 2].plotly_chart(plots.metric_vs_beta(betas, [m[key] for _, m in rows], label, selected_beta,
                                                      *reference), width="stretch", key=f"beta_{key}")


def explanation(sweep: list, selected_beta: float, latent_dim: int) -> str:
    """What the numbers on screen say, in plain words."""
    return vae_sentences.across_beta({r.kl_weight: run_cache.run_metrics(r.path) for r in sweep}, selected_beta,
                                     latent_dim)
