"""Walking latent spaces: interpolation, manifold grids, PCA projections."""
from __future__ import annotations

import numpy as np
import torch


def interpolate(z0: torch.Tensor, z1: torch.Tensor, points: int) -> torch.Tensor:
    """Points on the straight lines from z0 to z1: (..., D) -> (..., points, D), ends included."""
    t = torch.linspace(0, 1, points, dtype=z0.dtype, device=z0.device).view(*([1] * (z0.dim() - 1)), points, 1)
    return z0.unsqueeze(-2) * (1 - t) + z1.unsqueeze(-2) * t


def pca(codes: np.ndarray, components: int = 2) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean, the top principal directions (components, D) and the share of variance each explains."""
    codes = np.asarray(codes, dtype=np.float64)
    mean = codes.mean(0)
    _, s, vt = np.linalg.svd(codes - mean, full_matrices=False)
    explained = s**2 / max((s**2).sum(), 1e-12)
    return mean, vt[:components], explained[:components]


def project(codes: np.ndarray, components: int = 2) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """2-D view of codes: as they are when D = 2, else onto their top principal directions.

    The directions come from centred PCA, but the codes are projected as they are (not centred, not
    whitened), so the prior's origin stays at the origin and a wide spread stays wide on screen.
    Returns the projected points, the directions (components, D) and their explained-variance shares.
    """
    codes = np.asarray(codes)
    if codes.shape[1] <= components:
        return codes, np.eye(codes.shape[1]), np.ones(codes.shape[1])
    _, directions, explained = pca(codes, components)
    return onto(codes, directions), directions, explained


def onto(codes: np.ndarray, directions: np.ndarray) -> np.ndarray:
    """Codes (N, D) seen on a projection's directions (components, D), as project() shows them: (N, components)."""
    return np.asarray(codes) @ np.asarray(directions).T


def lift(coords: np.ndarray, directions: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """Codes (N, D) that onto() shows at coords (N, components): the codes' mean, moved within the plane.

    project() does not centre, so a point of the plane is the mean with its own plane coordinates
    replaced by the clicked ones: mean + (coords − onto(mean)) @ directions. Off the plane the code keeps
    the mean's values, the most typical code there is. With D = 2 (identity directions) it is coords itself.
    """
    coords, directions, mean = np.atleast_2d(coords), np.asarray(directions), np.asarray(mean)
    return mean + (coords - onto(mean[None], directions)) @ directions


def manifold_codes(latent_dim: int, steps: int = 15, span: float = 3.0, directions: np.ndarray | None = None,
                   origin: np.ndarray | None = None) -> torch.Tensor:
    """A steps×steps grid of codes over [-span, span]² of the prior (2-D) or along two directions (D > 2).

    Rows run from +span (top) to -span, so the grid reads like a plot with y up.
    """
    ticks = np.linspace(-span, span, steps)
    ys, xs = np.meshgrid(ticks[::-1], ticks, indexing="ij")
    plane = np.stack([xs.ravel(), ys.ravel()], 1)  # (steps², 2)
    if directions is None:
        if latent_dim == 2:
            return torch.tensor(plane, dtype=torch.float32)
        directions = np.eye(latent_dim)[:2]
    origin = np.zeros(latent_dim) if origin is None else origin
    return torch.tensor(origin + plane @ directions, dtype=torch.float32)
