"""GAN generators and discriminators: the homework's infoGAN-style conv nets and a small CPU-sized MLP pair.

Images live in [-1, 1] inside the GAN (tanh output); `sample()` hands back [0, 1] like the VAE.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from ..errors import ConfigError

NOISES = ("uniform", "normal")


@dataclass
class GANConfig:
    arch: str = "small"      # small: an MLP pair sized for a 2-core CPU; infogan: the homework's conv nets (GPU)
    z_dim: int = 62          # noise dimension, as in the homework
    noise: str = "uniform"   # uniform on [0, 1) as in the homework, or normal N(0, I)

    def validate(self) -> None:
        if self.arch not in GAN_ARCHS:
            raise ConfigError(f"arch {self.arch!r} is not a GAN architecture; choose one of {', '.join(GAN_ARCHS)}.",
                              "arch")
        if self.noise not in NOISES:
            raise ConfigError(f"noise {self.noise!r} is unknown; choose 'uniform' or 'normal'.", "noise")
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
        nn.Linear(1024, 1), nn.Sigmoid(),
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
        nn.Linear(256, 1), nn.Sigmoid(),
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
        """Probability (N,) that each image in [-1, 1] is real."""
        return self.net(x).squeeze(1)


def to_unit(x: torch.Tensor) -> torch.Tensor:
    """[-1, 1] -> [0, 1]."""
    return x.add(1).mul_(0.5).clamp_(0, 1)
