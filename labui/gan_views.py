"""The views of one GAN run on the GAN page: the epoch viewer, comparisons, curves and a plain reading."""
from __future__ import annotations

import math
import time

import numpy as np
import streamlit as st
import torch

from genlib import images
from genlib.evaluation import collapse, latent
from genlib.models.gan import LOSSES, to_unit
from genlib.runs.store import Run
from genlib.errors import RunError
from labui import collapse_alarm, plots, run_cache

EPOCH_METRICS = [("fid", "FID (classifier features)"), ("classes_covered", "Classes covered"),
                 ("confident_rate", "Confident-sample rate")]


def epoch_metrics_line(record: dict, floor: float | None) -> None:
    """The selected epoch's numbers, two rows of three so they fit beside the grid."""
    top, bottom = st.columns(3), st.columns(3)
    if "fid" in record:
        top[0].metric("FID", f"{record['fid']:.0f}", help=f"judge features; real-vs-real floor {floor:.0f}"
                      if floor else "judge features")
        top[1].metric("Classes covered", f"{record['classes_covered']} / 10")
        top[2].metric("Confident rate", f"{record['confident_rate']:.2f}")
    bottom[0].metric("D loss", f"{record['d_loss']:.2f}", help="mean over the epoch's iterations")
    bottom[1].metric("G loss", f"{record['g_loss']:.2f}", help="mean over the epoch's iterations")
    bottom[2].metric("Epoch time", f"{record['seconds']:.1f} s")


def compare_view(run_dir: str, records: list[dict]) -> None:
    epochs = [r["epoch"] for r in records]
    c1, c2 = st.columns(2)
    early = c1.selectbox("Epoch A", epochs, index=0, key="gan_compare_a")
    late = c2.selectbox("Epoch B", epochs, index=len(epochs) - 1, key="gan_compare_b")
    ra, rb = records[epochs.index(early)], records[epochs.index(late)]
    c1.image(run_cache.grid_png(run_dir, early, 2), output_format="PNG", caption=f"epoch {early}")
    c2.image(run_cache.grid_png(run_dir, late, 2), output_format="PNG", caption=f"epoch {late}")
    rows = []
    for key, label in EPOCH_METRICS + [("d_loss", "D loss"), ("g_loss", "G loss")]:
        if key in ra and key in rb:
            rows.append({"metric": label, f"epoch {early}": round(ra[key], 3), f"epoch {late}": round(rb[key], 3),
                         "change (B − A)": round(rb[key] - ra[key], 3)})
    st.dataframe(rows, hide_index=True, key="gan_compare_table")


def curves_view(records: list[dict], epoch: int, floor: float | None, blurred: float | None) -> None:
    """Every per-epoch metric, with the mode-collapse alarm's flagged epochs marked on each curve."""
    if "fid" not in records[0]:
        st.info("This run was trained without per-epoch metrics.")
        return
    epochs = [r["epoch"] for r in records]
    alarms = collapse.alarms(records)
    marks = collapse_alarm.flagged_epochs(alarms)
    series = {"fid": ([r["fid"] for r in records], "FID (classifier features)", blurred, "blurred real digits")}
    series |= {key: ([r[key] for r in records], label, None, "") for key, label in EPOCH_METRICS[1:]}
    if alarms is not None:
        series["entropy"] = ([a.entropy for a in alarms], "Class entropy (nats)", collapse_alarm.MAX_ENTROPY,
                             "log 10: all digits equally common")
        series["rarest"] = ([a.rarest_share for a in alarms], "Rarest digit's share",
                            collapse.rare_line(len(alarms[0].histogram)), "alarm line (1/30)")
    cols = st.columns(2)
    for i, (key, (values, label, reference, reference_name)) in enumerate(series.items()):
        cols[i % 2].plotly_chart(plots.metric_vs_epoch(epochs, values, label, epoch, reference, reference_name,
                                                       marks), width="stretch", key=f"gan_curve_{key}")
    record = records[epochs.index(epoch)]
    cols[len(series) % 2].plotly_chart(
        plots.class_histogram(record["class_histogram"], f"Digits the judge sees at epoch {epoch}",
                              None if alarms is None else collapse.rare_line(len(record["class_histogram"]))),
        width="stretch", key="gan_class_hist")


def loss_view(steps: dict[str, np.ndarray], steps_per_epoch: int, loss: str = "bce") -> None:
    """Per-iteration losses and D's mean scores, the latter on the axis the run's loss gives them."""
    window = st.slider("Smoothing (iterations averaged)", 1, 500, 50, key="gan_smoothing")
    cols = st.columns(2)
    cols[0].plotly_chart(plots.loss_chart({k: steps[k] for k in ("d_loss", "g_loss")}, "D and G loss per iteration",
                                          window, steps_per_epoch), width="stretch", key="gan_losses")
    cols[1].plotly_chart(plots.loss_chart({k: steps[k] for k in ("d_real", "d_fake")},
                                          "Mean D output on real and fake batches", window, steps_per_epoch,
                                          y_label=LOSSES[loss].shown_as),
                         width="stretch", key="gan_d_outputs")


def _generator(run_dir: str, epoch: int):
    try:
        return run_cache.generator(run_dir, epoch)
    except RunError as err:
        kept = Run(run_dir).epochs_with_weights()
        if epoch in kept:  # the file is there but damaged
            st.error(str(err))
            return None
        st.info(f"The generator of epoch {epoch} is not kept in this run (kept: {', '.join(map(str, kept))}); "
                "its grid and metrics are. Pick one of those epochs to sample.")
        return None


