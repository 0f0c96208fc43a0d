"""Training loops. Each fit_* is one top-to-bottom function with labelled phases.

They report through one callback (Progress every few iterations, EpochDone after each saved epoch),
check a stop flag every batch, seed everything from the config, and return a FitResult.
A run folder, when given, receives every finished epoch (see checkpoints.py); training again into a
run that has a resume state continues from its last finished epoch.
"""
from __future__ import annotations

import math
import platform
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F

from . import __version__
from .checkpoints import Run
from .config import GANTrainConfig, VAETrainConfig
from .errors import ConfigError, RunError
from .data import load_digits, shuffled_batches
from .devices import describe, pick_device
from .images import grid, png_bytes
from .models import Discriminator, GANConfig, Generator, VAE, VAEConfig
from .models.vae import kl_weight_at
from .progress import EpochDone, NeverStop, Progress, StepLog

LOG_EVERY = 50          # iterations between host syncs / progress reports
FIXED_NOISE_SEED = 1234  # the grid's noise is the same for every run, device and epoch
GRID_SIZE = 64           # an 8x8 grid, as in the seed


@dataclass
class FitResult:
    status: str                      # complete, stopped or diverged
    message: str
    epochs: list[dict]
    steps: dict[str, np.ndarray]
    models: dict[str, torch.nn.Module] = field(default_factory=dict)


class _Session:
    """Bookkeeping shared by the loops: the run folder, the history and how a fit ends."""

    def __init__(self, kind, model_settings: dict, train_cfg, run_dir, report, stop, device):
        self.report = report or (lambda event: None)
        self.stop = stop or NeverStop()
        self.run = None
        self.history = {"status": "running", "message": "", "epochs": []}
        self.resume_state = None
        self.prior_steps: dict[str, np.ndarray] = {}
        if run_dir is None:
            return
        run = Run(run_dir)
        if (Path(run_dir) / "state.pt").is_file():   # resume: same settings, continue after the last epoch
            saved = run.expect_kind(kind)
            if saved["model"] != model_settings:
                raise RunError(f"Run {run_dir} was trained with other model settings; resume it with the "
                               "same settings or train into a new run.")
            self.history = {**run.history(), "status": "running", "message": ""}
            self.resume_state = torch.load(Path(run_dir) / "state.pt", map_location="cpu", weights_only=True)
            self.prior_steps = run.steps()
        else:
            run = Run.create(run_dir, kind, model_settings, asdict(train_cfg), provenance(device))
        self.run = run

    @property
    def first_epoch(self) -> int:
        return len(self.history["epochs"]) + 1

    def steps(self, log: StepLog) -> dict[str, np.ndarray]:
        new = log.arrays()
        return {k: np.concatenate([self.prior_steps.get(k, np.zeros(0, np.float32)), v]) for k, v in new.items()}

    def save_epoch(self, record, grid_img, weights, state, log, keep_every_epoch):
        if self.run is not None:
            self.run.save_epoch(record["epoch"], record, png_bytes(grid_img), weights, self.steps(log), state,
                                self.history, keep_every_epoch)
        self.history["epochs"].append(record)

    def finish(self, status: str, message: str, log: StepLog, models: dict) -> FitResult:
        self.history.update(status=status, message=message)
        if self.run is not None:
            self.run.write_history(self.history)
        return FitResult(status, message, self.history["epochs"], self.steps(log), models)


