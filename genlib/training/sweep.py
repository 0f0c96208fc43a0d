"""Many runs at once on either engine: a sweep over settings (`python -m genlib sweep`), or the shipped runs.

A sweep names one run per combination of the listed values (`--kl-weight 0,0.1,1` makes kl_weight-0,
kl_weight-0.1, kl_weight-1 under the sweep's folder), submits them all, and follows them until they end.
"""
from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from pathlib import Path

from .job_table import ACTIVE, JobState


@dataclass
class Planned:
    """One run of a batch: where it goes and what it trains."""
    name: str
    kind: str
    model: object
    train: object


def expand(given: dict[str, str]) -> list[dict[str, str]]:
    """Every combination of comma-separated values: {"a": "1,2", "b": "x"} -> [{a: 1, b: x}, {a: 2, b: x}]."""
    choices = [str(values).split(",") for values in given.values()]
    return [dict(zip(given, combo)) for combo in itertools.product(*choices)]


def run_name(varied: dict[str, str]) -> str:
    """A folder name for one combination, from the settings that vary: "kl_weight-0.01_seed-2"."""
    return "_".join(f"{name}-{value}" for name, value in varied.items()) or "run"


def run_all(engine, owner: str, planned: list[Planned], root, show=lambda jobs: None, stop=None,
            poll_s: float = 1.0) -> list[JobState]:
    """Submit every planned run under root, follow them until all have ended, return their last states.

    `show(jobs)` is called whenever something changed; when `stop` is set, every job is stopped."""
    limits = (len(planned), len(planned))  # one owner's batch: queued fairly beside others, never refused
    ids = [engine.submit(owner, p.kind, Path(root) / p.name, p.model, p.train, limits).id for p in planned]
    return wait_for(engine, owner, ids, show, stop, poll_s)


def wait_for(engine, owner: str, ids: list[str], show=lambda jobs: None, stop=None,
             poll_s: float = 1.0) -> list[JobState]:
    seen, stopping = None, False
    while True:
        jobs = [j for j in engine.jobs(owner) if j.id in ids]
        state = [(j.status, j.epoch, len(j.epoch_records), j.position) for j in jobs]
        if state != seen:
            show(jobs)
            seen = state
        if not any(j.status in ACTIVE for j in jobs):
            return jobs
        if stop is not None and stop.is_set() and not stopping:
            for job in jobs:
                engine.stop(job.id, owner)
            stopping = True
        time.sleep(poll_s)


def describe(job: JobState) -> str:
    """One short line per run for a terminal."""
    name = Path(job.run_dir).name
    if job.waiting:
        return f"{name}: waiting ({job.position}. in line)"
    if job.running:
        left = f", {job.eta:.0f} s left" if job.eta is not None else ""
        return f"{name}: epoch {max(job.epoch, 1)}/{job.epochs}{left}"
    return f"{name}: {job.status} ({len(job.epoch_records)} epochs){' - ' + job.message if job.message else ''}"
