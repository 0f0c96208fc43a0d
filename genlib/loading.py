"""Rebuild models from saved runs, and sample from them."""
from __future__ import annotations

import torch

from .errors import RunError
from .models import Discriminator, GANConfig, Generator, VAE, VAEConfig
from .runs.files import load_tensors
from .runs.store import Run


def _build(cls, settings: dict, run: Run):
    try:
        cfg = cls(**settings)
        cfg.validate()
        return cfg
    except Exception as err:  # unknown keys (TypeError) or out-of-range values (ConfigError)
        raise RunError(f"Run {run.path} has model settings this genlib cannot build ({err}).") from err


def _load_into(model: torch.nn.Module, path, run: Run) -> torch.nn.Module:
    state = load_tensors(path)
    if not isinstance(state, dict):
        raise RunError(f"Weights file {path} does not hold a state dict.")
    try:
        model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in state.items()})
    except (RuntimeError, AttributeError) as err:
        raise RunError(f"Weights file {path} does not match the run's model settings; the run is damaged.") from err
    return model.eval()


def load_vae(run_dir) -> VAE:
    run = Run(run_dir)
    cfg = _build(VAEConfig, run.expect_kind("vae")["model"], run)
    return _load_into(VAE(cfg), run.weights_path(run.resolve_epoch(None)), run)


def load_generator(run_dir, epoch: int | None = None) -> Generator:
    run = Run(run_dir)
    cfg = _build(GANConfig, run.expect_kind("gan")["model"], run)
    return _load_into(Generator(cfg), run.weights_path(run.resolve_epoch(epoch)), run)


def load_discriminator(run_dir, epoch: int | None = None) -> Discriminator:
    """A GAN run's discriminator of an epoch (default: the last kept), in eval mode like every loaded model."""
    run = Run(run_dir)
    cfg = _build(GANConfig, run.expect_kind("gan")["model"], run)
    return _load_into(Discriminator(cfg), run.weights_path(run.resolve_epoch(epoch, "D"), "D"), run)


def load_sampler(run_dir, epoch: int | None = None):
    """The model that samples a run: a VAE (prior) or a GAN generator (epoch E, default the last)."""
    kind = Run(run_dir).kind()
    if kind == "vae":
        if epoch is not None and epoch != Run(run_dir).resolve_epoch(None):
            raise RunError(f"VAE run {run_dir} keeps only its last epoch's weights; leave out --epoch.")
        return load_vae(run_dir)
    if kind == "gan":
        return load_generator(run_dir, epoch)
    raise RunError(f"Run {run_dir} is a {kind} run and cannot sample images.")


@torch.no_grad()
def sample_run(run_dir, n: int, epoch: int | None = None, seed: int = 0) -> torch.Tensor:
    """n samples (N, 1, 28, 28) in [0, 1] on the CPU."""
    model = load_sampler(run_dir, epoch)
    return model.sample(n, torch.Generator().manual_seed(seed))
