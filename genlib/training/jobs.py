"""Background training jobs for the app: a thread per job, a stop flag, and a snapshot to draw.

The thread never touches the UI; the page polls `snapshot()`. Jobs belong to an owner (one browser
session), and a registry caps how many run at once, so a shared server answers the next user with a
message instead of slowing every job to a crawl.
"""
from __future__ import annotations

import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import GenlibError
from .fit import fit
from .progress import EpochDone, Progress

MAX_SERIES_POINTS = 100_000  # per-iteration values kept for the live chart


class JobLimitError(GenlibError):
    """Too many jobs are running."""


@dataclass
class JobSnapshot:
    """A consistent copy of a job's progress, safe to read from the UI thread."""
    status: str                    # running, complete, stopped, diverged, failed
    message: str
    run_dir: str
    epoch: int
    epochs: int
    step: int
    steps_per_epoch: int
    series: dict[str, list[float]]
    epoch_records: list[dict]
    grid: np.ndarray | None
    elapsed: float                 # seconds from submission to now, or to the end once it has ended
    eta: float | None              # seconds left, from the pace so far
    reporting: bool                # a first progress report has come (before it: loading data, building models)

    @property
    def running(self) -> bool:
        return self.status == "running"

    @property
    def fraction(self) -> float:
        done = (self.epoch - 1) * self.steps_per_epoch + self.step
        return min(1.0, done / max(1, self.epochs * self.steps_per_epoch))


def train_and_score(kind: str, model_cfg, train_cfg, run_dir, report=None, stop=None):
    """What a job runs: fit(), then, for a VAE on MNIST, the run's evaluation, so the page shows it at once."""
    result = fit(kind, model_cfg, train_cfg, run_dir, report, stop)
    if kind == "vae" and result.epochs and train_cfg.dataset == "mnist":  # the judge scores MNIST digits only
        from ..evaluation.evaluate import cached_run_metrics
        cached_run_metrics(run_dir)
    return result


@dataclass
class Job:
    """One training run of a kind ("vae", "gan", "classifier") with its configs, into run_dir."""
    owner: str
    kind: str
    run_dir: Path
    model_cfg: object
    train_cfg: object
    status: str = "running"
    message: str = ""
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _state: dict = field(default_factory=lambda: {"epoch": 1, "epochs": 1, "step": 0, "steps_per_epoch": 1,
                                                  "series": {}, "records": [], "grid": None})
    _started: float = field(default_factory=time.monotonic)
    _ended: float | None = None                       # the clock stops when the job ends
    _pace_from: tuple[float, int, int] | None = None  # (time, epoch, step) of the first report: the pace
                                                        # excludes data loading and model building
    _last_epoch_end: float | None = None
    _thread: threading.Thread | None = None

    def start(self) -> "Job":
        self._thread = threading.Thread(target=self._run, name=f"train-{self.kind}-{self.run_dir.name}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        try:
            result = train_and_score(self.kind, self.model_cfg, self.train_cfg, self.run_dir, self._report, self._stop)
            status, message = result.status, result.message
        except GenlibError as err:
            status, message = "failed", str(err)
        except Exception as err:  # a bug must not vanish with the thread: keep it for the page to show
            status, message = "failed", f"Training failed: {type(err).__name__}: {err}"
            traceback.print_exc()
        with self._lock:
            self.status, self.message, self._ended = status, message, time.monotonic()

    def _report(self, event) -> None:
        with self._lock:
            s = self._state
            if isinstance(event, Progress):
                if self._pace_from is None:
                    self._pace_from = (time.monotonic(), event.epoch, event.step)
                s.update(epoch=event.epoch, epochs=event.epochs, step=event.step, steps_per_epoch=event.steps_per_epoch)
                for name, values in event.series.items():
                    kept = s["series"].setdefault(name, [])
                    kept.extend(values)
                    del kept[:-MAX_SERIES_POINTS]
            elif isinstance(event, EpochDone):
                s["records"].append(event.record)
                s["grid"] = event.grid
                self._last_epoch_end = time.monotonic()

    def snapshot(self) -> JobSnapshot:
        with self._lock:
            s = self._state
            now = time.monotonic()
            elapsed = (self._ended or now) - self._started
            eta = self._time_left(now) if self.status == "running" else None
            return JobSnapshot(self.status, self.message, str(self.run_dir), s["epoch"], s["epochs"], s["step"],
                               s["steps_per_epoch"], {k: list(v) for k, v in s["series"].items()},
                               list(s["records"]), s["grid"], elapsed, eta, self._pace_from is not None)

    def _time_left(self, now: float) -> float | None:
        """Seconds left. After an epoch: whole epochs (steps, evaluation, metrics) at their measured length;
        before: the pace of the steps so far, which cannot yet count the epoch's evaluation."""
        s = self._state
        if s["records"]:
            per_epoch = float(np.mean([r["seconds"] for r in s["records"]]))
            epochs_left = s["epochs"] - s["records"][-1]["epoch"]
            return max(0.0, epochs_left * per_epoch - (now - self._last_epoch_end))
        if self._pace_from is None:
            return None
        since, epoch0, step0 = self._pace_from
        per_epoch = s["steps_per_epoch"]
        done = (s["epoch"] - epoch0) * per_epoch + s["step"] - step0
        left = (s["epochs"] - s["epoch"]) * per_epoch + per_epoch - s["step"]
        return (now - since) * left / done if done > 0 else None


class JobRegistry:
    """All jobs of one server process; at most `max_running` train at once."""

    def __init__(self, max_running: int = 1):
        self.max_running = max_running
        self._jobs: list[Job] = []
        self._lock = threading.Lock()

    def submit(self, owner: str, kind: str, run_dir: Path, model_cfg, train_cfg) -> Job:
        with self._lock:
            running = [j for j in self._jobs if j.status == "running"]  # self.running() would re-take the lock
            if len(running) >= self.max_running:
                mine = any(j.owner == owner for j in running)
                who = "You already have a training run going" if mine else "Another user's training run is going"
                raise JobLimitError(f"{who} and this server trains at most {self.max_running} at a time; "
                                    "wait for it to finish or stop it, then start again.")
            job = Job(owner, kind, Path(run_dir), model_cfg, train_cfg)
            self._jobs.append(job)
        return job.start()

    def jobs_for(self, owner: str) -> list[Job]:
        with self._lock:
            return [j for j in self._jobs if j.owner == owner]

    def latest_for(self, owner: str, kind: str) -> Job | None:
        jobs = [j for j in self.jobs_for(owner) if j.kind == kind]
        return jobs[-1] if jobs else None

    def busy(self, run_dir: Path) -> bool:
        """Whether a job is training into this run folder right now."""
        with self._lock:
            return any(j.status == "running" and j.run_dir.resolve() == Path(run_dir).resolve() for j in self._jobs)

    def running(self) -> list[Job]:
        with self._lock:
            return [j for j in self._jobs if j.status == "running"]

