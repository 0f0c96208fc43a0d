"""One contract, two engines: threads in this process (the laptop) and Ray (a class), run for real."""
import os
import signal
import time
import uuid

import pytest

from genlib.models import GANConfig, VAEConfig
from genlib.runs.lock import is_being_written
from genlib.runs.store import Run
from genlib.training.configs import GANTrainConfig, VAETrainConfig
from genlib.training.job_table import JobLimitError
from genlib.training.sweep import wait_for

MODEL = VAEConfig(latent_dim=2, hidden=16)


def settings(epochs=1, **kw):
    return VAETrainConfig(**{"epochs": epochs, "train_limit": 512, "batch_size": 32, "device": "cpu",
                             "metric_samples": 0, **kw})


@pytest.fixture(params=["threads", "ray"])
def engine(request):
    if request.param == "threads":
        from genlib.training.jobs import ThreadEngine
        return ThreadEngine(slots=1)
    request.getfixturevalue("ray_cluster")
    from genlib.training.ray_engine import RayEngine
    return RayEngine()


def owner() -> str:
    return uuid.uuid4().hex[:8]


def until(engine, who, job_id, done, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        job = next(j for j in engine.jobs(who) if j.id == job_id)
        if done(job):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job never reached the state; last: {job.status} {job.message}")


def test_a_job_trains_reports_and_ends_with_a_frozen_clock(engine, tmp_path):
    who = owner()
    job = engine.submit(who, "vae", tmp_path / "a", MODEL, settings(epochs=2))
    (ended,) = wait_for(engine, who, [job.id], poll_s=0.2)
    assert ended.status == "complete", ended.message
    assert [r["epoch"] for r in ended.epoch_records] == [1, 2] and ended.grid is not None
    assert ended.series["recon"] and ended.reporting and ended.eta is None and ended.where
    assert Run(tmp_path / "a").history()["status"] == "complete" and Run(tmp_path / "a").epochs_done() == 2
    time.sleep(0.3)
    assert engine.jobs(who)[0].elapsed == ended.elapsed  # reopened later, it still took as long
    assert [j.id for j in engine.jobs(who) if j.kind == "vae"] == [job.id] and engine.jobs(owner()) == []


def test_one_running_and_one_waiting_per_student_and_the_others_are_not_held_up(engine, tmp_path):
    ann, bob = owner(), owner()
    a1 = engine.submit(ann, "vae", tmp_path / "a1", MODEL, settings(epochs=3))
    a2 = engine.submit(ann, "vae", tmp_path / "a2", MODEL, settings())
    with pytest.raises(JobLimitError, match="You already have 2 training run"):
        engine.submit(ann, "vae", tmp_path / "a3", MODEL, settings())
    b1 = engine.submit(bob, "vae", tmp_path / "b1", MODEL, settings())
    assert engine.jobs(bob)[0].status in ("waiting", "running")  # accepted, not turned away
    ended = {j.id: j for j in wait_for(engine, ann, [a1.id, a2.id], poll_s=0.2) + wait_for(engine, bob, [b1.id])}
    assert all(j.status == "complete" for j in ended.values()), [j.message for j in ended.values()]
    assert ended[b1.id].started < ended[a2.id].started  # bob's first before ann's second
    assert not is_being_written(tmp_path / "a1")  # its writer is gone with the job


def test_stop_keeps_finished_epochs_resumable_and_cancel_removes_a_waiting_job(engine, tmp_path):
    who = owner()
    running = engine.submit(who, "vae", tmp_path / "long", MODEL, settings(epochs=50))
    waiting = engine.submit(who, "vae", tmp_path / "next", MODEL, settings())
    assert engine.jobs(who)[1].waiting  # one running per student: the second waits
    engine.stop(waiting.id, who)
    assert engine.jobs(who)[1].status == "cancelled" and not (tmp_path / "next").exists()
    until(engine, who, running.id, lambda j: len(j.epoch_records) >= 1)
    engine.stop(running.id, who)
    stopped = until(engine, who, running.id, lambda j: j.status != "running")
    assert stopped.status == "stopped" and "Stopped during epoch" in stopped.message
    run = Run(tmp_path / "long")
    assert run.history()["status"] == "stopped" and run.resume_state_path() is not None


def test_bad_settings_fail_the_job_with_a_message_not_a_crash(engine, tmp_path):
    who = owner()
    job = engine.submit(who, "vae", tmp_path / "bad", MODEL, settings(lr=-1.0))
    (ended,) = wait_for(engine, who, [job.id], poll_s=0.2)
    assert ended.status == "failed" and ended.message == "lr must be in (0, 1], got -1."


# ---- Ray only ----

@pytest.fixture
def ray_engine(ray_cluster):
    from genlib.training.ray_engine import RayEngine
    return RayEngine()


def node_of(job) -> str:
    return job.where.rsplit("node ", 1)[1]


def test_small_jobs_spread_over_both_nodes_and_the_homework_gan_lands_on_the_gpu_node(ray_engine, ray_cluster,
                                                                                        tmp_path):
    ann, bob, cat = owner(), owner(), owner()
    small = [ray_engine.submit(who, "vae", tmp_path / who, MODEL, settings(epochs=3)) for who in (ann, bob)]
    first = [until(ray_engine, who, job.id, lambda j: j.where) for who, job in zip((ann, bob), small)]
    assert {node_of(j) for j in first} == {ray_cluster["head_node_id"][:8], ray_cluster["gpu_node_id"][:8]}
    gan = ray_engine.submit(cat, "gan", tmp_path / "infogan", GANConfig(arch="infogan"),
                            GANTrainConfig(epochs=1, train_limit=128, metric_samples=0))
    (ended,) = wait_for(ray_engine, cat, [gan.id], poll_s=0.2)
    assert ended.status == "complete", ended.message
    assert node_of(ended) == ray_cluster["gpu_node_id"][:8] and "GPU 0" in ended.where  # placement, not speed
    wait_for(ray_engine, ann, [small[0].id]), wait_for(ray_engine, bob, [small[1].id])


def test_a_killed_worker_fails_its_job_keeps_its_epochs_and_the_rest_go_on(ray_engine, tmp_path):
    who = owner()
    job = ray_engine.submit(who, "vae", tmp_path / "killed", MODEL, settings(epochs=50))
    running = until(ray_engine, who, job.id, lambda j: len(j.epoch_records) >= 2 and j.worker_pid)
    os.kill(running.worker_pid, signal.SIGKILL)
    failed = until(ray_engine, who, job.id, lambda j: j.status != "running")
    assert failed.status == "failed" and "the worker running it died" in failed.message
    run = Run(tmp_path / "killed")
    # the board heard of two epochs; the second's files may still have been on their way to disk (written beside
    # the next epoch's training) when the worker died, so at least the first is kept
    assert run.history()["status"] == "failed" and run.epochs_done() >= 1 and run.resume_state_path() is not None
    after = ray_engine.submit(who, "vae", tmp_path / "after", MODEL, settings())
    assert wait_for(ray_engine, who, [after.id], poll_s=0.2)[0].status == "complete"


def test_a_worker_that_cannot_see_the_runs_folder_says_so(ray_engine):
    who = owner()
    from dataclasses import asdict
    job = ray_engine._call("submit", who, "vae", "/nonexistent-shared/runs/x", asdict(MODEL),
                           asdict(settings()))
    (ended,) = wait_for(ray_engine, who, [job.id], poll_s=0.2)
    assert ended.status == "failed" and "GENLIB_RUNS_DIR must be the same shared folder" in ended.message


def test_an_unreachable_cluster_is_one_clear_message():
    import subprocess
    import sys

    from conftest import ROOT
    code = ("from genlib.errors import GenlibError\nfrom genlib.training.ray_engine import RayEngine\n"
            "try:\n    RayEngine('127.0.0.1:9')\nexcept GenlibError as err:\n    print(err)\n")
    # a refused port is answered at once (ray.init alone would retry for minutes): the timeout guards a hang
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert "Cannot reach the Ray cluster at 127.0.0.1:9" in res.stdout and "Traceback" not in res.stderr


def test_a_cluster_lost_mid_run_is_one_clear_message(ray_engine, monkeypatch):
    """What the page sees when the board stops answering: a message naming the cluster, not a Ray traceback."""
    import ray

    from genlib.training import ray_engine as module

    @ray.remote(num_cpus=0)
    class Unanswering:
        def jobs(self, owner):
            time.sleep(30)

    monkeypatch.setattr(module, "CALL_TIMEOUT_S", 1)
    monkeypatch.setattr(ray_engine, "board", Unanswering.remote())
    with pytest.raises(module.RayUnavailable, match=r"Lost the connection to the Ray cluster at .*runs on disk are safe"):
        ray_engine.jobs("x")


@pytest.mark.slow  # 1-4 minutes on 2 cores (a second board starts): CI runs it, `./lab test` leaves it out
def test_a_killed_board_is_followed_by_one_that_knows_every_job(ray_engine, tmp_path):
    """The board killed for good mid-training: the next call makes a new board from the journal. The waiting
    job keeps its place (and then starts), the job that was training is interrupted and its run resumable."""
    import ray

    who = owner()
    first = ray_engine.submit(who, "vae", tmp_path / "first", MODEL, settings(epochs=500))
    second = ray_engine.submit(who, "vae", tmp_path / "second", MODEL, settings(epochs=2))  # waits: one at a time
    until(ray_engine, who, first.id, lambda j: len(j.epoch_records) >= 1)
    assert next(j for j in ray_engine.jobs(who) if j.id == second.id).waiting
    ray.kill(ray_engine.board)  # no_restart: gone for good, with the tasks it owned
    jobs = {j.id: j for j in ray_engine.jobs(who)}  # no restart of the app: the engine finds the next board
    assert jobs[first.id].status == "interrupted" and "resume the run" in jobs[first.id].message
    assert jobs[second.id].status in ("waiting", "running")
    (ended,) = wait_for(ray_engine, who, [second.id], poll_s=0.2)
    assert ended.status == "complete", ended.message
    run = Run(tmp_path / "first")
    deadline = time.monotonic() + 60  # the worker's end releases the run's writer lock
    while run.history()["status"] != "interrupted" and time.monotonic() < deadline:
        time.sleep(0.5)
    assert run.history()["status"] == "interrupted" and run.resume_state_path() is not None


def test_both_engines_satisfy_the_engine_protocol():
    """The CLI and the app use only the protocol's methods: each engine must offer all of them."""
    import inspect

    from genlib.training.jobs import Engine, ThreadEngine
    from genlib.training.ray_engine import RayEngine

    wanted = {name for name, _ in inspect.getmembers(Engine, inspect.isfunction) if not name.startswith("_")}
    assert wanted == {"submit", "jobs", "stop", "describe"}
    def parameters(fn) -> list[str]:  # Ray adds a private tracing parameter to methods of classes it wraps
        return [p for p in inspect.signature(fn).parameters if not p.startswith("_")]

    for cls in (ThreadEngine, RayEngine):
        for name in wanted:
            assert parameters(getattr(cls, name)) == parameters(getattr(Engine, name)), (cls.__name__, name)
