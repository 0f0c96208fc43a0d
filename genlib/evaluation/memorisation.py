"""Are generated digits new, or copies of training digits? Nearest-neighbour distances to the training set.

A sample's distance to its nearest training image is compared with the same distance for held-out test
digits, which are new by construction: a generator that copies sits far closer than they do.
"""
from __future__ import annotations

import functools

import numpy as np
import torch

from . import metrics
from ..data import load_digits
from .judge import judge_images, real_features

REFERENCE_TEST_DIGITS = 1000
SUSPICIOUS_PERCENTILE = 5   # "closer than 95 % of test digits are"


@functools.lru_cache(maxsize=1)
def feature_reference() -> tuple[np.ndarray, np.ndarray]:
    """Judge features of every training digit, and each of 1,000 test digits' distance to its nearest one."""
    features = real_features("train")[0]
    return features, metrics.nearest_distances(real_features("test")[0][:REFERENCE_TEST_DIGITS], features)[0]


@functools.lru_cache(maxsize=1)
def pixel_reference() -> tuple[np.ndarray, np.ndarray]:
    """Every training digit as flat uint8 pixels (47 MB, not 188 as floats), and the test digits' distances."""
    pixels = load_digits("mnist", "train").images.reshape(60000, -1).numpy()
    test_x = load_digits("mnist", "test").as_float()[:REFERENCE_TEST_DIGITS]
    return pixels, metrics.nearest_distances(test_x.reshape(len(test_x), -1).numpy(), pixels)[0]


def training_digits(indices: np.ndarray) -> torch.Tensor:
    """Training digits by index, as images (N, 1, 28, 28) in [0, 1]."""
    pixels = load_digits("mnist", "train").images[torch.as_tensor(indices)]
    return pixels.unsqueeze(1).float().div(255)


def nn_ratio(samples: torch.Tensor) -> float:
    """Median sample→train distance ÷ median test→train distance, in judge features (≈ 0 copies, ≈ 1 new)."""
    features, test = feature_reference()
    return metrics.nn_ratio(metrics.nearest_distances(judge_images(samples)[0], features)[0], test)


def memorisation_check(samples: torch.Tensor) -> dict:
    """Nearest training digit of each sample, in judge-feature space and in pixels, against the test reference.

    nn_ratio: median sample→train distance ÷ median test→train distance (≈ 0: copies, ≈ 1: as new as test digits).
    share_closer: share of samples nearer their training neighbour than 95 % of test digits are (≈ 0.05 if new).
    """
    features, test_feat = feature_reference()
    pixels, test_pix = pixel_reference()
    flat = samples.detach().float().cpu().reshape(len(samples), -1).numpy()
    feat_dist, feat_idx = metrics.nearest_distances(judge_images(samples)[0], features)
    pix_dist = metrics.nearest_distances(flat, pixels)[0]
    threshold = np.percentile(test_feat, SUSPICIOUS_PERCENTILE)
    return {
        "nn_ratio": metrics.nn_ratio(feat_dist, test_feat),
        "nn_ratio_pixels": metrics.nn_ratio(pix_dist, test_pix),
        "share_closer": float((feat_dist < threshold).mean()),
        "feature_distances": feat_dist, "nearest_by_features": feat_idx, "test_feature_distances": test_feat,
    }
