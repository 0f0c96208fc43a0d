"""One image or one latent point held against trained VAEs: where the image's code lands, how far the prior
would have to reach for it, how well it comes back, what the judge reads in a decoding, which training
digits it resembles."""
from __future__ import annotations

import functools
import math
from typing import NamedTuple

import numpy as np
import torch

from ..data import load_digits
from ..models import VAE
from ..models.vae import bernoulli_nll
from . import metrics
from .judge import judge_images

NEAREST_SHOWN = 3


class Encoding(NamedTuple):
    mu: np.ndarray        # posterior mean (D,)
    logvar: np.ndarray    # posterior log-variance (D,)
    recon: torch.Tensor   # the mean code decoded (1, 28, 28), in [0, 1]
    recon_nats: float     # −log p(image | mean code): the reconstruction term of the loss, per image


@torch.no_grad()
def encode_one(vae: VAE, image: np.ndarray) -> Encoding:
    """A 28×28 image in [0, 1] through a VAE: its posterior and the decoding of its posterior mean."""
    x = torch.tensor(np.asarray(image), dtype=torch.float32).reshape(1, 1, 28, 28)  # a copy: inputs may be read-only
    mu, logvar = vae.encode(x)
    logits = vae.decoder(mu)
    nats = bernoulli_nll(logits, x).item()
    return Encoding(mu[0].double().numpy(), logvar[0].double().numpy(), torch.sigmoid(logits)[0], nats)


def prior_tail(norm: float, dim: int) -> float:
    """P(|z| ≥ norm) for z ~ N(0, I_dim): how often the prior samples a point at least this far out.

    |z|² is chi-square with dim degrees of freedom, whose survival function is the regularised upper
    incomplete gamma Q(dim / 2, norm² / 2).
    """
    return float(torch.special.gammaincc(torch.tensor(dim / 2, dtype=torch.float64),
                                         torch.tensor(norm**2 / 2, dtype=torch.float64)))


def typical_radius(dim: int) -> float:
    """sqrt(dim): where N(0, I_dim) puts its samples (|z| concentrates there as dim grows)."""
    return math.sqrt(dim)


def share_farther(norm: float, code_norms: np.ndarray) -> float:
    """Share of the test digits' codes farther from the origin than `norm`: 0.5 for a typical code."""
    return float((np.asarray(code_norms) > norm).mean())


class Reading(NamedTuple):
    digit: int
    confidence: float


def readings(images: torch.Tensor) -> list[Reading]:
    """The judge's top class and its probability for each image (N, 1, 28, 28)."""
    probs = judge_images(images)[1]
    return [Reading(int(p.argmax()), float(p.max())) for p in probs]


def is_confident(reading: Reading) -> bool:
    return reading.confidence >= metrics.CONFIDENCE


class Neighbours(NamedTuple):
    indices: np.ndarray    # training-set indices, nearest first
    distances: np.ndarray  # Euclidean pixel distances (pixels in [0, 1])
    labels: np.ndarray     # their MNIST labels


BOUND_DIMS = 49   # principal directions of the training pixels used for the distance bound
SHORTLIST = 200   # training digits ranked exactly at first (the bound usually leaves 30-100 unsettled)


@functools.lru_cache(maxsize=1)
def _projected_training_digits() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mean, orthonormal basis (784, BOUND_DIMS), every training digit's coordinates (60000, BOUND_DIMS)).

    12 MB in memory, not the 188 MB of float pixels; the basis comes from every 6th digit (10,000 are plenty
    for the top directions); about a second, once per process."""
    pixels = load_digits("mnist", "train").images.reshape(60_000, -1).numpy()
    sample = pixels[::6].astype(np.float32) / 255
    mean = sample.mean(0)
    _, vectors = np.linalg.eigh(np.cov(sample - mean, rowvar=False))
    basis = np.ascontiguousarray(vectors[:, ::-1][:, :BOUND_DIMS], dtype=np.float32)
    coords = np.concatenate([(pixels[i:i + 10_000].astype(np.float32) / 255 - mean) @ basis
                             for i in range(0, len(pixels), 10_000)])
    return mean, basis, coords


def nearest_training_digits(image: np.ndarray, k: int = NEAREST_SHOWN) -> Neighbours:
    """The k training digits nearest an image in pixel space (the image as the model sees it); exact.

    A full pixel search takes ~55 ms here, too slow for a redraw after each stroke. The distance between two
    digits' coordinates on orthonormal directions is a lower bound on their pixel distance (a projection never
    lengthens a vector); on the training pixels' top principal directions it is a tight one. The SHORTLIST
    digits with the smallest bounds are ranked by true distance, then every digit whose bound is still below the
    k-th distance found is ranked too: the answer is exact, and the digits that cannot be nearer are never
    compared pixel by pixel.
    """
    train = load_digits("mnist", "train")
    pixels = train.images.reshape(len(train), -1).numpy()
    flat = np.asarray(image, dtype=np.float32).reshape(1, -1)
    mean, basis, coords = _projected_training_digits()
    # float32 rounding could lift a bound a hair above the true distance: shave it off
    bounds = metrics.pairwise_distances((flat - mean) @ basis, coords)[0] * (1 - 1e-4)
    order = np.argsort(bounds)
    candidates = order[:SHORTLIST]
    distances, picked = metrics.nearest_k(flat, pixels[candidates], k)
    unsettled = int(np.searchsorted(bounds[order], distances[0, -1]))  # bounds below the k-th distance
    if unsettled > SHORTLIST:
        candidates = order[:unsettled]
        distances, picked = metrics.nearest_k(flat, pixels[candidates], k)
    indices = candidates[picked[0]]
    return Neighbours(indices, distances[0], train.labels.numpy()[indices])


def nearest_code_distance(point: np.ndarray, codes: np.ndarray) -> float:
    """Distance from a point to the nearest of the codes (same space)."""
    return float(metrics.nearest_distances(np.atleast_2d(point), codes)[0][0])


def typical_code_spacing(codes: np.ndarray) -> float:
    """Median distance from each code to its nearest other code: how densely the codes fill their space."""
    d, _ = metrics.nearest_k(codes, codes, 2)
    return float(np.median(d[:, 1]))
