"""The job table both engines keep: who asked for what, the fair queue, each job's progress.

Pure bookkeeping, no threads and no Ray: the thread engine holds one in the app's process, the Ray engine
holds one inside its job-board actor, and the same rules apply to both. Every student's job is accepted up
to a per-owner limit (default: one running and one waiting); waiting jobs start in fair order, round-robin
by owner, so nobody's second job starts before another owner's first.
"""
from __future__ import annotations

import dataclasses
import itertools
import time
from dataclasses import dataclass, field

import numpy as np

from ..errors import GenlibError
from .progress import EpochDone, Progress

MAX_SERIES_POINTS = 100_000  # per-iteration values kept for the live chart
JOURNAL_VERSION = 1
# the fields a journal keeps: who, what, where and how far; not the live series, grid or pace bookkeeping
JOURNALED = ("id", "owner", "kind", "run_dir", "model", "train", "status", "message", "submitted", "started", "ended",
             "where", "epoch", "epochs", "step", "steps_per_epoch", "epoch_records", "stop_asked", "limits")
ACTIVE = ("waiting", "running")


class JobLimitError(GenlibError):
    """The owner already has as many jobs as one person may have."""


@dataclass
class JobState:
    """One job as the table knows it; snapshots are copies, safe to hand to a page or another process."""
    id: str
    owner: str
    kind: str                      # vae, gan or classifier
    run_dir: str
    model: dict                    # the model config as a plain dict
    train: dict                    # the training config as a plain dict
    status: str = "waiting"        # waiting, running, complete, stopped, diverged, failed, cancelled, interrupted
    message: str = ""
    submitted: float = field(default_factory=time.time)
    started: float | None = None
    ended: float | None = None     # the clock stops here
    where: str = ""                # the machine and device it runs on, once known
    epoch: int = 0
    epochs: int = 0
    step: int = 0
    steps_per_epoch: int = 1
    series: dict = field(default_factory=dict)
    epoch_records: list = field(default_factory=list)
    grid: np.ndarray | None = None
    stop_asked: bool = False
    limits: tuple[int, int] | None = None  # this owner's (running, waiting) limits, when not the table's
    worker_pid: int | None = None
    pace_from: tuple | None = None  # (time, epoch, step) of the first report: data loading is not pace
    last_epoch_end: float | None = None
    epoch_seconds: list = field(default_factory=list)  # each finished epoch's whole length, its save included
    # filled in by snapshots
    elapsed: float = 0.0           # seconds since it started (or waited), frozen once it has ended
    eta: float | None = None       # seconds of training left
    position: int | None = None    # 1 = next to start
    wait: float | None = None      # seconds until it is expected to start

    @property
    def running(self) -> bool:
        return self.status == "running"

    @property
    def waiting(self) -> bool:
        return self.status == "waiting"

    @property
    def reporting(self) -> bool:
        """A first progress report has come (before it: loading data, building the model)."""
        return self.pace_from is not None

    @property
    def fraction(self) -> float:
        done = (self.epoch - 1) * self.steps_per_epoch + self.step
        return min(1.0, max(0.0, done / max(1, self.epochs * self.steps_per_epoch)))