def provenance(device: torch.device) -> dict:
    return {
        "genlib": __version__, "torch": torch.__version__, "device": describe(device),
        "host": platform.node(), "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def _diverged(new: dict[str, list[float]]) -> bool:
    return any(not math.isfinite(v) for vals in new.values() for v in vals)


def _divergence_message(epoch: int) -> str:
    kept = f"epochs 1-{epoch - 1} are kept" if epoch > 1 else "no epoch was finished"
    return f"Training diverged in epoch {epoch} (the loss became NaN or infinite); {kept}. Lower the learning rate."


def _stop_message(epoch: int) -> str:
    kept = f"epochs 1-{epoch - 1} are kept" if epoch > 1 else "no epoch was finished"
    return f"Stopped during epoch {epoch}; {kept}."


def _seeded(seed: int, build: Callable[[], torch.nn.Module]) -> torch.nn.Module:
    """Build a model from a seed without disturbing the caller's global RNG."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return build()


def fit_vae(model_cfg: VAEConfig, cfg: VAETrainConfig, run_dir=None, report=None, stop=None,
            epoch_metrics=None) -> FitResult:
    model_cfg.validate()
    cfg.validate()
    device = pick_device(cfg.device)
    x_train = load_digits(cfg.dataset, "train", cfg.train_limit).as_float(device)
    x_test = load_digits(cfg.dataset, "test").as_float(device)
    session = _Session("vae", asdict(model_cfg), cfg, run_dir, report, stop, device)

    model = _seeded(cfg.seed, lambda: VAE(model_cfg)).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    order_gen = torch.Generator().manual_seed(cfg.seed)
    noise_gen = torch.Generator(device).manual_seed(cfg.seed)
    fixed_z = torch.randn(GRID_SIZE, model_cfg.latent_dim, generator=torch.Generator().manual_seed(FIXED_NOISE_SEED))
    if session.resume_state:
        _restore(session.resume_state, {"model": model, "opt": opt}, order_gen, noise_gen)

    n = len(x_train)
    steps_per_epoch = math.ceil(n / cfg.batch_size)
    warmup_steps = round(cfg.kl_warmup_epochs * steps_per_epoch)
    log = StepLog(("recon", "kl", "total", "kl_weight"))
    for epoch in range(session.first_epoch, cfg.epochs + 1):
        started = time.perf_counter()
        model.train()
        for i, idx in enumerate(shuffled_batches(n, cfg.batch_size, order_gen), 1):
            if session.stop.is_set():
                return session.finish("stopped", _stop_message(epoch), log, {"vae": model})
            # optimise the negative ELBO (kl_weight 0: reconstruction alone)
            x = x_train[idx.to(device)]
            weight = kl_weight_at((epoch - 1) * steps_per_epoch + i - 1, cfg.kl_weight, warmup_steps)
            loss = model.loss(x, model(x, noise_gen), weight)
            opt.zero_grad(set_to_none=True)
            loss.total.backward()
            opt.step()
            # log in chunks, so the host waits once per chunk, not once per step
            log.add(loss.recon, loss.kl, loss.total, torch.tensor(weight))
            if i % LOG_EVERY == 0 or i == steps_per_epoch:
                new = log.flush()
                if _diverged(new):
                    return session.finish("diverged", _divergence_message(epoch), log, {"vae": model})
                session.report(Progress(epoch, cfg.epochs, i, steps_per_epoch, new))

        # evaluate: ELBO parts on held-out and (up to 10,000) training images, the fixed-latent grid
        model.eval()
        train_parts = elbo_parts(model, x_train[:10_000], cfg.seed)
        test_parts = elbo_parts(model, x_test, cfg.seed)
        with torch.no_grad():
            samples = model.decode(fixed_z.to(device))
        record = {"epoch": epoch, "seconds": round(time.perf_counter() - started, 3), "kl_weight": weight,
                  "train_recon": train_parts[0], "train_kl": train_parts[1],
                  "test_recon": test_parts[0], "test_kl": test_parts[1]}
        if epoch_metrics is not None:
            record.update(epoch_metrics(model))
        if _diverged({"record": [v for v in record.values() if isinstance(v, float)]}):
            return session.finish("diverged", _divergence_message(epoch), log, {"vae": model})
        # save: model weights (last epoch only), resume state, grid, then the history
        img = grid(samples)
        state = _state({"model": model, "opt": opt}, order_gen, noise_gen)
        session.save_epoch(record, img, _cpu_state(model), state, log, keep_every_epoch=False)
        session.report(EpochDone(epoch, cfg.epochs, record["seconds"], record, img))
    return session.finish("complete", "", log, {"vae": model})


@torch.no_grad()
def elbo_parts(model: VAE, x: torch.Tensor, seed: int = 0, batch_size: int = 1000) -> tuple[float, float]:
    """Mean reconstruction and KL (nats per image) over x, with one seeded posterior sample each."""
    gen = torch.Generator(x.device).manual_seed(seed)
    recon = kl = 0.0
    for start in range(0, len(x), batch_size):
        xb = x[start:start + batch_size]
        parts = model.loss(xb, model(xb, gen), 1.0)
        recon += parts.recon.item() * len(xb)
        kl += parts.kl.item() * len(xb)
    return recon / len(x), kl / len(x)


def fit_gan(model_cfg: GANConfig, cfg: GANTrainConfig, run_dir=None, report=None, stop=None,
            epoch_metrics=None) -> FitResult:
    model_cfg.validate()
    cfg.validate()
    device = pick_device(cfg.device)
    x_train = load_digits(cfg.dataset, "train", cfg.train_limit).as_float(device).mul_(2).sub_(1)  # [-1, 1]
    session = _Session("gan", asdict(model_cfg), cfg, run_dir, report, stop, device)

    G = _seeded(cfg.seed, lambda: Generator(model_cfg)).to(device)
    D = _seeded(cfg.seed + 1, lambda: Discriminator(model_cfg)).to(device)
    opt_g = torch.optim.Adam(G.parameters(), lr=cfg.lr_g, betas=(cfg.beta1, cfg.beta2))
    opt_d = torch.optim.Adam(D.parameters(), lr=cfg.lr_d, betas=(cfg.beta1, cfg.beta2))
    order_gen = torch.Generator().manual_seed(cfg.seed)
    noise_gen = torch.Generator(device).manual_seed(cfg.seed)
    fixed_noise = G.noise(GRID_SIZE, torch.Generator().manual_seed(FIXED_NOISE_SEED), device="cpu").to(device)
    parts = {"G": G, "D": D, "opt_g": opt_g, "opt_d": opt_d}
    if session.resume_state:
        _restore(session.resume_state, parts, order_gen, noise_gen)

    n = len(x_train)
    steps_per_epoch = n // cfg.batch_size  # the seed drops the last, partial batch
    if steps_per_epoch == 0:
        raise ConfigError(f"batch_size ({cfg.batch_size}) is larger than the training set ({n} images).")
    real_label = torch.ones(cfg.batch_size, device=device)
    fake_label = torch.zeros(cfg.batch_size, device=device)
    log = StepLog(("d_loss", "g_loss", "d_real", "d_fake"))
    for epoch in range(session.first_epoch, cfg.epochs + 1):
        started = time.perf_counter()
        G.train()
        D.train()
        for i, idx in enumerate(shuffled_batches(n, cfg.batch_size, order_gen, drop_last=True), 1):
            if session.stop.is_set():
                return session.finish("stopped", _stop_message(epoch), log, {"G": G, "D": D})
            real = x_train[idx.to(device)]
            z = G.noise(cfg.batch_size, noise_gen)

            # D step: real images towards 1, a detached fake batch towards 0
            fake = G(z)
            d_real, d_fake = D(real), D(fake.detach())
            d_loss = F.binary_cross_entropy(d_real, real_label) + F.binary_cross_entropy(d_fake, fake_label)
            opt_d.zero_grad(set_to_none=True)
            d_loss.backward()
            opt_d.step()

            # G step: a freshly generated G(z), judged by the updated D, labelled real
            g_loss = F.binary_cross_entropy(D(G(z)), real_label)
            opt_g.zero_grad(set_to_none=True)
            g_loss.backward()
            opt_g.step()

            # log in chunks, so the host waits once per chunk, not once per iteration
            log.add(d_loss, g_loss, d_real.mean(), d_fake.mean())
            if i % LOG_EVERY == 0 or i == steps_per_epoch:
                new = log.flush()
                if _diverged(new):
                    return session.finish("diverged", _divergence_message(epoch), log, {"G": G, "D": D})
                session.report(Progress(epoch, cfg.epochs, i, steps_per_epoch, new))

        # evaluate: the fixed-noise grid and, when a judge is given, sample metrics
        seconds = time.perf_counter() - started
        G.eval()
        with torch.no_grad():
            img = grid(G(fixed_noise).add(1).mul(0.5))
        epoch_steps = {k: v[-steps_per_epoch:] for k, v in log.done.items()}
        record = {"epoch": epoch, "seconds": round(seconds, 3),
                  **{k: float(np.mean(v)) for k, v in epoch_steps.items()}}
        if epoch_metrics is not None:
            record.update(epoch_metrics(G))
        if _diverged({"record": [v for v in record.values() if isinstance(v, float)]}):
            return session.finish("diverged", _divergence_message(epoch), log, {"G": G, "D": D})
        # save: this epoch's generator, the resume state, the grid, then the history
        session.save_epoch(record, img, _cpu_state(G), _state(parts, order_gen, noise_gen), log,
                           keep_every_epoch=True)
        session.report(EpochDone(epoch, cfg.epochs, record["seconds"], record, img))
    return session.finish("complete", "", log, {"G": G, "D": D})


def _cpu_state(module: torch.nn.Module) -> dict:
    return {k: v.detach().cpu().clone() for k, v in module.state_dict().items()}


def _state(parts: dict, order_gen: torch.Generator, noise_gen: torch.Generator) -> dict:
    return {**{name: p.state_dict() for name, p in parts.items()},
            "order_rng": order_gen.get_state(), "noise_rng": noise_gen.get_state()}


def _restore(state: dict, parts: dict, order_gen: torch.Generator, noise_gen: torch.Generator) -> None:
    for name, p in parts.items():
        p.load_state_dict(state[name])
    order_gen.set_state(state["order_rng"])
    noise_gen.set_state(state["noise_rng"])