def new_noise_view(run_dir: str, epoch: int) -> None:
    G = _generator(run_dir, epoch)
    if G is None:
        return
    if st.button("New noise", key="gan_new_noise"):
        st.session_state.gan_noise_seed = st.session_state.get("gan_noise_seed", 0) + 1
    seed = st.session_state.get("gan_noise_seed", 0)
    with torch.no_grad():
        samples = G.sample(64, torch.Generator().manual_seed(10_000 + seed))
    st.image(run_cache.png(samples, scale=3), output_format="PNG",
             caption=f"64 fresh samples from the generator of epoch {epoch} (noise draw {seed})")


@st.fragment
def interpolation_view(run_dir: str, epoch: int) -> None:
    G = _generator(run_dir, epoch)
    if G is None:
        return
    c1, c2 = st.columns(2)
    seed_a = c1.number_input("Noise A (seed)", 0, 100_000, 1, key="gan_interp_a")
    seed_b = c2.number_input("Noise B (seed)", 0, 100_000, 2, key="gan_interp_b")
    za = G.noise(1, torch.Generator().manual_seed(int(seed_a)))[0]
    zb = G.noise(1, torch.Generator().manual_seed(int(seed_b)))[0]
    t = st.slider("t (0 = noise A, 1 = noise B)", 0.0, 1.0, 0.5, 0.01, key="gan_interp_t")
    with torch.no_grad():
        point = to_unit(G(((1 - t) * za + t * zb)[None]))[0]
        strip = to_unit(G(latent.interpolate(za, zb, 10)))
    left, right = st.columns([1, 3])
    left.image(images.png_bytes(images.to_uint8(point), scale=8), output_format="PNG", caption=f"t = {t:.2f}")
    right.image(run_cache.png(strip, nrow=10, scale=3), output_format="PNG", caption="10 steps from A to B")


def copies_view(run_dir: str, epoch: int) -> None:
    """Are this epoch's samples new digits? And does copying grow with training (epochs with weights)?"""
    from labui import claims

    if _generator(run_dir, epoch) is None:
        return
    report = claims.memorisation_view("gan", run_dir, epoch, key="gan_memo")
    if report is None:
        return
    st.markdown(claims.verdict(report))
    kept = Run(run_dir).epochs_with_weights()
    if st.button(f"Measure nn_ratio at every kept epoch ({len(kept)})", key="gan_memo_all"):
        ratios, started = [], time.perf_counter()
        progress = st.progress(0.0, text=f"Checking epoch {kept[0]} (1 of {len(kept)})…")
        for i, kept_epoch in enumerate(kept):  # seconds each: say where it is
            progress.progress(i / len(kept), text=f"Checking epoch {kept_epoch} ({i + 1} of {len(kept)})…")
            ratios.append(claims.memorisation_report(run_dir, "gan", kept_epoch)["nn_ratio"])
        progress.progress(1.0, text=f"Checked {len(kept)} epochs in {time.perf_counter() - started:.1f} s")
        st.plotly_chart(plots.metric_vs_epoch(kept, ratios, "nn_ratio (≈ 1: as new as test digits)", epoch, 1.0,
                                              "test digits"), width="stretch", key="gan_memo_curve")


def reading(records: list[dict], epoch: int, floor: float | None, blurred: float | None, loss: str = "bce") -> str:
    """What the curves say at the selected epoch, in plain words."""
    r = records[[x["epoch"] for x in records].index(epoch)]
    lines = [_game_sentence(r, epoch) if loss == "bce" else _score_sentence(r, epoch, loss)]
    if "fid" in r:
        first = records[0]
        lines.append(f"FID went from {first['fid']:.0f} (epoch {first['epoch']}) to {r['fid']:.0f}"
                     + (f"; blurred real digits score {blurred:.0f} and real digits {floor:.0f}." if blurred else "."))
        lines.append(f"{r['confident_rate']:.0%} of samples are ones the judge recognises with ≥ 90 % confidence; "
                     "the note below says which digits the judge sees and which are rare.")
    return "\n\n".join(lines)


def _game_sentence(r: dict, epoch: int) -> str:
    """The bce game's state: D's loss against log 4, the loss of a D that guesses."""
    balance = math.log(4)  # D loss when D outputs 0.5 everywhere: the equilibrium the game aims at
    if r["d_loss"] < 0.5 * balance and r["g_loss"] > 2:
        return (f"**The discriminator is winning** at epoch {epoch}: D loss {r['d_loss']:.2f} is low and "
                f"G loss {r['g_loss']:.2f} high; D tells fakes apart (D(G(z)) ≈ {r['d_fake']:.2f}).")
    if r["d_loss"] > 1.2 * balance:
        return (f"**The generator is fooling D** at epoch {epoch}: D loss {r['d_loss']:.2f} is above "
                f"log 4 ≈ 1.39, the loss of a D that guesses.")
    return (f"**The game is balanced** at epoch {epoch}: D loss {r['d_loss']:.2f} (log 4 ≈ 1.39 would "
            f"mean pure guessing), G loss {r['g_loss']:.2f}; D rates real digits {r['d_real']:.2f} and "
            f"fakes {r['d_fake']:.2f}. GAN losses do not fall like a classifier's: watch the metrics.")


def _score_sentence(r: dict, epoch: int, loss: str) -> str:
    """The other losses' D outputs are raw scores on their own scale: only the gap between real and fake says how
    well D tells them apart, so no level is read as winning or losing."""
    return (f"**{loss}** at epoch {epoch}: D loss {r['d_loss']:.2f}, G loss {r['g_loss']:.2f}; D's mean score is "
            f"{r['d_real']:.2f} on real digits and {r['d_fake']:.2f} on generated ones (a gap of "
            f"{r['d_real'] - r['d_fake']:.2f}; {LOSSES[loss].shown_as}). GAN losses do not fall like a classifier's: "
            "watch the metrics.")
