import time

import pytest

from genlib.models import VAEConfig
from genlib.training.configs import VAETrainConfig
from genlib.training.jobs import JobLimitError, JobRegistry

MODEL = VAEConfig(latent_dim=2, hidden=16)


def slow_settings(epochs=50, **kw):
    """A real VAE job long enough to be stopped."""
    return MODEL, VAETrainConfig(epochs=epochs, train_limit=512, batch_size=32, device="cpu", metric_samples=0, **kw)


def wait_for(predicate, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    raise AssertionError("condition not reached in time")


def test_job_reports_progress_and_stops(tmp_path):
    registry = JobRegistry(max_running=1)
    job = registry.submit("alice", "vae", tmp_path / "a", *slow_settings())
    wait_for(lambda: len(job.snapshot().epoch_records) >= 2)  # the pace needs two progress reports
    snap = job.snapshot()
    assert snap.running and snap.series["recon"] and snap.grid is not None and 0 < snap.fraction < 1
    assert snap.eta is not None and snap.eta > 0
    job.stop()
    job.join(30)
    snap = job.snapshot()
    assert snap.status == "stopped" and "Stopped during epoch" in snap.message
    assert (tmp_path / "a" / "history.json").is_file()


def test_sessions_do_not_see_each_others_jobs_and_the_cap_answers(tmp_path):
    registry = JobRegistry(max_running=1)
    job = registry.submit("alice", "vae", tmp_path / "a", *slow_settings())
    try:
        assert registry.jobs_for("bob") == [] and registry.latest_for("alice", "vae") is job
        assert registry.latest_for("alice", "gan") is None  # a job knows its kind
        with pytest.raises(JobLimitError, match="Another user's training run is going"):
            registry.submit("bob", "vae", tmp_path / "b", *slow_settings())
        with pytest.raises(JobLimitError, match="You already have a training run going"):
            registry.submit("alice", "vae", tmp_path / "c", *slow_settings())
        assert registry.busy(tmp_path / "a") and not registry.busy(tmp_path / "b")
    finally:
        job.stop()
        job.join(30)
    assert registry.running() == []
    second = registry.submit("bob", "vae", tmp_path / "b", *slow_settings(epochs=1))  # room again
    second.join(60)
    assert second.snapshot().status == "complete"


def test_failing_settings_become_a_failed_job_with_the_message(tmp_path):
    job = JobRegistry().submit("carol", "vae", tmp_path / "x", *slow_settings(lr=-1.0))
    job.join(10)
    assert job.snapshot().status == "failed" and job.snapshot().message == "lr must be in (0, 1], got -1."


def test_the_clock_stops_when_the_job_ends_and_no_placeholder_precedes_the_first_report(tmp_path):
    job = JobRegistry().submit("dan", "vae", tmp_path / "d", *slow_settings(epochs=2))
    assert not job.snapshot().reporting or job.snapshot().step > 0  # before a report there is nothing to show
    job.join(60)
    ended = job.snapshot()
    assert ended.status == "complete" and ended.reporting and ended.eta is None
    time.sleep(0.3)
    assert job.snapshot().elapsed == ended.elapsed  # reopened later, the run still took the same time
    assert ended.elapsed >= sum(r["seconds"] for r in ended.epoch_records)
