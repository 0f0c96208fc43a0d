"""Training loops. Each fit_* is one top-to-bottom function with labelled phases.

They report through one callback (Progress every few iterations, EpochDone after each saved epoch),
check a stop flag every batch, seed everything from the config, and return a FitResult.
A run folder, when given, receives every finished epoch (see checkpoints.py); training again into a
run that has a resume state continues from its last finished epoch.
"""
from __future__ import annotations

import math
import time
from dataclasses import asdict

import numpy as np
import torch
import torch.nn.functional as F

from .config import GANTrainConfig, VAETrainConfig
from .data import load_digits, shuffled_batches
from .devices import pick_device
from .errors import ConfigError
from .images import grid
from .models import Discriminator, GANConfig, Generator, VAE, VAEConfig
from .models.vae import kl_weight_at
from .progress import EpochDone, Progress, StepLog
from .session import (FitResult, RunSession, cpu_state, diverged, divergence_message, record_diverged,
                      restore_state, seeded, stop_message, training_state)

LOG_EVERY = 50          # iterations between host syncs / progress reports
FIXED_NOISE_SEED = 1234  # the grid's noise is the same for every run, device and epoch
GRID_SIZE = 64           # an 8x8 grid, as in the seed


def fit_vae(model_cfg: VAEConfig, cfg: VAETrainConfig, run_dir=None, report=None, stop=None,
            epoch_metrics=None) -> FitResult:
    model_cfg.validate()
    cfg.validate()
    device = pick_device(cfg.device)
    x_train = load_digits(cfg.dataset, "train", cfg.train_limit).as_float(device)
    x_test = load_digits(cfg.dataset, "test").as_float(device)
    session = RunSession("vae", asdict(model_cfg), cfg, run_dir, report, stop, device)

    model = seeded(cfg.seed, lambda: VAE(model_cfg)).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    order_gen = torch.Generator().manual_seed(cfg.seed)
    noise_gen = torch.Generator(device).manual_seed(cfg.seed)
    fixed_z = torch.randn(GRID_SIZE, model_cfg.latent_dim, generator=torch.Generator().manual_seed(FIXED_NOISE_SEED))
    if session.resume_state:
        restore_state(session.resume_state, {"model": model, "opt": opt}, order_gen, noise_gen)

    n = len(x_train)
    steps_per_epoch = math.ceil(n / cfg.batch_size)
    warmup_steps = round(cfg.kl_warmup_epochs * steps_per_epoch)
    log = StepLog(("recon", "kl", "total", "kl_weight"))
    for epoch in range(session.first_epoch, cfg.epochs + 1):
        started = time.perf_counter()
        model.train()
        for i, idx in enumerate(shuffled_batches(n, cfg.batch_size, order_gen), 1):
            if session.stop.is_set():
                return session.finish("stopped", stop_message(epoch), log, {"vae": model})
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
                if diverged(new):
                    return session.finish("diverged", divergence_message(epoch), log, {"vae": model})
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
        if epoch_metrics is not None and cfg.dataset == "mnist":  # the judge only knows MNIST digits
            record.update(epoch_metrics(model))
        if record_diverged(record):
            return session.finish("diverged", divergence_message(epoch), log, {"vae": model})
        # save: model weights (last epoch only), resume state, grid, then the history
        img = grid(samples)
        state = training_state({"model": model, "opt": opt}, order_gen, noise_gen)
        session.save_epoch(record, img, cpu_state(model), state, log, keep_every_epoch=False)
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
    session = RunSession("gan", asdict(model_cfg), cfg, run_dir, report, stop, device)

    G = seeded(cfg.seed, lambda: Generator(model_cfg)).to(device)
    D = seeded(cfg.seed + 1, lambda: Discriminator(model_cfg)).to(device)
    opt_g = torch.optim.Adam(G.parameters(), lr=cfg.lr_g, betas=(cfg.beta1, cfg.beta2))
    opt_d = torch.optim.Adam(D.parameters(), lr=cfg.lr_d, betas=(cfg.beta1, cfg.beta2))
    order_gen = torch.Generator().manual_seed(cfg.seed)
    noise_gen = torch.Generator(device).manual_seed(cfg.seed)
    fixed_noise = G.noise(GRID_SIZE, torch.Generator().manual_seed(FIXED_NOISE_SEED), device="cpu").to(device)
    parts = {"G": G, "D": D, "opt_g": opt_g, "opt_d": opt_d}
    if session.resume_state:
        restore_state(session.resume_state, parts, order_gen, noise_gen)

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
                return session.finish("stopped", stop_message(epoch), log, {"G": G, "D": D})
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
                if diverged(new):
                    return session.finish("diverged", divergence_message(epoch), log, {"G": G, "D": D})
                session.report(Progress(epoch, cfg.epochs, i, steps_per_epoch, new))

        # evaluate: the fixed-noise grid and, when a judge is given, sample metrics
        seconds = time.perf_counter() - started
        G.eval()
        with torch.no_grad():
            img = grid(G(fixed_noise).add(1).mul(0.5))
        epoch_steps = {k: v[-steps_per_epoch:] for k, v in log.done.items()}
        record = {"epoch": epoch, "seconds": round(seconds, 3),
                  **{k: float(np.mean(v)) for k, v in epoch_steps.items()}}
        if epoch_metrics is not None and cfg.dataset == "mnist":  # the judge only knows MNIST digits
            record.update(epoch_metrics(G))
        if record_diverged(record):
            return session.finish("diverged", divergence_message(epoch), log, {"G": G, "D": D})
        # save: this epoch's generator, the resume state, the grid, then the history
        session.save_epoch(record, img, cpu_state(G), training_state(parts, order_gen, noise_gen), log,
                           keep_every_epoch=True)
        session.report(EpochDone(epoch, cfg.epochs, record["seconds"], record, img))
    return session.finish("complete", "", log, {"G": G, "D": D})


