"""The job table's rules, which both engines share: limits, fair order, queue places, stop and cancel."""
import pytest

from genlib.training.job_table import JobLimitError, JobTable
from genlib.training.progress import EpochDone, Progress


def submit(table, owner, name, epochs=3):
    return table.submit(owner, "vae", f"/runs/{name}", {}, {"epochs": epochs})


def start(table):
    return [j.owner for j in table.to_start()]


def test_every_owner_gets_one_running_and_one_waiting_job_and_a_clear_refusal_after():
    table = JobTable(slots=4)
    submit(table, "ann", "a1"), submit(table, "ann", "a2")
    with pytest.raises(JobLimitError, match="You already have 2 training run"):
        submit(table, "ann", "a3")
    assert start(table) == ["ann"]  # a free slot does not start ann's second job while her first trains
    with pytest.raises(JobLimitError, match="already training into /runs/a1"):
        submit(table, "bob", "a1")


def test_waiting_jobs_start_round_robin_by_owner():
    table = JobTable(slots=1, running_per_owner=1, waiting_per_owner=3)
    for name in ("a1", "a2", "a3"):
        submit(table, "ann", name)
    submit(table, "bob", "b1"), submit(table, "cat", "c1"), submit(table, "bob", "b2")
    order = []
    for _ in range(6):
        (job,) = table.to_start()
        order.append(job.run_dir.rsplit("/", 1)[1])
        table.finish(job.id, "complete", "")
    assert order == ["a1", "b1", "c1", "a2", "b2", "a3"]  # never two of one owner's before another's first


def test_queue_places_follow_the_fair_order():
    table = JobTable(slots=1, waiting_per_owner=2)
    submit(table, "ann", "a1"), submit(table, "ann", "a2"), submit(table, "bob", "b1")
    table.to_start()
    places = {j.run_dir: j.position for o in ("ann", "bob") for j in table.snapshot(o) if j.waiting}
    assert places == {"/runs/b1": 1, "/runs/a2": 2}


def test_the_wait_is_estimated_from_the_running_jobs_pace():
    table = JobTable(slots=1)
    first = submit(table, "ann", "a1", epochs=4)
    submit(table, "bob", "b1")
    table.to_start()
    assert table.snapshot("bob")[0].wait is None  # nothing measured yet: no number is made up
    table.report(first.id, Progress(1, 4, 10, 10, {}))
    table.report(first.id, EpochDone(1, 4, 30.0, {"epoch": 1, "seconds": 30.0}, None))
    wait = table.snapshot("bob")[0].wait
    assert 85 < wait <= 90  # three more epochs of 30 s


def test_stop_cancels_a_waiting_job_at_once_and_asks_a_running_one_to_stop():
    table = JobTable(slots=1)
    running, waiting = submit(table, "ann", "a1"), submit(table, "bob", "b1")
    table.to_start()
    table.stop(waiting.id, "mallory")  # not theirs: nothing happens
    assert table.snapshot("bob")[0].waiting
    table.stop(waiting.id, "bob")
    assert table.snapshot("bob")[0].status == "cancelled"
    table.stop(running.id, "ann")
    assert table.report(running.id, Progress(1, 3, 5, 10, {})) is True  # the reply carries the stop
    table.finish(running.id, "stopped", "Stopped during epoch 1; no epoch was finished.")
    ended = table.snapshot("ann")[0]
    assert ended.status == "stopped" and ended.eta is None and ended.elapsed == table.snapshot("ann")[0].elapsed
