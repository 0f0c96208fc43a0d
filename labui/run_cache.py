"""Cached access to saved runs. Callers pass a run's path; the cache keys add the run's stamp, so a run that
gains an epoch or is retrained reloads, and no view has to carry a cache key around."""
from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import streamlit as st
import torch

from genlib import images
from genlib.data import Digits, load_digits
from genlib.evaluation import evaluate, latent
from genlib.evaluation.references import reference_fids as _reference_fids
from genlib.pretrain import HOMEWORK_GAN
from genlib import loading
from genlib.runs.lock import is_being_written
from genlib.runs.store import CHECKPOINTS_DIR, Run, scan_runs, user_runs_dir

CODES_SHOWN = 2000  # test digits drawn in the latent scatter


def stamped(cached):
    """cached(run_dir, stamp, *args) called as f(run_dir, *args): the stamp is read from the run (one stat)."""
    @functools.wraps(cached)
    def accessor(run_dir: str, *args):
        return cached(str(run_dir), Run(run_dir).stamp(), *args)
    return accessor


@stamped
@st.cache_resource(max_entries=64, show_spinner=False)
def vae(run_dir: str, stamp: float):
    return loading.load_vae(run_dir)


@stamped
@st.cache_resource(max_entries=256, show_spinner=False)
def generator(run_dir: str, stamp: float, epoch: int):
    return loading.load_generator(run_dir, epoch)


@stamped
@st.cache_data(max_entries=64, show_spinner=False)
def vae_codes(run_dir: str, stamp: float) -> np.ndarray:
    """Posterior means of every test digit (10000, D)."""
    return evaluate.encode_all(vae(run_dir), test_images())[0].astype(np.float32)


@stamped
@st.cache_data(max_entries=64, show_spinner="Scoring this run with the judge (once)…")
def run_metrics(run_dir: str, stamp: float) -> dict:
    """The run's evaluation, read from beside the run or computed once and saved there."""
    return evaluate.cached_run_metrics(run_dir)


@stamped
@st.cache_data(max_entries=64, show_spinner=False)
def projection(run_dir: str, stamp: float) -> dict:
    """2-D view of the codes: the points, the two directions and their explained variance."""
    points, directions, explained = latent.project(vae_codes(run_dir))
    return {"directions": directions, "explained": explained, "points": points}


@stamped
@st.cache_data(max_entries=32, show_spinner=False)
def steps(run_dir: str, stamp: float) -> dict:
    return Run(run_dir).steps()


@stamped
@st.cache_data(max_entries=1024, show_spinner=False)
def grid_png(run_dir: str, stamp: float, epoch: int, scale: int) -> bytes:
    """An epoch's saved grid, enlarged with crisp pixels."""
    return images.png_bytes(images.read_png(Run(run_dir).grid_path(epoch).read_bytes()), scale=scale)


@stamped
@st.cache_data(max_entries=16, show_spinner="Making the animation…")
def animation_gif(run_dir: str, stamp: float, epochs: tuple[int, ...], ms_per_frame: int) -> bytes:
    run = Run(run_dir)
    return images.gif_bytes([images.read_png(run.grid_path(e).read_bytes()) for e in epochs], ms_per_frame)


def test_images(n: int | None = None) -> torch.Tensor:
    """The first n test digits (all by default) as floats in [0, 1], made on each call from the uint8 split the
    data loader keeps (7.8 MB): holding them as floats kept 31 MB more in the server; 10,000 convert in ~10 ms."""
    test = load_digits("mnist", "test")
    return Digits(test.images[:n], test.labels[:n]).as_float()


def test_labels() -> np.ndarray:
    return load_digits("mnist", "test").labels.numpy()


@st.cache_data(show_spinner="Scoring real and blurred digits for the reference rows (once)…")
def reference_fids() -> dict[str, float]:
    """FID of real, blurred and noise images: the scale every FID on screen is read against."""
    return _reference_fids()


def png(batch: torch.Tensor, nrow: int = 8, scale: int = 2) -> bytes:
    return images.png_bytes(images.grid(batch, nrow=nrow), scale=scale)


def is_shipped(run) -> bool:
    return Run(run.path).is_shipped()


def is_homework(run) -> bool:
    """The shipped run of the homework's own GAN (its conv nets, 50 epochs)."""
    return is_shipped(run) and Path(run.path).name == HOMEWORK_GAN


def vae_runs() -> list:
    """Every VAE run with at least one finished epoch that nothing is training right now (its writer lock: one
    look at a file per run, whichever engine, process or machine trains it)."""
    return [r for r in scan_runs()[0] if r.kind == "vae" and r.epochs > 0 and not is_being_written(r.path)]


def gan_runs() -> list:
    return [r for r in scan_runs()[0] if r.kind == "gan" and r.epochs > 0]


@stamped
@st.cache_data(max_entries=256, show_spinner=False)
def gan_loss(run_dir: str, stamp: float) -> str:
    """A GAN run's loss (runs saved before there were variants trained with bce)."""
    return Run(run_dir).expect_kind("gan")["model"].get("loss", "bce")


def history(run_dir: str) -> dict:
    return Run(run_dir).history()


def provenance(run_dir: str) -> dict:
    """How a run was made: device, CPU, command, timings (what its config recorded)."""
    return Run(run_dir).config().get("provenance", {})


@st.cache_data(show_spinner=False)
def real_digit_grid_png(n: int = 64, seed: int = 0) -> bytes:
    test = load_digits("mnist", "test")
    pick = torch.randperm(len(test), generator=torch.Generator().manual_seed(seed))[:n]
    return images.png_bytes(images.grid(test.as_float()[pick]), scale=3)


def run_place(run_dir: str) -> str:
    """A run's folder as a student would name it: relative to checkpoints/ (or to the user-runs folder's parent)."""
    path = Path(run_dir)
    for root in (CHECKPOINTS_DIR, user_runs_dir().parent):
        if path.is_relative_to(root):
            return str(path.relative_to(root))
    return path.name


def runs_table():
    """Runs found under checkpoints/ (not cached: users add runs while the app runs)."""
    return scan_runs()
