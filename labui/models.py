"""Cached access to saved runs. Keys include the run's stamp (history mtime), so a retrained run reloads.

(Streamlit leaves parameters that start with "_" out of cache keys: the stamp is named stamp_ on purpose.)"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import streamlit as st
import torch

from genlib import evaluate, images, latent, restore
from genlib.checkpoints import Run, scan_runs
from genlib.data import load_digits

CODES_SHOWN = 2000  # test digits drawn in the latent scatter


def stamp(run_dir: str) -> float:
    """Changes whenever the run gains an epoch (its history is rewritten) or is replaced."""
    path = Path(run_dir)
    return max((path / name).stat().st_mtime for name in ("history.json", "config.json") if (path / name).exists())


@st.cache_resource(max_entries=64, show_spinner=False)
def vae(run_dir: str, stamp_: float):
    return restore.load_vae(run_dir)


def is_shipped(run) -> bool:
    """A pretrained run that came with the lab (not one the user trained)."""
    from genlib.pretrain import SHIPPED_DIR
    return Path(run.path).resolve().is_relative_to(SHIPPED_DIR.resolve())


@st.cache_resource(max_entries=256, show_spinner=False)
def generator(run_dir: str, epoch: int, stamp_: float):
    return restore.load_generator(run_dir, epoch)


@st.cache_data(max_entries=8, show_spinner=False)
def test_images() -> tuple[torch.Tensor, np.ndarray]:
    test = load_digits("mnist", "test")
    return test.as_float(), test.labels.numpy()


@st.cache_data(max_entries=64, show_spinner=False)
def vae_codes(run_dir: str, stamp_: float) -> np.ndarray:
    """Posterior means of every test digit (10000, D)."""
    x, _ = test_images()
    return evaluate.encode_all(vae(run_dir, stamp_), x)[0].astype(np.float32)


@st.cache_data(max_entries=64, show_spinner="Scoring this run with the judge (once)…")
def run_metrics(run_dir: str, stamp_: float) -> dict:
    """The run's evaluation, read from eval.json or computed once and saved beside the run."""
    return evaluate.cached_run_metrics(run_dir)


@st.cache_data(show_spinner="Scoring real and blurred digits for the reference rows (once)…")
def reference_fids() -> dict[str, float]:
    """FID of real, blurred and noise images: the scale every FID on screen is read against."""
    return evaluate.reference_fids()


@st.cache_data(max_entries=64, show_spinner=False)
def projection(run_dir: str, stamp_: float) -> dict:
    """2-D view of the codes: the points, the two directions and their explained variance."""
    points, directions, explained = latent.project(vae_codes(run_dir, stamp_))
    return {"directions": directions, "explained": explained, "points": points}


def png(batch: torch.Tensor, nrow: int = 8, scale: int = 2) -> bytes:
    return images.png_bytes(images.grid(batch, nrow=nrow), scale=scale)


def vae_runs() -> list:
    """Every VAE run with at least one finished epoch that this app is not training right now."""
    from labui.jobs import registry
    return [r for r in scan_runs()[0] if r.kind == "vae" and r.epochs > 0 and not registry().busy(r.path)]


def gan_runs() -> list:
    return [r for r in scan_runs()[0] if r.kind == "gan" and r.epochs > 0]


@st.cache_data(max_entries=32, show_spinner=False)
def steps(run_dir: str, stamp_: float) -> dict:
    return Run(run_dir).steps()


def history(run_dir: str) -> dict:
    return Run(run_dir).history()
