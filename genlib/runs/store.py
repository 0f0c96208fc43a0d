"""The run store. A run is a folder:

    config.json       kind, model and training configs (plain dicts), provenance
    history.json      status, message and one record per finished epoch (time, losses, metrics)
    steps.npz         per-iteration series (losses, D outputs), float32
    grids/epoch_NNN.png   the fixed-noise / fixed-latent sample grid of each epoch
    weights/epoch_NNN.pt  generator (GAN, every epoch) or model (VAE, the last epoch) state dict
    discriminator/epoch_NNN.pt  a GAN's discriminator beside its generator (slow motion steps from both)
    state_NNN.pt      everything needed to resume after epoch NNN (models, optimisers, RNG)
    NAME.json         saved evaluations (eval.json: the run's metrics), recomputed when the run changes
    writer.lock       held while anything trains into the run (lock.py): one writer at a time

This module is the only code that knows these names: everything else asks a Run.

Every file is written to a temporary name and renamed, and history.json is written last each epoch,
so a run only ever lists epochs whose files are complete. Files the new epoch replaces (the previous
resume state, a VAE's previous weights) are removed only after that, so a process killed at any point
leaves a run whose listed epochs load and whose resume state matches its history. Weights load with weights_only=True:
loading never executes code from the file.
"""
from __future__ import annotations

import io
import json
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import RunError
from .files import atomic_write, load_tensors, read_json_object, save_tensors, write_json
from .lock import LOCK_NAME, is_being_written

CHECKPOINTS_DIR = Path(__file__).resolve().parents[2] / "checkpoints"
SHIPPED_DIR = CHECKPOINTS_DIR / "shipped"   # the pretrained runs that come with the lab
JUDGE_DIR = CHECKPOINTS_DIR / "judge"       # the judge classifier and its reference rows
CACHE_DIR = CHECKPOINTS_DIR / "cache"       # derived data kept between processes (ignored by git)
FORMAT_VERSION = 1
RENAMED_ARCHS = {"seed": "infogan"}         # GAN architecture names of older runs
KINDS = ("vae", "gan", "classifier")
# the networks a run may keep per epoch, and their folders: "model" is the one that samples (or classifies)
WEIGHT_FOLDERS = {"model": "weights", "D": "discriminator"}
def user_runs_dir() -> Path:
    """Where runs trained in the app go: GENLIB_RUNS_DIR, else checkpoints/user (ignored by git). On a Ray
    cluster it must be one shared folder at the same path on every node."""
    return Path(os.environ.get("GENLIB_RUNS_DIR") or CHECKPOINTS_DIR / "user")


_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


def safe_run_name(name: str) -> str:
    """A run name usable as one folder name, or a clear error."""
    if not _SAFE_NAME.match(name or ""):
        raise RunError(
            f"Run name {name[:60]!r} is not allowed: use 1-100 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit."
        )
    return name


@dataclass
class RunSummary:
    path: str
    kind: str
    epochs: int
    status: str
    arch: str
    kl_weight: float | None = None
    latent_dim: int | None = None
    extra: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        d = {k: v for k, v in self.__dict__.items() if k != "extra"}
        return {**d, **self.extra}


