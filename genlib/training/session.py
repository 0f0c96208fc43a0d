"""What every training loop shares: the run folder and history, seeding, resume state, how a fit ends."""
from __future__ import annotations

import copy
import math
import platform
import threading
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Callable

import numpy as np
import torch

from .. import __version__
from ..devices import cpu_name, describe
from ..errors import RunError
from ..images import png_bytes
from ..runs.files import load_tensors
from ..runs.lock import WriterLock, this_command
from ..runs.store import Run
from .progress import StepLog
from .writer import EpochWriter


@dataclass
class FitResult:
    status: str                      # complete, stopped or diverged
    message: str
    epochs: list[dict]
    steps: dict[str, np.ndarray]
    models: dict[str, torch.nn.Module] = field(default_factory=dict)


class RunSession:
    """Bookkeeping shared by the loops: the run folder, the history and how a fit ends."""

    def __init__(self, kind, model_settings: dict, train_cfg, run_dir, report, stop, device, **facts):
        """facts: how this machine runs the settings (e.g. step_precision), kept in a new run's provenance."""
        self.report = report or (lambda event: None)
        self.stop = stop or threading.Event()  # never set: the fit runs to its end
        self.run = None
        self.history = {"status": "running", "message": "", "epochs": []}
        self.resume_state = None
        self.prior_steps: dict[str, np.ndarray] = {}
        if run_dir is None:
            return
        # one writer per run, held until close(): a second resume of the same run is refused, naming the first
        self.lock = WriterLock(run_dir).acquire(this_command())
        try:
            self.run = self._open(Run(run_dir), kind, model_settings, train_cfg, device, facts)
        except BaseException:
            self.lock.release()
            raise
        self.writer = EpochWriter()

    def _open(self, run: Run, kind, model_settings: dict, train_cfg, device, facts: dict) -> Run:
        """The run to train into: the saved one to resume (same settings), or a new one."""
        state_path = run.resume_state_path() if run.exists() else None
        if state_path is None:
            return Run.create(run.path, kind, model_settings, asdict(train_cfg), provenance(device, **facts))
        saved = run.expect_kind(kind)
        if _with_defaults(kind, saved["model"]) != model_settings:
            raise RunError(f"Run {run.path} was trained with other model settings; resume it with the "
                           "same settings or train into a new run.")
        self.history = {**run.history(), "status": "running", "message": ""}
        self.resume_state = load_tensors(state_path)
        self.prior_steps = run.steps()
        return run

    @property
    def first_epoch(self) -> int:
        return len(self.history["epochs"]) + 1

    def steps(self, log: StepLog) -> dict[str, np.ndarray]:
        new = log.arrays()
        return {k: np.concatenate([self.prior_steps.get(k, np.zeros(0, np.float32)), v]) for k, v in new.items()}

    def save_epoch(self, record, grid_img, weights, state, log, keep_every_epoch):
        """Hand the epoch to the writer: it lands on disk while the next epoch trains (a VAE epoch's files took
        0.05 s of its 2.3 s here). What the writer gets is a copy: the next steps change the live tensors."""
        if self.run is not None:
            epoch, steps, state = record["epoch"], self.steps(log), copy.deepcopy(state)
            history = {**self.history, "epochs": list(self.history["epochs"])}
            self.writer.submit(lambda: self.run.save_epoch(epoch, record, png_bytes(grid_img), weights, steps, state,
                                                           history, keep_every_epoch))
        self.history["epochs"].append(record)

    def finish(self, status: str, message: str, log: StepLog, models: dict) -> FitResult:
        self.history.update(status=status, message=message)
        if self.run is not None:
            self.writer.wait()  # every epoch on disk before the history that ends the run
            self.run.write_history(self.history)
        return FitResult(status, message, self.history["epochs"], self.steps(log), models)

    def close(self) -> None:
        """Let the epochs handed to the writer land, however the fit ended; then let others write the run."""
        if self.run is not None:
            try:
                self.writer.close()
            finally:
                self.lock.release()


def _with_defaults(kind: str, settings: dict) -> dict:
    """A saved run's model settings with those added since it was saved at their defaults (e.g. a GAN's loss)."""
    from .configs import MODEL_CONFIGS

    try:
        return asdict(MODEL_CONFIGS[kind](**settings))
    except TypeError:  # a setting this genlib does not know: not the same model
        return settings


def provenance(device: torch.device, **facts) -> dict:
    return {
        "genlib": __version__, "torch": torch.__version__, "device": describe(device), "cpu": cpu_name(), **facts,
        "host": platform.node(), "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def diverged(new: dict[str, list[float]]) -> bool:
    return any(not math.isfinite(v) for vals in new.values() for v in vals)


def record_diverged(record: dict) -> bool:
    """Whether an epoch's record (losses, evaluation, metrics) holds a NaN or an infinity."""
    return diverged({"record": [v for v in record.values() if isinstance(v, float)]})


def end_message(status: str, epoch: int) -> str:
    """What a user reads when training ended early ("stopped" or "diverged") during `epoch`."""
    kept = f"epochs 1-{epoch - 1} are kept" if epoch > 1 else "no epoch was finished"
    if status == "stopped":
        return f"Stopped during epoch {epoch}; {kept}."
    return f"Training diverged in epoch {epoch} (the loss became NaN or infinite); {kept}. Lower the learning rate."


def seeded(seed: int, build: Callable[[], torch.nn.Module]) -> torch.nn.Module:
    """Build a model from a seed without disturbing the caller's global RNG."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return build()


def cpu_state(module: torch.nn.Module) -> dict:
    return {k: v.detach().cpu().clone() for k, v in module.state_dict().items()}


def training_state(parts: dict, order_gen: torch.Generator, noise_gen: torch.Generator) -> dict:
    """Everything a resume needs: the parts' states and every random stream (dropout draws from the global one)."""
    return {**{name: p.state_dict() for name, p in parts.items()},
            "order_rng": order_gen.get_state(), "noise_rng": noise_gen.get_state(),
            "global_rng": torch.get_rng_state(), **_device_rng(noise_gen.device)}


def restore_state(state: dict, parts: dict, order_gen: torch.Generator, noise_gen: torch.Generator) -> None:
    for name, p in parts.items():
        p.load_state_dict(state[name])
    order_gen.set_state(state["order_rng"])
    noise_gen.set_state(state["noise_rng"])
    if "global_rng" in state:  # older runs kept no global stream; their models drew nothing from it
        torch.set_rng_state(state["global_rng"])
    if "cuda_rng" in state and noise_gen.device.type == "cuda":
        torch.cuda.set_rng_state(state["cuda_rng"], noise_gen.device)


def _device_rng(device: torch.device) -> dict:
    return {"cuda_rng": torch.cuda.get_rng_state(device)} if device.type == "cuda" else {}
