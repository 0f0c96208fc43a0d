"""What differs between the models' training: building them, one optimisation step, an epoch's record.

Each trainer is driven by fit() (fit.py), which owns everything they share: the epoch loop, the stop flag,
chunked logging, divergence, per-epoch metrics, saving and resuming. A trainer's `step` returns the
per-iteration values named in `series`, as tensors on the training device (the log syncs them in chunks);
`end_epoch` evaluates (models in eval mode from there on) and returns the epoch's record, and `epoch_grid` then
returns its sample grid (the two are timed apart: the bench breaks an epoch down by phase).
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from ..data import load_digits, shuffled_batches
from ..devices import resolve_step_precision, step_autocast
from ..errors import ConfigError
from ..images import grid
from ..models import Classifier, Discriminator, Generator, VAE
from ..models.gan import LOSSES, GANLoss, gradient_penalty
from ..models.vae import elbo_parts, kl_weight_at
from .session import cpu_state, seeded

FIXED_NOISE_SEED = 1234  # the grid's noise is the same for every run, device and epoch
GRID_SIZE = 64           # an 8x8 grid, as in the homework


def adam(params, device: torch.device, **settings) -> torch.optim.Adam:
    """Adam with its fused kernel where the device has one: one kernel for all parameters instead of a Python
    loop over them (a VAE step on this 2-core CPU: 5.6 -> 4.4 ms, docs/benchmarks.md); resume stays bit-exact."""
    return torch.optim.Adam(params, fused=device.type in ("cpu", "cuda"), **settings)


class Trainer:
    """What the trainers share: the resident training images, batches in a seeded order, train mode, weights."""
    drop_last = False         # whether an epoch drops its last, partial batch
    keep_every_epoch = False  # keep the weights of every epoch, or only the last one's
    step_precision = "fp32"   # of the matrix products in a training step (a VAE's may be bf16)

    def __init__(self, cfg, device, x_train: torch.Tensor):
        self.cfg, self.device, self.x_train = cfg, device, x_train
        whole, partial = divmod(len(x_train), cfg.batch_size)
        self.steps_per_epoch = whole + (partial > 0 and not self.drop_last)
        if self.steps_per_epoch == 0:
            raise ConfigError(f"batch_size ({cfg.batch_size}) is larger than the training set "
                              f"({len(x_train)} images).", "batch_size")

    def start_epoch(self, epoch: int) -> None:
        for model in self.models.values():
            model.train()

    def batches(self, order_gen):
        return shuffled_batches(len(self.x_train), self.cfg.batch_size, order_gen, self.drop_last)

    def images_at(self, idx: torch.Tensor) -> torch.Tensor:
        """The batch of resident training images at idx. index_select rather than x[idx]: advanced indexing
        takes a slower path here (a 128-image batch on this CPU: 150-970 us against 75-85 us)."""
        return self.x_train.index_select(0, idx.to(self.device))

    def weights(self) -> dict[str, dict]:
        """What the run keeps of this epoch, by network: the model that samples (or classifies)."""
        return {"model": cpu_state(self.saved)}


class VAETrainer(Trainer):
    series = ("recon", "kl", "total", "kl_weight")

    def __init__(self, model_cfg, cfg, device):
        super().__init__(cfg, device, load_digits(cfg.dataset, "train", cfg.train_limit).as_float(device))
        self.x_test = load_digits(cfg.dataset, "test").as_float(device)
        self.model = seeded(cfg.seed, lambda: VAE(model_cfg)).to(device)
        self.opt = adam(self.model.parameters(), device, lr=cfg.lr)
        self.parts = {"model": self.model, "opt": self.opt}
        self.models = {"vae": self.model}
        self.saved = self.sampler = self.model
        self.warmup_steps = round(cfg.kl_warmup_epochs * self.steps_per_epoch)
        self.fixed_z = torch.randn(GRID_SIZE, model_cfg.latent_dim,
                                   generator=torch.Generator().manual_seed(FIXED_NOISE_SEED)).to(device)
        self.weight = 0.0
        self.step_precision = resolve_step_precision(cfg.step_precision, device)

    def step(self, epoch: int, i: int, idx: torch.Tensor, noise_gen: torch.Generator):
        # optimise the negative ELBO (kl_weight 0: reconstruction alone); the forward pass in the step's precision
        # (bf16 where native: its matrix products are most of a step), the loss in fp32
        x = self.images_at(idx)
        self.weight = kl_weight_at((epoch - 1) * self.steps_per_epoch + i - 1, self.cfg.kl_weight, self.warmup_steps)
        with step_autocast(self.step_precision, self.device):
            out = self.model(x, noise_gen)
        loss = self.model.loss(x, out.float(), self.weight)
        self.opt.zero_grad(set_to_none=True)
        loss.total.backward()
        self.opt.step()
        return loss.recon, loss.kl, loss.total, loss.total.new_tensor(self.weight)

    @torch.no_grad()
    def end_epoch(self, epoch_series: dict[str, list[float]]) -> dict:
        """ELBO parts on held-out and (up to 10,000) training images."""
        self.model.eval()
        train_recon, train_kl = elbo_parts(self.model, self.x_train[:10_000], self.cfg.seed)
        test_recon, test_kl = elbo_parts(self.model, self.x_test, self.cfg.seed)
        return {"kl_weight": self.weight, "train_recon": train_recon, "train_kl": train_kl,
                "test_recon": test_recon, "test_kl": test_kl}

    @torch.no_grad()
    def epoch_grid(self) -> np.ndarray:
        """The fixed latent codes decoded."""
        return grid(self.model.decode(self.fixed_z))


@dataclass
class GANPair:
    """What one GAN update needs: the two networks, their optimisers and the variant's loss."""
    G: Generator
    D: Discriminator
    opt_g: torch.optim.Optimizer
    opt_d: torch.optim.Optimizer
    loss: GANLoss

    @classmethod
    def build(cls, G: Generator, D: Discriminator, cfg, device: torch.device) -> "GANPair":
        """The pair with fresh Adam optimisers of the run's settings."""
        return cls(G, D, adam(G.parameters(), device, lr=cfg.lr_g, betas=(cfg.beta1, cfg.beta2)),
                   adam(D.parameters(), device, lr=cfg.lr_d, betas=(cfg.beta1, cfg.beta2)), LOSSES[G.cfg.loss])


