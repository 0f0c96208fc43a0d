"""The reference rows every FID is read against: real train vs test (the floor), blurred real digits, noise.

The blur is chosen so real < blurred < noise by wide margins. The rows depend on the judge alone: the
default ones ship beside it, others are computed once and kept in the cache folder.
"""
from __future__ import annotations

import functools

import numpy as np
import torch
import torch.nn.functional as F

from ..data import load_digits
from ..runs.store import CACHE_DIR, JUDGE_DIR, Run
from . import metrics
from .judge import judge_images, real_features

DEFAULT_N = 5000
REFERENCES_VERSION = 3   # bump when a row changes: saved rows are recomputed
REAL_ROW, BLURRED_ROW, NOISE_ROW = "real (train vs test)", "blurred real (σ 1 px)", "uniform noise"
BLUR_SIGMA = 1.0


def gaussian_blur(images: torch.Tensor, sigma: float = BLUR_SIGMA) -> torch.Tensor:
    radius = int(3 * sigma)
    x = torch.arange(-radius, radius + 1, dtype=torch.float32)
    k = torch.exp(-x**2 / (2 * sigma**2))
    k = k / k.sum()
    images = F.conv2d(images, k.view(1, 1, 1, -1), padding=(0, radius))
    return F.conv2d(images, k.view(1, 1, -1, 1), padding=(radius, 0))


def evaluate_images(images: torch.Tensor) -> dict:
    """FID (classifier features) against the MNIST test set, class coverage, confidence, IS."""
    feats, probs = judge_images(images)
    return metrics.sample_quality(feats, probs, real_feature_stats("test"))


@functools.lru_cache(maxsize=2)
def real_feature_stats(split: str) -> tuple[np.ndarray, np.ndarray]:
    """Mean and covariance of the judge's features of a real split, the side of every FID that never changes
    (the test set's covariance takes 6 ms, which every epoch's metrics would otherwise pay again)."""
    return metrics.feature_stats(real_features(split)[0])


@functools.lru_cache(maxsize=4)
def reference_rows(n: int = DEFAULT_N) -> dict[str, dict]:
    """Every metric of the three reference image sets, n images each."""
    train = load_digits("mnist", "train").as_float()[:n]
    rows = {REAL_ROW: train, BLURRED_ROW: gaussian_blur(train),
            NOISE_ROW: torch.rand(n, 1, 28, 28, generator=torch.Generator().manual_seed(0))}
    return {name: evaluate_images(images) for name, images in rows.items()}


def reference_fids(n: int = DEFAULT_N) -> dict[str, float]:
    """The reference rows' FIDs: read from beside the judge or the cache, else computed and cached."""
    for where in (JUDGE_DIR, CACHE_DIR):
        saved = Run(where).read_evaluation(_saved_name(n))
        if saved is not None:
            return saved
    fids = {row_name: row["fid"] for row_name, row in reference_rows(n).items()}
    save_reference_fids(fids, CACHE_DIR, n)
    return fids


def save_reference_fids(fids: dict[str, float], where, n: int = DEFAULT_N) -> None:
    try:
        Run(where).write_evaluation(fids, _saved_name(n))
    except OSError:
        pass  # a read-only checkout recomputes them next time


def _saved_name(n: int) -> str:
    return f"references_n{n}_v{REFERENCES_VERSION}"
