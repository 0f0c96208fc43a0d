"""Metrics as pure functions of arrays (judge features, class probabilities, posterior statistics).

The judge classifier (judge.py) turns images into the features and probabilities used here.
"""
from __future__ import annotations

import numpy as np

COVERAGE_SHARE = 0.02    # a class counts as covered when it holds at least 2 % of the samples
CONFIDENCE = 0.9         # a sample is "confident" when the judge gives its top class at least 0.9
# Cov_x E[z_d|x] above this: an active unit. The lab's one definition of a working latent dimension (eval.json's
# active_units, the VAE page's counts, colours and sentences); the others are inactive, collapsed onto the prior.
ACTIVE_UNIT_VARIANCE = 0.01
# nats: a mean KL below this is next to no information. Not what the page counts: at β = 4 two active units sit
# under it (0.005 and 0.008 nats), and two rules side by side told 5 collapsed beside 13 active of 16.
COLLAPSED_KL = 0.01


def feature_stats(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and covariance (rowvar=False) of features (N, F)."""
    features = np.asarray(features, dtype=np.float64)
    return features.mean(0), np.cov(features, rowvar=False)


def frechet_distance(mu1, cov1, mu2, cov2) -> float:
    """||mu1 - mu2||² + tr(C1 + C2 - 2 (C1^½ C2 C1^½)^½), the Fréchet distance of two Gaussians.

    tr((C1 C2)^½) equals tr((C1^½ C2 C1^½)^½), whose argument is symmetric positive semi-definite,
    so two eigen-decompositions replace a general matrix square root.
    """
    vals, vecs = np.linalg.eigh(cov1)
    root1 = (vecs * np.sqrt(np.clip(vals, 0, None))) @ vecs.T
    middle = root1 @ cov2 @ root1
    trace_root = np.sqrt(np.clip(np.linalg.eigvalsh((middle + middle.T) / 2), 0, None)).sum()
    diff = mu1 - mu2
    return float(max(diff @ diff + np.trace(cov1) + np.trace(cov2) - 2 * trace_root, 0.0))


def fid(features: np.ndarray, reference_stats: tuple[np.ndarray, np.ndarray]) -> float:
    """FID (classifier features): the Fréchet distance between a Gaussian fitted to the features and the reference's
    (its feature_stats, computed once: the reference side never changes)."""
    return frechet_distance(*feature_stats(features), *reference_stats)


def class_histogram(probs: np.ndarray) -> np.ndarray:
    """Share of samples (10,) whose top predicted class is each digit."""
    counts = np.bincount(np.asarray(probs).argmax(1), minlength=probs.shape[1])
    return counts / counts.sum()


def classes_covered(probs: np.ndarray, share: float = COVERAGE_SHARE) -> int:
    """Number of classes holding at least `share` of the samples."""
    return int((class_histogram(probs) >= share).sum())


def class_kl(probs: np.ndarray) -> float:
    """KL(class histogram ‖ uniform) in nats: 0 for balanced classes, log 10 ≈ 2.30 for one class."""
    hist = class_histogram(probs)
    nonzero = hist[hist > 0]
    return float((nonzero * np.log(nonzero * len(hist))).sum())


def confident_rate(probs: np.ndarray, threshold: float = CONFIDENCE) -> float:
    """Share of samples whose top class probability is at least `threshold`."""
    return float((np.asarray(probs).max(1) >= threshold).mean())


def inception_score(probs: np.ndarray, eps: float = 1e-12) -> float:
    """exp(E_x KL(p(y|x) ‖ p(y))) with the judge as classifier: 1 (useless) to 10 (sharp and balanced)."""
    probs = np.asarray(probs, dtype=np.float64)
    marginal = probs.mean(0, keepdims=True)
    kl = (probs * (np.log(probs + eps) - np.log(marginal + eps))).sum(1)
    return float(np.exp(kl.mean()))


def sample_quality(features: np.ndarray, probs: np.ndarray, reference_stats: tuple[np.ndarray, np.ndarray]) -> dict:
    """The sample metrics shown everywhere: FID against the reference, coverage, confidence, IS."""
    return {
        "fid": fid(features, reference_stats),
        "classes_covered": classes_covered(probs),
        "class_kl": class_kl(probs),
        "confident_rate": confident_rate(probs),
        "inception_score": inception_score(probs),
        "class_histogram": class_histogram(probs).round(4).tolist(),
    }


# ---- VAE latent health ----

def kl_per_dimension(mu: np.ndarray, logvar: np.ndarray) -> np.ndarray:
    """Mean over the images of each latent dimension's KL(q(z_d|x) ‖ N(0, 1)) in nats, shape (D,)."""
    return (-0.5 * (1 + logvar - mu**2 - np.exp(logvar))).mean(0)


def rate(mu: np.ndarray, logvar: np.ndarray) -> float:
    """Mean KL(q(z|x) ‖ N(0, I)) in nats over the images: the information the codes carry."""
    return float(kl_per_dimension(mu, logvar).sum())


def collapsed_dimensions(kl_per_dim: np.ndarray, threshold: float = COLLAPSED_KL) -> np.ndarray:
    """Which dimensions' posterior equals the prior (mean KL below threshold): posterior collapse."""
    return np.asarray(kl_per_dim) < threshold


def active_dimensions(mu: np.ndarray, threshold: float = ACTIVE_UNIT_VARIANCE) -> np.ndarray:
    """Which latent dimensions' posterior mean varies across images: Cov_x E[z|x] > threshold, shape (D,)."""
    return np.asarray(mu).var(0) > threshold


def active_units(mu: np.ndarray, threshold: float = ACTIVE_UNIT_VARIANCE) -> int:
    """Number of active dimensions (see active_dimensions)."""
    return int(active_dimensions(mu, threshold).sum())


def gaussian_kl_to_standard(mean: np.ndarray, cov: np.ndarray) -> float:
    """KL(N(mean, cov) ‖ N(0, I)) in nats = ½ (tr C + |m|² − d − log det C)."""
    sign, logdet = np.linalg.slogdet(cov)
    if sign <= 0:
        return float("inf")
    return float(0.5 * (np.trace(cov) + mean @ mean - len(mean) - logdet))


def aggregate_posterior_fit(mu: np.ndarray, logvar: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and covariance of a Gaussian fitted to q(z) = E_x q(z|x): Cov(mu) plus the mean posterior variance."""
    mean = mu.mean(0)
    cov = np.cov(mu, rowvar=False).reshape(mu.shape[1], mu.shape[1]) + np.diag(np.exp(logvar).mean(0))
    return mean, cov


def aggregate_kl(mu: np.ndarray, logvar: np.ndarray) -> float:
    """KL of the Gaussian fitted to the aggregated posterior against the prior N(0, I), in nats."""
    return gaussian_kl_to_standard(*aggregate_posterior_fit(mu, logvar))


# ---- interpolation smoothness ----

def path_ratio_and_jumpiness(path_features: np.ndarray) -> tuple[float, float]:
    """For features (K, F) along one decoded path: path length ÷ end-to-end distance, largest step ÷ mean step.

    A smooth path is nearly straight (ratio near 1) with even steps (jumpiness near 1).
    """
    steps = step_sizes(path_features)
    end_to_end = np.linalg.norm(path_features[-1] - path_features[0])
    ratio = steps.sum() / max(end_to_end, 1e-12)
    jumpiness = steps.max() / max(steps.mean(), 1e-12)
    return float(ratio), float(jumpiness)


def step_sizes(path_features: np.ndarray) -> np.ndarray:
    """Distances between consecutive points of a path, in judge-feature space."""
    return np.linalg.norm(np.diff(path_features, axis=0), axis=1)


# ---- generalisation ----

def recon_gap(epoch_record: dict) -> float:
    """Test − train reconstruction (nats per image) of one epoch: > 0 when the decoder fits its training
    images better than new ones, the overfitting the homework claims for β = 0."""
    return float(epoch_record["test_recon"] - epoch_record["train_recon"])


# ---- memorisation ----

def _squared_distance_chunks(queries: np.ndarray, references: np.ndarray, chunk: int):
    """(start, squared distances (Q, chunk)) from each query row to each reference row, chunk by chunk.

    One matrix product per chunk of references (|q|² − 2 q·r + |r|²), not a Python loop over pairs.
    References may be uint8 pixels: each chunk is converted on its own, so no float copy of the whole
    set is ever held.
    """
    queries = np.asarray(queries, dtype=np.float32)
    q_sq = (queries**2).sum(1)
    for start in range(0, len(references), chunk):
        ref = np.asarray(references[start:start + chunk], dtype=np.float32)
        if references.dtype == np.uint8:
            ref /= 255
        yield start, np.clip(q_sq[:, None] - 2 * queries @ ref.T + (ref**2).sum(1), 0, None)


def pairwise_distances(queries: np.ndarray, references: np.ndarray, chunk: int = 10_000) -> np.ndarray:
    """Euclidean distances from every query row to every reference row, (Q, R)."""
    return np.sqrt(np.concatenate([d2 for _, d2 in _squared_distance_chunks(queries, references, chunk)], 1))


def nearest_distances(queries: np.ndarray, references: np.ndarray, chunk: int = 10_000) -> tuple[np.ndarray, np.ndarray]:
    """Euclidean distance from each query row to its nearest reference row, and that row's index."""
    best = np.full(len(queries), np.inf, dtype=np.float32)
    best_idx = np.zeros(len(queries), dtype=np.int64)
    for start, d2 in _squared_distance_chunks(queries, references, chunk):
        j = d2.argmin(1)
        d = d2[np.arange(len(d2)), j]
        closer = d < best
        best[closer], best_idx[closer] = d[closer], start + j[closer]
    return np.sqrt(best), best_idx


def nearest_k(queries: np.ndarray, references: np.ndarray, k: int, chunk: int = 10_000) -> tuple[np.ndarray, np.ndarray]:
    """The k nearest reference rows of each query: distances (Q, k), nearest first, and their indices."""
    dists, idx = [], []
    for start, d2 in _squared_distance_chunks(queries, references, chunk):
        j = np.argpartition(d2, min(k, d2.shape[1]) - 1, axis=1)[:, :k]
        dists.append(np.take_along_axis(d2, j, 1))
        idx.append(start + j)
    dists, idx = np.concatenate(dists, 1), np.concatenate(idx, 1)
    order = np.argsort(dists, 1)[:, :k]
    return np.sqrt(np.take_along_axis(dists, order, 1)), np.take_along_axis(idx, order, 1)


def nn_ratio(sample_to_train: np.ndarray, test_to_train: np.ndarray) -> float:
    """Median sample→train nearest distance ÷ median test→train distance: ≈ 0 copies, ≈ 1 new digits."""
    return float(np.median(sample_to_train) / max(np.median(test_to_train), 1e-12))