@dataclass
class GANUpdate:
    """One update's outcome: both losses and D's raw scores on the last D step's real and fake batch."""
    d_loss: torch.Tensor
    g_loss: torch.Tensor
    real_scores: torch.Tensor
    fake_scores: torch.Tensor


def gan_update(pair: GANPair, reals: list[torch.Tensor], noise_gen: torch.Generator) -> GANUpdate:
    """The homework's iteration for any loss: a D step on each real batch (one for every loss but wgan-gp's
    critic steps), then one G step. Training and the GAN page's slow motion both run exactly this."""
    G, D, loss = pair.G, pair.D, pair.loss
    for real in reals:
        z = G.noise(len(real), noise_gen)
        # D step: scores for the real images and a detached fake batch; the variant's loss says what D aims for
        fake = G(z)
        real_scores, fake_scores = D(real), D(fake.detach())
        d_loss = loss.d_loss(real_scores, fake_scores)
        if loss.penalty_weight:
            d_loss = d_loss + loss.penalty_weight * gradient_penalty(D, real, fake.detach(), noise_gen)
        pair.opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        pair.opt_d.step()

    # G step: the last D step's fakes, G(z) of the same noise and weights, judged by the updated D. Reusing them
    # saves the homework's second G forward (same images: G has not changed since); G's batch-norm running
    # statistics take this batch once, not twice. D is frozen for this pass: its gradients here would only be
    # discarded by its next zero_grad, and computing them (the 6272x1024 layer's above all) cost a fifth of a step.
    D.requires_grad_(False)
    try:
        g_loss = loss.g_loss(D(fake))
        pair.opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
    finally:
        D.requires_grad_(True)
    pair.opt_g.step()
    return GANUpdate(d_loss.detach(), g_loss.detach(), real_scores.detach(), fake_scores.detach())


