"""A terminal progress bar driven by the training callback (genlib itself never prints)."""
from __future__ import annotations

import sys
import time

from .training.progress import EpochDone, Progress

BAR_WIDTH = 30
EPOCH_KEYS = ("test_accuracy", "test_recon", "test_kl", "d_loss", "g_loss", "fid", "classes_covered", "confident_rate")


class TerminalProgress:
    def __init__(self, stream=sys.stderr):
        self.stream = stream
        self.started = time.perf_counter()

    def __call__(self, event) -> None:
        if isinstance(event, Progress):
            filled = round(BAR_WIDTH * event.step / event.steps_per_epoch)
            last = {k: v[-1] for k, v in event.series.items() if v}
            losses = " ".join(f"{k} {v:.3f}" for k, v in list(last.items())[:3])
            self.stream.write(f"\repoch {event.epoch}/{event.epochs} [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] "
                              f"{event.step}/{event.steps_per_epoch} {losses}   ")
        elif isinstance(event, EpochDone):
            shown = " ".join(f"{k} {event.record[k]:.4g}" for k in EPOCH_KEYS if k in event.record)
            self.stream.write(f"\repoch {event.epoch}/{event.epochs} done in {event.seconds:.1f}s {shown}"
                              f"{' ' * 20}\n")
        self.stream.flush()
