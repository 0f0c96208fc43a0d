"""A GAN in slow motion: one update at a time from a saved epoch, in memory, with the trainer's own update.

It starts from the epoch's generator and discriminator and *fresh* Adam optimisers of the run's settings. Fresh,
because a run keeps no optimiser moments per epoch (only the last epoch's resume state has them, and shipped runs
drop it: keeping them would triple the weights); and Adam rather than plain SGD, because the point is to watch
the same update training makes. The difference a learner should know: Adam's moment estimates start at zero, so
its first steps move each weight by about the learning rate, a little more than a mid-training step does.
The run on disk is only read: nothing here writes a file.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..data import load_digits
from ..images import grid
from ..models.gan import to_unit
from ..loading import load_discriminator, load_generator
from ..runs.store import Run
from .configs import TRAIN_CONFIGS
from .trainers import GANPair, fixed_noise, gan_update


@dataclass
class StepShown:
    """One click's outcome, as the page shows it: both losses, D's scores and the grid before and after."""
    step: int                 # updates taken since the epoch's weights (1 for the first click)
    d_loss: float
    g_loss: float
    real_scores: np.ndarray   # D's scores of the step's real batch, as the loss shows them (bce: probabilities)
    fake_scores: np.ndarray
    grid_before: np.ndarray   # the fixed-noise grid before and after this update
    grid_after: np.ndarray
    d_moved: float            # mean |change| of D's and G's weights in this update (compare with the learning rate)
    g_moved: float


class SlowMotion:
    """The in-memory stepping state of one run's epoch (on the CPU, beside the page)."""

    def __init__(self, run_dir, epoch: int, seed: int = 0):
        run = Run(run_dir)
        saved = run.expect_kind("gan")
        self.run_dir, self.epoch = str(run_dir), epoch
        self.cfg = TRAIN_CONFIGS["gan"](**saved["train"])
        G, D = load_generator(run_dir, epoch), load_discriminator(run_dir, epoch)
        self.pair = GANPair.build(G, D, self.cfg, torch.device("cpu"))
        self.images = load_digits(self.cfg.dataset, "train", self.cfg.train_limit).images  # uint8, shared
        self.batches_gen = torch.Generator().manual_seed(seed)  # which real digits each step takes
        self.noise_gen = torch.Generator().manual_seed(seed)    # the step's noise, as in training
        self.fixed = fixed_noise(G)
        self.steps = 0
        self.grid = self._grid()  # epoch E's grid (its saved grid, up to float16 rounding)

    @property
    def loss(self):
        return self.pair.loss

    def _grid(self) -> np.ndarray:
        G = self.pair.G.eval()  # batch norm's running statistics, as the saved grids use
        with torch.no_grad():
            return grid(to_unit(G(self.fixed)))

    def _real_batch(self) -> torch.Tensor:
        pick = torch.randperm(len(self.images), generator=self.batches_gen)[:self.cfg.batch_size]
        return self.images[pick].unsqueeze(1).float().div_(127.5).sub_(1)  # [-1, 1], as the trainer feeds D

    def step(self) -> StepShown:
        """One update (the trainer's): D on fresh batches (one, or wgan-gp's critic steps), then G."""
        G, D = self.pair.G.train(), self.pair.D.train()
        weights_before = [_flat(G), _flat(D)]
        out = gan_update(self.pair, [self._real_batch() for _ in range(self.loss.critic_steps)], self.noise_gen)
        g_moved, d_moved = ((_flat(net) - old).abs().mean().item() for net, old in zip((G, D), weights_before))
        before, self.grid = self.grid, self._grid()
        self.steps += 1
        shown = self.loss.shown
        return StepShown(self.steps, out.d_loss.item(), out.g_loss.item(), shown(out.real_scores).numpy(),
                         shown(out.fake_scores).numpy(), before, self.grid, d_moved, g_moved)


def _flat(net: torch.nn.Module) -> torch.Tensor:
    """All of a network's trainable weights in one vector (a copy)."""
    return torch.cat([p.detach().flatten() for p in net.parameters()])
