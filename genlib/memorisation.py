"""Are generated digits new, or copies of training digits? Nearest-neighbour distances to the training set.

A sample's distance to its nearest training image is compared with the same distance for held-out test
digits, which are new by construction: a generator that copies sits far closer than they do.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import torch

from . import metrics
from .data import load_digits
from .judge import judge_images, real_features

REFERENCE_TEST_DIGITS = 1000
SUSPICIOUS_PERCENTILE = 5   # "closer than 95 % of test digits are"


@dataclass
class TrainIndex:
    features: np.ndarray        # judge features of all training digits (60000, 128)
    pixels: np.ndarray          # the same digits as flat uint8 pixels (60000, 784): 47 MB, not 188 as floats
    test_features: np.ndarray   # nearest training distance of held-out digits, in feature space
    test_pixels: np.ndarray     # ... and in pixel space


@functools.lru_cache(maxsize=1)
def train_index() -> TrainIndex:
    """Everything the check compares against, computed once per process (a few seconds)."""
    pixels = load_digits("mnist", "train").images.reshape(60000, -1).numpy()
    test_x = load_digits("mnist", "test").as_float()[:REFERENCE_TEST_DIGITS]
    features = real_features("train")[0]
    test_feat = metrics.nearest_distances(real_features("test")[0][:REFERENCE_TEST_DIGITS], features)[0]
    test_pix = metrics.nearest_distances(test_x.reshape(len(test_x), -1).numpy(), pixels)[0]
    return TrainIndex(features, pixels, test_feat, test_pix)


def training_digits(indices: np.ndarray) -> torch.Tensor:
    """Training digits by index, as images (N, 1, 28, 28) in [0, 1]."""
    pixels = train_index().pixels[indices]
    return torch.from_numpy(pixels.astype(np.float32) / 255).reshape(-1, 1, 28, 28)


def memorisation_check(samples: torch.Tensor) -> dict:
    """Nearest training digit of each sample, in judge-feature space and in pixels, against the test reference.

    nn_ratio: median sample→train distance ÷ median test→train distance (≈ 0: copies, ≈ 1: as new as test digits).
    share_closer: share of samples nearer their training neighbour than 95 % of test digits are (≈ 0.05 if new).
    """
    index = train_index()
    flat = samples.detach().float().cpu().reshape(len(samples), -1).numpy()
    feat_dist, feat_idx = metrics.nearest_distances(judge_images(samples)[0], index.features)
    pix_dist, pix_idx = metrics.nearest_distances(flat, index.pixels)
    threshold = np.percentile(index.test_features, SUSPICIOUS_PERCENTILE)
    return {
        "nn_ratio": metrics.nn_ratio(feat_dist, index.test_features),
        "nn_ratio_pixels": metrics.nn_ratio(pix_dist, index.test_pixels),
        "share_closer": float((feat_dist < threshold).mean()),
        "feature_distances": feat_dist, "nearest_by_features": feat_idx,
        "pixel_distances": pix_dist, "nearest_by_pixels": pix_idx,
        "test_feature_distances": index.test_features, "test_pixel_distances": index.test_pixels,
    }
