"""Training jobs: what a worker runs for a job, and the in-process engine (threads) the laptop app uses.

Two engines sit behind one interface (the Engine protocol: submit, jobs, stop, describe), both keeping a JobTable:
ThreadEngine trains in threads of the app's own process (one person, nothing to start); RayEngine
(ray_engine.py) trains in worker processes of a Ray cluster (a class). Workers report progress every few
iterations and the reply says whether to stop, so both stop the same way.
"""
from __future__ import annotations

import os
import threading
import traceback
from dataclasses import asdict
from typing import Protocol

from ..errors import GenlibError
from .configs import MODEL_CONFIGS, TRAIN_CONFIGS
from .fit import fit
from .job_table import JobState, JobTable


class _ReplyStop:
    """A stop flag set by the replies to progress reports, or read at once where the table is at hand."""
    asked = False

    def __init__(self, read=None):
        self.read = read

    def is_set(self) -> bool:
        return self.asked or (self.read is not None and self.read())


def run_job(job: JobState, send, read_stop=None) -> tuple[str, str]:
    """What a worker runs for a job: rebuild its configs, train, and for a VAE on MNIST evaluate the run, so its
    page shows the evaluation at once (the judge scores MNIST digits only). `send(event)` reports progress
    and answers whether to stop; `read_stop()`, where given, answers it between reports too.
    Returns (status, message); errors become a failed status, never a crash."""
    stop = _ReplyStop(read_stop)

    def report(event) -> None:
        stop.asked = send(event)

    try:
        model_cfg, train_cfg = MODEL_CONFIGS[job.kind](**job.model), TRAIN_CONFIGS[job.kind](**job.train)
        result = fit(job.kind, model_cfg, train_cfg, job.run_dir, report, stop)
        if job.kind == "vae" and result.epochs and train_cfg.dataset == "mnist":
            from ..evaluation.evaluate import cached_run_metrics
            cached_run_metrics(job.run_dir)
        return result.status, result.message
    except GenlibError as err:
        return "failed", str(err)
    except Exception as err:  # a bug must not vanish with the worker: keep it for the page to show
        traceback.print_exc()
        return "failed", f"Training failed: {type(err).__name__}: {err}"


class Engine(Protocol):
    """What both engines offer the CLI and the app (ThreadEngine here, RayEngine in ray_engine.py)."""

    def submit(self, owner: str, kind: str, run_dir, model_cfg, train_cfg, limits=None) -> JobState:
        """Accept a job (or raise JobLimitError); it waits its fair turn, then trains."""

    def jobs(self, owner: str | None) -> list[JobState]:
        """Snapshots of an owner's jobs (None: everyone's), oldest first."""

    def stop(self, job_id: str, owner: str) -> None:
        """Cancel a waiting job at once; stop a running one after its current batch."""

    def describe(self) -> dict:
        """The engine in words, its CPUs and GPUs, and how many jobs run and wait."""


class LockedTable:
    """A JobTable behind one lock, as both engines hold it: training threads, or the tasks' reports, change it
    while pages read it."""

    def __init__(self, slots: int = 1, running_per_owner: int = 1, waiting_per_owner: int = 1):
        self.table = JobTable(slots, running_per_owner, waiting_per_owner)
        self.lock = threading.Lock()

    def report(self, job_id: str, event) -> bool:
        with self.lock:
            return self.table.report(job_id, event)

    def jobs(self, owner: str | None) -> list[JobState]:
        with self.lock:
            return self.table.snapshot(owner)

    def stop(self, job_id: str, owner: str) -> None:
        with self.lock:
            self.table.stop(job_id, owner)


class ThreadEngine(LockedTable):
    """Jobs in threads of this process: at most `slots` train at once, the others wait their fair turn."""

    def submit(self, owner: str, kind: str, run_dir, model_cfg, train_cfg, limits=None) -> JobState:
        with self.lock:
            job = self.table.submit(owner, kind, str(run_dir), asdict(model_cfg), asdict(train_cfg), limits)
        self._start_ready()
        return job

    def _start_ready(self) -> None:
        with self.lock:
            ready = self.table.to_start()
            for job in ready:
                self.table.placed(job.id, f"this server ({train_device(job)})", os.getpid())
        for job in ready:
            threading.Thread(target=self._run, args=(job,), name=f"train-{job.id}", daemon=True).start()

    def _run(self, job: JobState) -> None:
        status, message = run_job(job, lambda event: self.report(job.id, event),
                                  lambda: self.table.jobs[job.id].stop_asked)  # a bool: no lock
        with self.lock:
            self.table.finish(job.id, status, message)
        self._start_ready()

    def describe(self) -> dict:
        import torch
        with self.lock:
            return {"engine": "threads in this server", "cpus": os.cpu_count() or 1,
                    "gpus": torch.cuda.device_count(), **self.table.load()}


def train_device(job: JobState) -> str:
    """Where a job's training will run, in words."""
    from ..devices import describe, pick_device
    try:
        return describe(pick_device(job.train.get("device")))
    except GenlibError:
        return str(job.train.get("device"))
