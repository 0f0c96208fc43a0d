"""A VAE with a Bernoulli decoder on logits, as an MLP (pytorch/examples) or a small conv net."""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import ConfigError


@dataclass
class VAEConfig:
    latent_dim: int = 16   # 16 makes the beta = 0 damage show in the numbers; 2 is for pictures
    arch: str = "mlp"      # mlp: 784-hidden-latent as in pytorch/examples; conv: two conv layers
    hidden: int = 400      # width of the MLP's hidden layer (ignored by conv)

    def validate(self) -> None:
        if self.arch not in VAE_ARCHS:
            raise ConfigError(f"arch {self.arch!r} is not a VAE architecture; choose one of {', '.join(VAE_ARCHS)}.",
                              "arch")
        for name, high in (("latent_dim", 256), ("hidden", 8192)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= high:
                raise ConfigError(f"{name} must be a whole number between 1 and {high}, got {value!r}.", name)


class VAEOutput(NamedTuple):
    logits: torch.Tensor  # decoder logits of the reconstruction (N, 1, 28, 28)
    mu: torch.Tensor      # posterior mean (N, D)
    logvar: torch.Tensor  # posterior log-variance (N, D)


class VAELoss(NamedTuple):
    """Per-image means in nats. total = recon + kl_weight * kl."""
    total: torch.Tensor
    recon: torch.Tensor
    kl: torch.Tensor


def _mlp_encoder(cfg: VAEConfig) -> nn.Module:
    return nn.Sequential(nn.Flatten(), nn.Linear(784, cfg.hidden), nn.ReLU(), nn.Linear(cfg.hidden, 2 * cfg.latent_dim))


def _mlp_decoder(cfg: VAEConfig) -> nn.Module:
    return nn.Sequential(
        nn.Linear(cfg.latent_dim, cfg.hidden), nn.ReLU(), nn.Linear(cfg.hidden, 784), nn.Unflatten(1, (1, 28, 28))
    )


def _conv_encoder(cfg: VAEConfig) -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 32, 4, 2, 1), nn.ReLU(),   # 14x14
        nn.Conv2d(32, 64, 4, 2, 1), nn.ReLU(),  # 7x7
        nn.Flatten(), nn.Linear(64 * 7 * 7, 2 * cfg.latent_dim),
    )


def _conv_decoder(cfg: VAEConfig) -> nn.Module:
    return nn.Sequential(
        nn.Linear(cfg.latent_dim, 64 * 7 * 7), nn.ReLU(), nn.Unflatten(1, (64, 7, 7)),
        nn.ConvTranspose2d(64, 32, 4, 2, 1), nn.ReLU(),  # 14x14
        nn.ConvTranspose2d(32, 1, 4, 2, 1),              # 28x28 logits
    )


VAE_ARCHS = {"mlp": (_mlp_encoder, _mlp_decoder), "conv": (_conv_encoder, _conv_decoder)}


class VAE(nn.Module):
    def __init__(self, cfg: VAEConfig):
        super().__init__()
        cfg.validate()
        self.cfg = cfg
        make_encoder, make_decoder = VAE_ARCHS[cfg.arch]
        self.encoder = make_encoder(cfg)
        self.decoder = make_decoder(cfg)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Posterior mean and log-variance for images x in [0, 1], shape (N, 1, 28, 28)."""
        mu, logvar = self.encoder(x).chunk(2, dim=1)
        return mu, logvar

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Pixel probabilities (N, 1, 28, 28) for codes z (N, D)."""
        return torch.sigmoid(self.decoder(z))

    def forward(self, x: torch.Tensor, generator: torch.Generator | None = None) -> VAEOutput:
        mu, logvar = self.encode(x)
        eps = torch.randn(mu.shape, generator=generator, device=mu.device, dtype=mu.dtype)
        z = mu + eps * torch.exp(0.5 * logvar)
        return VAEOutput(self.decoder(z), mu, logvar)

    @staticmethod
    def loss(x: torch.Tensor, out: VAEOutput, kl_weight: float) -> VAELoss:
        """Negative ELBO parts per image; kl_weight = 0 leaves the reconstruction term alone."""
        n = x.shape[0]
        recon = F.binary_cross_entropy_with_logits(out.logits, x, reduction="sum") / n
        kl = -0.5 * torch.sum(1 + out.logvar - out.mu.pow(2) - out.logvar.exp()) / n
        total = recon + kl_weight * kl if kl_weight else recon  # exactly recon at 0: no 0 * inf surprises
        return VAELoss(total, recon, kl)

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """n images (N, 1, 28, 28) in [0, 1], decoded from the prior N(0, I)."""
        device = next(self.parameters()).device
        z = torch.randn(n, self.cfg.latent_dim, generator=generator, device=device)
        return self.decode(z)


def kl_weight_at(step: int, kl_weight: float, warmup_steps: int) -> float:
    """Linear KL warm-up from 0 to kl_weight over warmup_steps optimiser steps."""
    if warmup_steps <= 0:
        return kl_weight
    return kl_weight * min(1.0, step / warmup_steps)


@torch.no_grad()
def elbo_parts(model: VAE, x: torch.Tensor, seed: int = 0, batch_size: int = 5000) -> tuple[float, float]:
    """Mean reconstruction and KL (nats per image) over x, with one seeded posterior sample each.

    Large batches and one host sync at the end: this runs after every training epoch."""
    gen = torch.Generator(x.device).manual_seed(seed)
    sums = torch.zeros(2, device=x.device)
    for start in range(0, len(x), batch_size):
        xb = x[start:start + batch_size]
        parts = model.loss(xb, model(xb, gen), 1.0)
        sums += torch.stack([parts.recon, parts.kl]) * len(xb)
    recon, kl = (sums / len(x)).tolist()
    return recon, kl