class JobTable:
    def __init__(self, slots: int = 1, running_per_owner: int = 1, waiting_per_owner: int = 1):
        self.slots = slots
        self.running_per_owner = running_per_owner
        self.waiting_per_owner = waiting_per_owner
        self.jobs: dict[str, JobState] = {}
        self._ids = itertools.count(1)
        self._last_start: dict[str, float] = {}  # owner -> when their latest job started

    # ---- changes ----
    def submit(self, owner: str, kind: str, run_dir: str, model: dict, train: dict,
               limits: tuple[int, int] | None = None) -> JobState:
        """Accept a job, or refuse it with a message. `limits` (running, waiting) lift the per-owner limits for
        this owner's job, as a teacher's sweep needs; fair order still gives students their turns."""
        mine = [j for j in self.jobs.values() if j.owner == owner and j.status in ACTIVE]
        if len(mine) >= sum(limits or (self.running_per_owner, self.waiting_per_owner)):
            raise JobLimitError(f"You already have {len(mine)} training run(s) running or waiting, the most one "
                                "person may have here; wait for one to finish or cancel it.")
        if self.busy(run_dir):
            raise JobLimitError(f"A job is already training into {run_dir}; choose another run name.")
        job = JobState(f"job-{next(self._ids)}-{int(time.time())}", owner, kind, str(run_dir), model, train,
                       epochs=int(train.get("epochs", 0)), limits=limits)
        self.jobs[job.id] = job
        return self.snapshot_of(job.id)

    def to_start(self) -> list[JobState]:
        """Waiting jobs that may start now, in fair order; they are marked running."""
        free = self.slots - sum(j.running for j in self.jobs.values())
        started = []
        for job in self._fair_order()[:max(0, free)]:
            if self._running_of(job.owner) >= (job.limits or (self.running_per_owner,))[0]:
                continue  # this owner's earlier job is still training
            job.status, job.started = "running", time.time()
            self._last_start[job.owner] = job.started
            started.append(_copy(job))
        return started

    def report(self, job_id: str, event) -> bool:
        """Record a progress event; the answer says whether the job should stop."""
        job = self.jobs[job_id]
        now = time.time()
        if isinstance(event, Progress):
            if job.pace_from is None:
                job.pace_from = (now, event.epoch, event.step)
            job.epoch, job.epochs, job.step, job.steps_per_epoch = (event.epoch, event.epochs, event.step,
                                                                    event.steps_per_epoch)
            for name, values in event.series.items():
                kept = job.series.setdefault(name, [])
                kept.extend(values)
                del kept[:-MAX_SERIES_POINTS]
        elif isinstance(event, EpochDone):
            job.epoch_records.append(event.record)
            job.epoch_seconds.append(event.seconds)
            job.grid, job.last_epoch_end = event.grid, now
        return job.stop_asked

    def placed(self, job_id: str, where: str, pid: int | None = None) -> None:
        self.jobs[job_id].where, self.jobs[job_id].worker_pid = where, pid

    def finish(self, job_id: str, status: str, message: str) -> None:
        job = self.jobs[job_id]
        if job.status in ACTIVE:
            job.status, job.message, job.ended = status, message, time.time()

    def stop(self, job_id: str, owner: str) -> None:
        """A waiting job is cancelled at once; a running one stops after its current batch."""
        job = self.jobs.get(job_id)
        if job is None or job.owner != owner:
            return
        if job.waiting:
            self.finish(job_id, "cancelled", "Cancelled before it started.")
        job.stop_asked = True

    # ---- reading ----
    def snapshot(self, owner: str | None) -> list[JobState]:
        """This owner's jobs (None: everyone's, for a teacher), oldest first, with their place in the queue and
        time estimates."""
        return [self.snapshot_of(j.id) for j in self.jobs.values() if owner is None or j.owner == owner]

    def snapshot_of(self, job_id: str) -> JobState:
        """One job as a copy, with its place in the queue and time estimates."""
        job = self.jobs[job_id]
        now = time.time()
        snap = _copy(job)
        snap.elapsed = (job.ended or now) - (job.started or job.submitted)
        snap.eta = self._time_left(job, now) if job.running else None
        if job.waiting:
            order = self._fair_order()
            snap.position = next(i for i, j in enumerate(order, 1) if j.id == job.id)
            snap.wait = self._expected_wait(snap.position, now)
        return snap

    def busy(self, run_dir: str) -> bool:
        return any(j.status in ACTIVE and j.run_dir == str(run_dir) for j in self.jobs.values())

    def load(self) -> dict:
        """The slots and the jobs running and waiting, as the engines describe themselves."""
        return {"slots": self.slots, "running": sum(j.running for j in self.jobs.values()),
                "waiting": sum(j.waiting for j in self.jobs.values())}

    # ---- the journal: what must outlive the process that holds the table ----
    def journal(self) -> dict:
        """Every job's bookkeeping as plain JSON (not its live series or grid: the run folders keep those)."""
        return {"version": JOURNAL_VERSION, "jobs": [
            {name: getattr(job, name) for name in JOURNALED} for job in self.jobs.values()]}

    def restore(self, journal: dict) -> None:
        """The jobs of a journal written by an earlier holder of this table: waiting jobs keep their places, ended
        ones their status, and running ones, whose training died with that holder, become interrupted."""
        if journal.get("version") != JOURNAL_VERSION:
            return
        now = time.time()
        for saved in journal["jobs"]:
            job = JobState(**{**saved, "limits": tuple(saved["limits"]) if saved.get("limits") else None})
            if job.running:
                done = len(job.epoch_records)
                job.status, job.ended = "interrupted", now
                job.message = (f"Interrupted during epoch {done + 1}: the job board restarted and its worker ended "
                               f"with it; the {done} finished epoch(s) are kept: resume the run to go on.")
            self.jobs[job.id] = job
        self._ids = itertools.count(len(self.jobs) + 1)

    # ---- internals ----
    def _running_of(self, owner: str) -> int:
        return sum(j.running and j.owner == owner for j in self.jobs.values())

    def _fair_order(self) -> list[JobState]:
        """Waiting jobs in the order they would start: each turn goes to the owner with the fewest jobs
        running, then the one who started longest ago, then the earliest submission."""
        running = {o: self._running_of(o) for o in {j.owner for j in self.jobs.values()}}
        last = dict(self._last_start)
        waiting = sorted((j for j in self.jobs.values() if j.waiting), key=lambda j: j.submitted)
        order = []
        while waiting:
            job = min(waiting, key=lambda j: (running[j.owner], last.get(j.owner, -1.0), j.submitted))
            waiting.remove(job)
            order.append(job)
            running[job.owner] += 1
            last[job.owner] = time.time() + len(order)  # taken its turn: behind everyone who has not
        return order

    def _time_left(self, job: JobState, now: float) -> float | None:
        """After an epoch: whole epochs (steps, evaluation, grid, metrics, save) at their measured length; before:
        the pace of the steps so far, which cannot yet count the epoch's evaluation."""
        if job.epoch_records:
            per_epoch = float(np.mean(job.epoch_seconds))
            epochs_left = job.epochs - job.epoch_records[-1]["epoch"]
            return max(0.0, epochs_left * per_epoch - (now - job.last_epoch_end))
        if job.pace_from is None:
            return None
        since, epoch0, step0 = job.pace_from
        per_epoch = job.steps_per_epoch
        done = (job.epoch - epoch0) * per_epoch + job.step - step0
        left = (job.epochs - job.epoch) * per_epoch + per_epoch - job.step
        return (now - since) * left / done if done > 0 else None

    def _expected_wait(self, position: int, now: float) -> float | None:
        """When the position-th waiting job should start: slots free up as running jobs end, and each job
        ahead holds its slot for the typical length of a job here (None until one has been measured)."""
        running = [j for j in self.jobs.values() if j.running]
        lengths = [j.ended - j.started for j in self.jobs.values() if j.ended and j.started and j.epoch_records]
        lengths += [now - j.started + left for j in running if (left := self._time_left(j, now)) is not None]
        free_at = [self._time_left(j, now) for j in running]
        if None in free_at or not lengths:
            return None if len(running) >= self.slots else 0.0
        free_at = (free_at + [0.0] * self.slots)[:max(self.slots, len(free_at))]
        typical = float(np.median(lengths))
        for _ in range(position - 1):
            free_at[free_at.index(min(free_at))] += typical
        return min(free_at)


def _copy(job: JobState) -> JobState:
    """A copy the table's later changes cannot reach. Not deepcopy: polled twice a second while the training
    thread waits on the same lock, and the series alone can hold 100,000 values."""
    return dataclasses.replace(job, series={k: list(v) for k, v in job.series.items()},
                               epoch_records=list(job.epoch_records), epoch_seconds=list(job.epoch_seconds),
                               model=dict(job.model), train=dict(job.train))
