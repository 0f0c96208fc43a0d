"""What training reports through its one callback, and the per-iteration log behind it."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch


@dataclass
class Progress:
    """Sent every few iterations: the new per-iteration values since the last report."""
    epoch: int
    epochs: int
    step: int              # iterations done in this epoch
    steps_per_epoch: int
    series: dict[str, list[float]]


@dataclass
class EpochDone:
    """Sent after each epoch, once it is handed to the writer (its files land while the next epoch trains)."""
    epoch: int
    epochs: int
    seconds: float         # the whole epoch: steps, evaluation, grid, metrics and handing its files to the writer
    record: dict           # the epoch's history record: time per phase, losses, metrics
    grid: np.ndarray       # the fixed-noise / fixed-latent sample grid, uint8
    save_seconds: float = 0.0


@dataclass
class StepLog:
    """Collects per-iteration scalars as device tensors and syncs them to the CPU in chunks.

    One `.item()` per iteration stalls a GPU on every step; here the host waits once per chunk.
    """
    names: tuple[str, ...]
    pending: list[torch.Tensor] = field(default_factory=list)
    done: dict[str, list[float]] = field(default_factory=dict)

    def __post_init__(self):
        self.done = {name: [] for name in self.names}

    def add(self, *values: torch.Tensor) -> None:
        self.pending.append(torch.stack([v.detach().float() for v in values]))

    def flush(self) -> dict[str, list[float]]:
        """Move pending values to the CPU; return just the new ones."""
        if not self.pending:
            return {name: [] for name in self.names}
        rows = torch.stack(self.pending).cpu().numpy()
        self.pending.clear()
        new = {name: rows[:, i].tolist() for i, name in enumerate(self.names)}
        for name in self.names:
            self.done[name].extend(new[name])
        return new

    def arrays(self) -> dict[str, np.ndarray]:
        return {name: np.asarray(vals, dtype=np.float32) for name, vals in self.done.items()}