class GANTrainer(Trainer):
    # d_real / d_fake: the mean of D's scores as the loss shows them (bce: probabilities; others: raw scores)
    series = ("d_loss", "g_loss", "d_real", "d_fake")
    drop_last = True         # as the homework does
    keep_every_epoch = True  # a generator (and its discriminator) per epoch: the GAN page samples any epoch

    def __init__(self, model_cfg, cfg, device):
        x_train = load_digits(cfg.dataset, "train", cfg.train_limit).as_float(device).mul_(2).sub_(1)  # [-1, 1]
        super().__init__(cfg, device, x_train)
        G = seeded(cfg.seed, lambda: Generator(model_cfg)).to(device)
        D = seeded(cfg.seed + 1, lambda: Discriminator(model_cfg)).to(device)
        self.pair = GANPair.build(G, D, cfg, device)
        self.G, self.D = G, D
        # an iteration takes one batch per D step: the epoch still passes over every image once
        self.critic_steps = self.pair.loss.critic_steps
        self.steps_per_epoch //= self.critic_steps
        if self.steps_per_epoch == 0:
            raise ConfigError(f"{model_cfg.loss} takes {self.critic_steps} batches of {cfg.batch_size} per "
                              f"iteration, more than the {len(x_train)} training images.", "train_limit")
        self.parts = {"G": G, "D": D, "opt_g": self.pair.opt_g, "opt_d": self.pair.opt_d}
        self.models = {"G": G, "D": D}
        self.saved = self.sampler = G
        self.fixed_noise = fixed_noise(G).to(device)

    def batches(self, order_gen):
        # groups of critic_steps batches; a last, incomplete group is dropped like a partial batch
        singles = super().batches(order_gen)
        return itertools.islice(zip(*[singles] * self.critic_steps), self.steps_per_epoch)

    def step(self, epoch: int, i: int, idx: tuple[torch.Tensor, ...], noise_gen: torch.Generator):
        out = gan_update(self.pair, [self.images_at(batch) for batch in idx], noise_gen)
        shown = self.pair.loss.shown
        return out.d_loss, out.g_loss, shown(out.real_scores).mean(), shown(out.fake_scores).mean()

    def weights(self) -> dict[str, dict]:
        return {"model": cpu_state(self.G), "D": cpu_state(self.D)}

    def end_epoch(self, epoch_series: dict[str, list[float]]) -> dict:
        """The epoch's mean losses and D outputs; G goes to eval mode for the grid and the metrics."""
        self.G.eval()
        return {name: float(np.mean(values)) for name, values in epoch_series.items()}

    @torch.no_grad()
    def epoch_grid(self) -> np.ndarray:
        """The fixed noise through G."""
        return grid(self.G(self.fixed_noise).add(1).mul(0.5))


def fixed_noise(G: Generator) -> torch.Tensor:
    """The grid's noise (on the CPU): the same for every run, variant, device and epoch."""
    return G.noise(GRID_SIZE, torch.Generator().manual_seed(FIXED_NOISE_SEED), device="cpu")


class ClassifierTrainer(Trainer):
    """The judge: cross-entropy with a cosine learning-rate decay; its grid shows misclassified test digits."""
    series = ("loss",)

    def __init__(self, model_cfg, cfg, device):
        train, test = load_digits(cfg.dataset, "train", cfg.train_limit), load_digits(cfg.dataset, "test")
        super().__init__(cfg, device, train.as_float(device))
        self.y_train = train.labels.to(device)
        self.x_test, self.y_test = test.as_float(device), test.labels.to(device)
        self.model = seeded(cfg.seed, lambda: Classifier(model_cfg)).to(device)
        self.opt = adam(self.model.parameters(), device, lr=cfg.lr)
        self.parts = {"model": self.model, "opt": self.opt}
        self.models = {"classifier": self.model}
        self.saved, self.sampler = self.model, None  # it makes no images to score

    def start_epoch(self, epoch: int) -> None:
        super().start_epoch(epoch)
        for group in self.opt.param_groups:  # cosine decay over the whole run: the last epochs polish accuracy
            group["lr"] = self.cfg.lr * 0.5 * (1 + math.cos(math.pi * (epoch - 1) / self.cfg.epochs))

    def step(self, epoch: int, i: int, idx: torch.Tensor, noise_gen: torch.Generator):
        idx = idx.to(self.device)
        loss = F.cross_entropy(self.model(self.images_at(idx)).logits, self.y_train.index_select(0, idx))
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        return (loss,)

    @torch.no_grad()
    def end_epoch(self, epoch_series: dict[str, list[float]]) -> dict:
        from ..evaluation.judge import predict

        self.model.eval()
        predicted = predict(self.model, self.x_test).argmax(1)
        self.misclassified = (predicted != self.y_test).nonzero().squeeze(1)[:GRID_SIZE]
        return {"train_loss": float(np.mean(epoch_series["loss"])),
                "test_accuracy": (predicted == self.y_test).float().mean().item()}

    def epoch_grid(self) -> np.ndarray:
        """Up to 64 of the test digits this epoch's end_epoch misclassified (one right digit if none were)."""
        wrong = self.misclassified
        return grid(self.x_test[wrong]) if len(wrong) else grid(self.x_test[:1])


TRAINERS = {"vae": VAETrainer, "gan": GANTrainer, "classifier": ClassifierTrainer}
