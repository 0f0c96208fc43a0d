"""GAN generators and discriminators: the homework's infoGAN-style conv nets and a small CPU-sized MLP pair,
and the losses that train the same pair (bce, the GAN paper's minimax, and the seed's lsgan, wgan-gp, hinge).

Images live in [-1, 1] inside the GAN (tanh output); `sample()` hands back [0, 1] like the VAE.
The discriminator returns a raw score (a logit), so every loss reads the same output: bce applies the
sigmoid inside binary_cross_entropy_with_logits (the homework's Sigmoid + BCE, computed stably).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import ConfigError

NOISES = ("uniform", "normal")


@dataclass
class GANConfig:
    arch: str = "small"      # small: an MLP pair sized for a 2-core CPU; infogan: the homework's conv nets (GPU)
    z_dim: int = 62          # noise dimension, as in the homework
    noise: str = "uniform"   # uniform on [0, 1) as in the homework, or normal N(0, I)
    loss: str = "bce"        # bce (the homework's), minimax (the GAN paper's saturating G loss), lsgan, wgan-gp, hinge

    def validate(self) -> None:
        if self.arch not in GAN_ARCHS:
            raise ConfigError(f"arch {self.arch!r} is not a GAN architecture; choose one of {', '.join(GAN_ARCHS)}.",
                              "arch")
        if self.noise not in NOISES:
            raise ConfigError(f"noise {self.noise!r} is unknown; choose 'uniform' or 'normal'.", "noise")
        if self.loss not in LOSSES:
            raise ConfigError(f"loss {self.loss!r} is not a GAN loss; choose one of {', '.join(LOSSES)}.", "loss")
        if isinstance(self.z_dim, bool) or not isinstance(self.z_dim, int) or not 1 <= self.z_dim <= 1024:
            raise ConfigError(f"z_dim must be a whole number between 1 and 1024, got {self.z_dim!r}.", "z_dim")


def _infogan_generator(z_dim: int) -> nn.Module:
    return nn.Sequential(
        nn.Linear(z_dim, 1024), nn.BatchNorm1d(1024), nn.ReLU(),
        nn.Linear(1024, 128 * 7 * 7), nn.BatchNorm1d(128 * 7 * 7), nn.ReLU(),
        nn.Unflatten(1, (128, 7, 7)),
        nn.ConvTranspose2d(128, 64, 4, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),  # 14x14
        nn.ConvTranspose2d(64, 1, 4, 2, 1), nn.Tanh(),                        # 28x28
    )


def _infogan_discriminator() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 64, 4, 2, 1), nn.LeakyReLU(0.2),                          # 14x14
        nn.Conv2d(64, 128, 4, 2, 1), nn.BatchNorm2d(128), nn.LeakyReLU(0.2),  # 7x7
        nn.Flatten(),
        nn.Linear(128 * 7 * 7, 1024), nn.BatchNorm1d(1024), nn.LeakyReLU(0.2),
        nn.Linear(1024, 1),
    )


def _small_generator(z_dim: int) -> nn.Module:
    return nn.Sequential(
        nn.Linear(z_dim, 256), nn.BatchNorm1d(256), nn.ReLU(),
        nn.Linear(256, 512), nn.BatchNorm1d(512), nn.ReLU(),
        nn.Linear(512, 784), nn.Tanh(),
        nn.Unflatten(1, (1, 28, 28)),
    )


def _small_discriminator() -> nn.Module:
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(784, 512), nn.LeakyReLU(0.2),
        nn.Linear(512, 256), nn.LeakyReLU(0.2),
        nn.Linear(256, 1),
    )


GAN_ARCHS = {
    "infogan": (_infogan_generator, _infogan_discriminator),
    "small": (_small_generator, _small_discriminator),
}


def init_weights(module: nn.Module) -> None:
    """The homework's init: N(0, 0.02) weights and zero biases for conv, deconv and linear layers."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
        nn.init.normal_(module.weight, 0.0, 0.02)
        nn.init.zeros_(module.bias)


class Generator(nn.Module):
    def __init__(self, cfg: GANConfig):
        super().__init__()
        cfg.validate()
        self.cfg = cfg
        self.net = GAN_ARCHS[cfg.arch][0](cfg.z_dim)
        self.apply(init_weights)

    def noise(self, n: int, generator: torch.Generator | None = None, device=None) -> torch.Tensor:
        """n noise vectors from the configured distribution."""
        device = device or next(self.parameters()).device
        if self.cfg.noise == "uniform":
            return torch.rand(n, self.cfg.z_dim, generator=generator, device=device)
        return torch.randn(n, self.cfg.z_dim, generator=generator, device=device)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """Images (N, 1, 28, 28) in [-1, 1]."""
        return self.net(z)

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """n images (N, 1, 28, 28) in [0, 1]. Call eval() first for batch-norm's running statistics."""
        return to_unit(self(self.noise(n, generator)))


