"""The one way to train a model: fit(kind, model_cfg, train_cfg, run_dir, report, stop).

The CLI, the app's jobs and the shipped-run plan all call it. Every kind runs through the same epoch loop
below; a Trainer (trainers.py) supplies only what differs. Training reports through one callback
(Progress every LOG_EVERY iterations, EpochDone after each finished epoch), checks the stop flag every batch,
is seeded from the config, and returns a FitResult. With a run folder, every finished epoch is saved (its
files land while the next epoch trains, all of them before fit returns); training again into a run that has a
resume state continues from its last finished epoch.
"""
from __future__ import annotations

import time
from dataclasses import asdict

import torch

from ..devices import flush_denormals, pick_device
from ..errors import ConfigError
from .progress import EpochDone, Progress, StepLog
from .session import FitResult, RunSession, diverged, end_message, record_diverged, restore_state, training_state
from .trainers import TRAINERS

LOG_EVERY = 50  # iterations between host syncs and progress reports
PHASES = ("steps", "eval", "grid", "metrics")  # timed in each epoch's record; the save after them in EpochDone


def fit(kind: str, model_cfg, train_cfg, run_dir=None, report=None, stop=None) -> FitResult:
    if kind not in TRAINERS:
        raise ConfigError(f"Unknown model kind {kind!r}; choose one of {', '.join(TRAINERS)}.")
    model_cfg.validate()
    train_cfg.validate()
    device = pick_device(train_cfg.device)
    # denormals flushed before anything here computes: the compute threads keep the flag they start with, and
    # loading the training images starts them (flushing only after that made a VAE's third epoch 2.06 s, not 1.78)
    with flush_denormals():
        trainer = TRAINERS[kind](model_cfg, train_cfg, device)
        session = RunSession(kind, asdict(model_cfg), train_cfg, run_dir, report, stop, device,
                             step_precision=trainer.step_precision)
        order_gen = torch.Generator().manual_seed(train_cfg.seed)      # batch order (CPU)
        noise_gen = torch.Generator(device).manual_seed(train_cfg.seed)  # sampling inside the step
        log = StepLog(trainer.series)
        try:
            # the global stream (dropout) is seeded too, inside a fork so the caller's random state is left alone
            with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
                torch.manual_seed(train_cfg.seed)
                if session.resume_state:
                    restore_state(session.resume_state, trainer.parts, order_gen, noise_gen)
                status, message = _train_epochs(trainer, session, log, order_gen, noise_gen,
                                                _epoch_metrics(kind, train_cfg))
            return session.finish(status, message, log, trainer.models)
        finally:
            session.close()


def _train_epochs(trainer, session: RunSession, log: StepLog, order_gen, noise_gen, score) -> tuple[str, str]:
    """Train the remaining epochs; (status, message) says how it ended."""
    epochs, steps = trainer.cfg.epochs, trainer.steps_per_epoch
    for epoch in range(session.first_epoch, epochs + 1):
        clock = [time.perf_counter()]  # the end of each phase: steps, evaluation, grid, metrics, save
        trainer.start_epoch(epoch)
        for i, idx in enumerate(trainer.batches(order_gen), 1):
            if session.stop.is_set():
                return "stopped", end_message("stopped", epoch)
            log.add(*trainer.step(epoch, i, idx, noise_gen))
            # log in chunks, so the host waits once per chunk, not once per step
            if i % LOG_EVERY == 0 or i == steps:
                new = log.flush()
                if diverged(new):
                    return "diverged", end_message("diverged", epoch)
                session.report(Progress(epoch, epochs, i, steps, new))
        clock.append(time.perf_counter())

        # evaluate: the trainer's record, its grid, then the judge's metrics when the config asks for them
        record = trainer.end_epoch({name: values[-steps:] for name, values in log.done.items()})
        clock.append(time.perf_counter())
        img = trainer.epoch_grid()
        clock.append(time.perf_counter())
        if score is not None:
            record.update(score(trainer.sampler))
        clock.append(time.perf_counter())
        record = {"epoch": epoch, "seconds": round(clock[-1] - clock[0], 3),
                  **{f"{phase}_seconds": round(end - start, 3) for phase, start, end in zip(PHASES, clock, clock[1:])},
                  **record}
        if record_diverged(record):
            return "diverged", end_message("diverged", epoch)

        # save: weights, resume state and grid, then the history (the commit point), written beside the next epoch
        session.save_epoch(record, img, trainer.weights(), training_state(trainer.parts, order_gen, noise_gen),
                           log, trainer.keep_every_epoch)
        clock.append(time.perf_counter())
        session.report(EpochDone(epoch, epochs, clock[-1] - clock[0], record, img, save_seconds=clock[-1] - clock[-2]))
    return "complete", ""


def _epoch_metrics(kind: str, cfg):
    """The judge's per-epoch scoring the config asks for (metric_samples), or None."""
    from ..evaluation.evaluate import epoch_metrics_hook

    if getattr(cfg, "metric_samples", 0) <= 0 or cfg.dataset != "mnist":  # the judge only knows MNIST digits
        return None
    return epoch_metrics_hook(kind, cfg.metric_samples)
