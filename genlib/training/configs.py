"""Training configs: one dataclass per model kind, defaults commented, validated before any work starts.

The comment after each field is its help text: the CLI's flags and their --help come from these classes
(see `setting_help`), so a new setting is one line here plus its check in validate().
"""
from __future__ import annotations

import dataclasses
import functools
import inspect
import math
import re
import typing
from dataclasses import dataclass

from ..data import DATASETS
from ..devices import STEP_PRECISIONS
from ..errors import ConfigError
from ..models import ClassifierConfig, GANConfig, VAEConfig


@dataclass
class VAETrainConfig:
    kl_weight: float = 1.0            # beta: 0 is a plain autoencoder, 1 the true ELBO
    kl_warmup_epochs: float = 0.0     # ramp beta linearly from 0 over this many epochs; 0 = off
    epochs: int = 10                  # passes over the training images
    batch_size: int = 128             # images per optimiser step, as in pytorch/examples
    lr: float = 1e-3                  # Adam's learning rate, as in pytorch/examples
    seed: int = 0                     # random seed: the same seed and settings give the same weights
    device: str = "auto"              # auto (cuda, then mps, then cpu), cpu, cuda, cuda:N or mps
    train_limit: int | None = None    # use only the first N training images (none: all of them)
    dataset: str = "mnist"            # mnist (bundled) or fashion-mnist (downloaded once)
    metric_samples: int = 1000        # prior samples the judge scores each epoch (0: none); FID within noise of 2000
    step_precision: str = "auto"      # a training step's matrix products: fp32, bf16 or auto (bf16 on CPUs with it)

    def validate(self) -> None:
        _check_common(self)
        _check_number("kl_weight", self.kl_weight, low=0.0, high=1e4)
        _check_number("kl_warmup_epochs", self.kl_warmup_epochs, low=0.0, high=1e4)
        if self.step_precision not in STEP_PRECISIONS:
            raise ConfigError(f"step_precision must be one of {', '.join(STEP_PRECISIONS)}, got "
                              f"{self.step_precision!r}.", "step_precision")


@dataclass
class GANTrainConfig:
    epochs: int = 25                  # passes over the training images
    batch_size: int = 64              # images per D and G step, as in the homework
    lr_g: float = 2e-4                # the generator's Adam learning rate, as in the homework
    lr_d: float = 2e-4                # the discriminator's Adam learning rate, as in the homework
    beta1: float = 0.5                # Adam's beta1 for both networks, as in the homework
    beta2: float = 0.999              # Adam's beta2 for both networks
    seed: int = 0                     # random seed: the same seed and settings give the same weights
    device: str = "auto"              # auto (cuda, then mps, then cpu), cpu, cuda, cuda:N or mps
    train_limit: int | None = None    # use only the first N training images (none: all of them)
    dataset: str = "mnist"            # mnist (bundled) or fashion-mnist (downloaded once)
    metric_samples: int = 2000        # samples the judge scores each epoch (0: no per-epoch metrics)

    def validate(self) -> None:
        _check_common(self)
        for name in ("lr_g", "lr_d"):
            _check_number(name, getattr(self, name), low=0.0, high=1.0, open_low=True)
        for name in ("beta1", "beta2"):
            _check_number(name, getattr(self, name), low=0.0, high=1.0, open_high=True)


@dataclass
class ClassifierTrainConfig:
    epochs: int = 4                   # passes over the training images (cosine learning-rate decay over all)
    batch_size: int = 128             # images per optimiser step
    lr: float = 2e-3                  # Adam's starting learning rate
    seed: int = 0                     # random seed: the same seed and settings give the same weights
    device: str = "auto"              # auto (cuda, then mps, then cpu), cpu, cuda, cuda:N or mps
    train_limit: int | None = None    # use only the first N training images (none: all of them)
    dataset: str = "mnist"            # mnist (bundled) or fashion-mnist (downloaded once)

    def validate(self) -> None:
        _check_common(self)


def _check_common(cfg) -> None:
    _check_int("epochs", cfg.epochs, 1, 10_000)
    _check_int("batch_size", cfg.batch_size, 1, 65_536)
    _check_int("seed", cfg.seed, 0, 2**63 - 1)
    if hasattr(cfg, "lr"):
        _check_number("lr", cfg.lr, low=0.0, high=1.0, open_low=True)
    if hasattr(cfg, "metric_samples"):
        _check_int("metric_samples", cfg.metric_samples, 0, 100_000)
    if cfg.train_limit is not None:
        _check_int("train_limit", cfg.train_limit, 1, 10_000_000)
        if cfg.batch_size > cfg.train_limit:
            raise ConfigError(f"batch_size ({cfg.batch_size}) is larger than the training set ({cfg.train_limit} "
                              "images); lower the batch size or train on more images.", "batch_size")
    if cfg.dataset not in DATASETS:
        raise ConfigError(f"dataset {cfg.dataset!r} is unknown; choose one of {', '.join(DATASETS)}.", "dataset")
    if not isinstance(cfg.device, str):
        raise ConfigError(f"device must be a name such as cpu, cuda or auto, got {cfg.device!r}.", "device")


def _check_int(name: str, value, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{name} must be a whole number, got {value!r}.", name)
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, got {value}.", name)


def _check_number(name: str, value, low: float, high: float, open_low=False, open_high=False) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigError(f"{name} must be a finite number, got {value!r}.", name)
    if value < low or value > high or (open_low and value == low) or (open_high and value == high):
        lo, hi = ("(" if open_low else "[") + f"{low:g}", f"{high:g}" + (")" if open_high else "]")
        raise ConfigError(f"{name} must be in {lo}, {hi}, got {value:g}.", name)


def parse_config(cls, values: dict):
    """Build a config dataclass from loosely typed values (CLI strings, JSON, widgets) and validate it.

    Unknown keys and values that do not convert are ConfigErrors naming the setting.
    """
    fields = {f.name for f in dataclasses.fields(cls)}
    hints = typing.get_type_hints(cls)
    unknown = set(values) - fields
    if unknown:
        raise ConfigError(f"Unknown setting(s) for {cls.__name__}: {', '.join(sorted(unknown))}.")
    cfg = cls(**{name: _convert(name, value, hints[name]) for name, value in values.items()})
    cfg.validate()
    return cfg


def _convert(name: str, value, hint):
    optional = type(None) in typing.get_args(hint)
    base = next((t for t in typing.get_args(hint) if t is not type(None)), hint) if optional else hint
    if value is None or (optional and isinstance(value, str) and value.strip().lower() in ("", "none")):
        if optional:
            return None
        raise ConfigError(f"{name} needs a value.", name)
    try:
        if base is int:
            if isinstance(value, float) and not value.is_integer():
                raise ValueError
            return int(value) if not isinstance(value, str) else int(value.strip())
        if base is float:
            return float(value)
        if base is str:
            return str(value)
    except (TypeError, ValueError, OverflowError):
        kind = "a whole number" if base is int else "a number"
        raise ConfigError(f"{name} must be {kind}, got {value!r}.", name) from None
    return value


@functools.cache
def setting_help(cls) -> dict[str, str]:
    """Each field's trailing comment in the class's source: the settings' help texts."""
    comments = re.findall(r"^\s+(\w+)\s*:[^#\n]*#\s*(.+)$", inspect.getsource(cls), re.MULTILINE)
    return {name: text.strip() for name, text in comments}


MODEL_CONFIGS = {"vae": VAEConfig, "gan": GANConfig, "classifier": ClassifierConfig}
TRAIN_CONFIGS = {"vae": VAETrainConfig, "gan": GANTrainConfig, "classifier": ClassifierTrainConfig}
