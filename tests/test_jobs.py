import time

import pytest

from genlib.config import VAETrainConfig
from genlib.errors import ConfigError
from genlib.jobs import JobLimitError, JobRegistry
from genlib.models import VAEConfig
from genlib.train import fit_vae


def slow_fit(epochs=50):
    """A real VAE fit long enough to be stopped."""
    def fit(run_dir, report, stop):
        return fit_vae(VAEConfig(latent_dim=2, hidden=16), VAETrainConfig(epochs=epochs, train_limit=512,
                                                                          batch_size=32, device="cpu"),
                       run_dir, report, stop)
    return fit


def wait_for(predicate, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    raise AssertionError("condition not reached in time")


def test_job_reports_progress_and_stops(tmp_path):
    registry = JobRegistry(max_running=1)
    job = registry.submit("alice", "vae-a", tmp_path / "a", slow_fit())
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
    job = registry.submit("alice", "vae-a", tmp_path / "a", slow_fit())
    try:
        assert registry.jobs_for("bob") == [] and registry.latest_for("alice", "vae") is job
        with pytest.raises(JobLimitError, match="Another user's training run is going"):
            registry.submit("bob", "vae-b", tmp_path / "b", slow_fit())
        with pytest.raises(JobLimitError, match="You already have a training run going"):
            registry.submit("alice", "vae-c", tmp_path / "c", slow_fit())
        assert registry.busy(tmp_path / "a") and not registry.busy(tmp_path / "b")
    finally:
        job.stop()
        job.join(30)
    assert registry.running() == []
    second = registry.submit("bob", "vae-b", tmp_path / "b", slow_fit(epochs=1))  # room again
    second.join(60)
    assert second.snapshot().status == "complete"


def test_failing_settings_become_a_failed_job_with_the_message(tmp_path):
    def bad(run_dir, report, stop):
        raise ConfigError("lr must be in (0, 1], got -1.")
    job = JobRegistry().submit("carol", "vae-x", tmp_path / "x", bad)
    job.join(10)
    assert job.snapshot().status == "failed" and job.snapshot().message == "lr must be in (0, 1], got -1."