class Run:
    """One run folder. Reading methods raise RunError with a message a user can act on."""

    def __init__(self, path: Path | str):
        self.path = Path(path)

    # ---- creating and writing ----
    @classmethod
    def create(cls, path: Path | str, kind: str, model: dict, train: dict, provenance: dict) -> "Run":
        run = cls(path)
        if run.exists():
            raise RunError(f"A run already exists at {run.path}; choose another name or delete it first.")
        write_json(run.path / "config.json", {
            "format": FORMAT_VERSION, "kind": kind, "model": model, "train": train, "provenance": provenance,
        })
        write_json(run.path / "history.json", {"status": "running", "message": "", "epochs": []})
        return run

    def save_epoch(self, epoch: int, record: dict, grid_png: bytes, weights: dict[str, dict] | None,
                   steps: dict[str, np.ndarray], state: dict | None, history: dict,
                   keep_every_epoch: bool) -> None:
        """Write one finished epoch: grid, weights (a state dict per network, keyed as in WEIGHT_FOLDERS), steps,
        resume state, then the history (the commit point)."""
        atomic_write(self.grid_path(epoch), grid_png)
        for part, part_state in (weights or {}).items():
            save_tensors(self.weights_path(epoch, part), part_state)
        if state is not None:
            save_tensors(self.state_path(epoch), state)
        self.write_steps(steps)
        self.write_history({**history, "epochs": history["epochs"] + [record]})  # the commit point
        for old in self.path.glob("state_*.pt"):
            if old != self.state_path(epoch):
                old.unlink()
        for part in (weights or {}) if not keep_every_epoch else ():
            for old in self.path.glob(f"{WEIGHT_FOLDERS[part]}/epoch_*.pt"):
                if old != self.weights_path(epoch, part):
                    old.unlink()

    def write_steps(self, steps: dict[str, np.ndarray]) -> None:
        buf = io.BytesIO()
        np.savez_compressed(buf, **{k: np.asarray(v, dtype=np.float32) for k, v in steps.items()})
        atomic_write(self.path / "steps.npz", buf.getvalue())

    def write_history(self, history: dict) -> None:
        write_json(self.path / "history.json", history)

    def set_status(self, status: str, message: str) -> None:
        """End a run whose training process could not (it died): its finished epochs stay as they are."""
        self.write_history({**self.history(), "status": status, "message": message})

    def compact(self, keep_weights: tuple[int, ...] | None, keep_all_grids: bool,
                keep_discriminator: tuple[int, ...] | None = ()) -> None:
        """Make a finished run small enough to ship: no resume state, the chosen epochs' weights (and a GAN's
        discriminators) as float16, and (unless keep_all_grids) only the last epoch's grid. None keeps every epoch."""
        for state in self.path.glob("state_*.pt"):
            state.unlink()
        (self.path / LOCK_NAME).unlink(missing_ok=True)  # a finished run ships without its last writer's name
        if not keep_all_grids:
            for grid in sorted((self.path / "grids").glob("epoch_*.png"))[:-1]:
                grid.unlink()
        for part, keep in (("model", keep_weights), ("D", keep_discriminator)):
            for epoch in self.epochs_with_weights(part):
                path = self.weights_path(epoch, part)
                if keep is not None and epoch not in keep:
                    path.unlink()
                    continue
                state = load_tensors(path)
                save_tensors(path, {k: v.half() if v.is_floating_point() else v for k, v in state.items()})

    def add_provenance(self, **facts) -> None:
        """Record how the run was made (the command, what was kept) beside its settings."""
        config = self.config()
        config["provenance"].update(facts)
        write_json(self.path / "config.json", config)

    def write_evaluation(self, obj: dict, name: str = "eval") -> None:
        write_json(self.path / f"{name}.json", obj)

    # ---- reading ----
    def exists(self) -> bool:
        """Whether this folder holds a run (complete or not)."""
        return (self.path / "config.json").is_file()

    def stamp(self) -> float:
        """Changes whenever the run gains an epoch, ends, or is replaced: a cache key for what is read from it."""
        return max((self.path / name).stat().st_mtime for name in ("history.json", "config.json")
                   if (self.path / name).exists())

    def read_evaluation(self, name: str = "eval") -> dict | None:
        """A saved evaluation, or None when there is none or it is damaged (the caller recomputes it)."""
        try:
            saved = json.loads((self.path / f"{name}.json").read_text())
        except (OSError, ValueError):
            return None
        return saved if isinstance(saved, dict) else None

    def _read_json(self, name: str) -> dict:
        path = self.path / name
        if not path.is_file():
            raise RunError(f"{path} is missing; this folder is not a complete run.")
        return read_json_object(path, "; the run cannot be read.")

    def config(self) -> dict:
        cfg = self._read_json("config.json")
        version = cfg.get("format")
        if not isinstance(version, int):
            raise RunError(f"{self.path}/config.json has no format version; it was not written by genlib.")
        if version > FORMAT_VERSION:
            raise RunError(f"Run {self.path} was saved by a newer genlib (format {version}, this one reads "
                           f"{FORMAT_VERSION}); update genlib to open it.")
        if cfg.get("kind") not in KINDS:
            raise RunError(f"Run {self.path} has unknown kind {cfg.get('kind')!r}.")
        for part in ("model", "train"):
            if not isinstance(cfg.get(part), dict):
                raise RunError(f"{self.path}/config.json lacks its {part!r} settings.")
        if cfg["kind"] == "gan" and cfg["model"].get("arch") in RENAMED_ARCHS:
            cfg["model"]["arch"] = RENAMED_ARCHS[cfg["model"]["arch"]]
        return cfg

    def kind(self) -> str:
        return self.config()["kind"]

    def expect_kind(self, kind: str) -> dict:
        cfg = self.config()
        if cfg["kind"] != kind:
            raise RunError(f"Run {self.path} is a {cfg['kind'].upper()} run, not a {kind.upper()} run.")
        return cfg

    def history(self) -> dict:
        """The saved history; a run saved as "running" that nothing trains any more reads "interrupted"."""
        hist = self._read_json("history.json")
        if not isinstance(hist.get("epochs"), list):
            raise RunError(f"{self.path}/history.json has no epoch list; the run cannot be read.")
        if hist.get("status") == "running" and not is_being_written(self.path):
            done = len(hist["epochs"])
            kept = f"epochs 1-{done} are kept" if done > 1 else ("epoch 1 is kept" if done else "no epoch was kept")
            resume = " Resume it to continue from there." if self.state_path(done).is_file() else ""
            hist = {**hist, "status": "interrupted",
                    "message": f"Interrupted during epoch {done + 1}: the process training it ended without "
                               f"finishing; {kept}.{resume}"}
        return hist

    def steps(self) -> dict[str, np.ndarray]:
        path = self.path / "steps.npz"
        if not path.is_file():
            return {}
        try:
            with np.load(path, allow_pickle=False) as f:
                return {k: f[k] for k in f.files}
        except Exception as err:
            raise RunError(f"{path} is corrupt ({type(err).__name__}); the loss curves cannot be shown.") from err

    def epochs_done(self) -> int:
        return len(self.history()["epochs"])

    def grid_path(self, epoch: int) -> Path:
        return self.path / "grids" / f"epoch_{epoch:03d}.png"

    def weights_path(self, epoch: int, part: str = "model") -> Path:
        """Where an epoch's weights of one network live: part "model" (the sampler) or "D" (a GAN's discriminator)."""
        return self.path / WEIGHT_FOLDERS[part] / f"epoch_{epoch:03d}.pt"

    def state_path(self, epoch: int) -> Path:
        return self.path / f"state_{epoch:03d}.pt"

    def resume_state_path(self) -> Path | None:
        """The resume state that matches the history's last epoch, or None when the run cannot resume."""
        try:
            path = self.state_path(self.epochs_done())
        except RunError:
            return None
        return path if path.is_file() else None

    def epochs_with_weights(self, part: str = "model") -> list[int]:
        """Epochs the history lists whose weights are kept: a file of a later epoch is a save cut short."""
        done = self.epochs_done()
        found = (int(p.stem.split("_")[1]) for p in self.path.glob(f"{WEIGHT_FOLDERS[part]}/epoch_*.pt"))
        return sorted(epoch for epoch in found if epoch <= done)

    def resolve_epoch(self, epoch: int | None, part: str = "model") -> int:
        """The epoch to load (default: the last with weights of that network), or a clear error."""
        available = self.epochs_with_weights(part)
        what = "weights" if part == "model" else "discriminator weights"
        if not available:
            raise RunError(f"Run {self.path} has no saved {what} yet.")
        if epoch is None:
            return available[-1]
        if epoch not in available:
            raise RunError(f"Run {self.path} has no {what} for epoch {epoch}; available: "
                           f"{_ranges(available)}.")
        return epoch

    def summary(self) -> RunSummary:
        cfg, hist = self.config(), self.history()
        model, train = cfg["model"], cfg["train"]
        return RunSummary(
            path=str(self.path), kind=cfg["kind"], epochs=len(hist["epochs"]), status=hist.get("status", "?"),
            arch=model.get("arch", ""), kl_weight=train.get("kl_weight"), latent_dim=model.get("latent_dim"),
            extra={"name": self.path.name, "train_limit": train.get("train_limit"),
                   **({"loss": model.get("loss", "bce")} if cfg["kind"] == "gan" else {})},  # older runs: bce
        )

    def is_shipped(self) -> bool:
        """A pretrained run that came with the lab (not one a user trained)."""
        return self.path.resolve().is_relative_to(SHIPPED_DIR.resolve())

    def delete(self) -> None:
        shutil.rmtree(self.path)


def _ranges(epochs: list[int]) -> str:
    return ", ".join(map(str, epochs)) if len(epochs) <= 6 else f"{epochs[0]}..{epochs[-1]}"


def scan_runs(root: Path | str | None = None) -> tuple[list[RunSummary], list[tuple[str, str]]]:
    """Every run under root (default: checkpoints/ and the user-runs folder), and (path, problem) for folders
    that fail to read."""
    roots = [Path(root)] if root else [CHECKPOINTS_DIR, user_runs_dir()]
    found = sorted({p for r in roots if r.is_dir() for p in r.rglob("config.json")})
    runs, problems = [], []
    for cfg_path in found:
        try:
            summary = Run(cfg_path.parent).summary()
        except RunError as err:
            problems.append((str(cfg_path.parent), str(err)))
            continue
        if summary.kind != "classifier":
            runs.append(summary)
    return runs, problems