class Discriminator(nn.Module):
    def __init__(self, cfg: GANConfig):
        super().__init__()
        cfg.validate()
        self.net = GAN_ARCHS[cfg.arch][1]()
        self.apply(init_weights)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """A raw score (N,) for each image in [-1, 1]: higher means "more real" (for bce, a logit)."""
        return self.net(x).squeeze(1)


def to_unit(x: torch.Tensor) -> torch.Tensor:
    """[-1, 1] -> [0, 1]."""
    return x.add(1).mul_(0.5).clamp_(0, 1)


@dataclass(frozen=True)
class GANLoss:
    """How one variant scores D and G from D's raw scores. Every term is a batch mean."""
    d_loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]  # (real scores, fake scores) -> D's loss
    g_loss: Callable[[torch.Tensor], torch.Tensor]                # fake scores -> G's loss
    shown: Callable[[torch.Tensor], torch.Tensor]                 # scores as charts show them (bce: probabilities)
    shown_as: str                                                 # what the shown value is, for axis labels
    penalty_weight: float = 0.0  # λ of the gradient penalty on real/fake interpolates (WGAN-GP: 10)
    critic_steps: int = 1        # D steps (each on its own batch) per G step


def _bce_d(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    # real images towards 1, fakes towards 0: the homework's two BCE terms, summed
    return (F.binary_cross_entropy_with_logits(real, torch.ones_like(real))
            + F.binary_cross_entropy_with_logits(fake, torch.zeros_like(fake)))


def _bce_g(fake: torch.Tensor) -> torch.Tensor:
    return F.binary_cross_entropy_with_logits(fake, torch.ones_like(fake))  # the non-saturating G loss


def _minimax_g(fake: torch.Tensor) -> torch.Tensor:
    # the GAN paper's G loss: minimise log(1 − D(G(z))), which is −softplus of the logit. While D rejects the
    # fakes confidently its slope is σ(logit) ≈ 0: G barely learns, the stall the non-saturating bce loss avoids
    return -F.softplus(fake).mean()


def _identity(scores: torch.Tensor) -> torch.Tensor:
    return scores


LOSSES = {
    "bce": GANLoss(_bce_d, _bce_g, torch.sigmoid, "probability 'real'"),
    "minimax": GANLoss(_bce_d, _minimax_g, torch.sigmoid, "probability 'real'"),  # D as bce's; G saturating
    # Mao et al.: least squares towards 1 (real) and 0 (fake); G pulls its fakes' scores towards 1
    "lsgan": GANLoss(lambda r, f: 0.5 * ((r - 1) ** 2).mean() + 0.5 * (f ** 2).mean(),
                     lambda f: 0.5 * ((f - 1) ** 2).mean(), _identity, "D's raw score (targets: real 1, fake 0)"),
    # Gulrajani et al.: the critic's score gap estimates the Wasserstein distance; the penalty keeps it
    # 1-Lipschitz; 5 critic steps per G step as in the paper and the seed's collection (its n_critic)
    "wgan-gp": GANLoss(lambda r, f: f.mean() - r.mean(), lambda f: -f.mean(), _identity,
                       "critic score (only differences mean anything)", penalty_weight=10.0, critic_steps=5),
    # the hinge loss of SAGAN / BigGAN: D wants real scores ≥ 1 and fake scores ≤ -1
    "hinge": GANLoss(lambda r, f: F.relu(1 - r).mean() + F.relu(1 + f).mean(), lambda f: -f.mean(), _identity,
                     "D's raw score (margins: real ≥ 1, fake ≤ −1)"),
}


def gradient_penalty(critic: Callable[[torch.Tensor], torch.Tensor], real: torch.Tensor, fake: torch.Tensor,
                     generator: torch.Generator | None = None) -> torch.Tensor:
    """Mean (‖∇ critic(x̂)‖ − 1)² at random points x̂ on the lines between real and fake images (WGAN-GP)."""
    t = torch.rand(len(real), *[1] * (real.dim() - 1), generator=generator, device=real.device)
    between = (t * real + (1 - t) * fake).requires_grad_(True)
    grad, = torch.autograd.grad(critic(between).sum(), between, create_graph=True)
    return ((grad.flatten(1).norm(dim=1) - 1) ** 2).mean()
