"""One writer per run, and runs that no process trains any more read "interrupted", never "running"."""
import json
import signal
import subprocess
import sys
import time

import pytest

from conftest import ROOT
from genlib.errors import RunError
from genlib.runs.lock import WriterLock, is_being_written
from genlib.runs.store import Run
from test_cli import genlib

TINY_VAE = ["train", "vae", "--latent-dim", "2", "--hidden", "16", "--train-limit", "256", "--batch-size", "32",
            "--metric-samples", "0", "--device", "cpu"]


def start_training(out, epochs: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "genlib", *TINY_VAE, "--epochs", str(epochs), "--out", str(out)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def wait_for(condition, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def test_a_second_writer_of_a_run_is_refused_naming_the_first(tmp_path):
    out = tmp_path / "run"
    first = start_training(out, 9_000)  # trains until stopped
    try:
        wait_for(lambda: Run(out).exists() and Run(out).epochs_done() >= 1)
        assert Run(out).history()["status"] == "running" and is_being_written(out)
        second = genlib(*TINY_VAE, "--epochs", 9_001, "--out", out, "--resume")
        assert second.returncode == 2
        assert f"is being trained by process {first.pid}" in second.stderr and "train vae" in second.stderr
        assert "Traceback" not in second.stderr
    finally:
        first.send_signal(signal.SIGINT)  # Ctrl-C: stops cleanly after the current batch
        first.wait(timeout=60)
    assert not is_being_written(out) and Run(out).history()["status"] == "stopped"


def test_a_run_whose_process_was_killed_reads_interrupted_and_resumes(tmp_path):
    out = tmp_path / "run"
    victim = start_training(out, 10_000)
    wait_for(lambda: Run(out).exists() and Run(out).epochs_done() >= 2)
    victim.kill()  # SIGKILL: no chance to write its end
    victim.wait(timeout=30)
    saved = json.loads((out / "history.json").read_text())
    assert saved["status"] == "running"  # what the dead process left on disk...
    history = Run(out).history()         # ...reads as what it is
    done = len(history["epochs"])
    assert history["status"] == "interrupted"
    assert history["message"] == (f"Interrupted during epoch {done + 1}: the process training it ended without "
                                  f"finishing; epochs 1-{done} are kept. Resume it to continue from there.")
    assert Run(out).summary().status == "interrupted"
    resumed = genlib(*TINY_VAE, "--epochs", done + 1, "--out", out, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert Run(out).history()["status"] == "complete" and Run(out).epochs_done() == done + 1


def test_the_lock_holds_between_threads_of_one_process_and_names_its_holder(tmp_path):
    held = WriterLock(tmp_path).acquire("the first writer")
    try:
        with pytest.raises(RunError, match=r"being trained by process \d+ on .* \(the first writer\), since "):
            WriterLock(tmp_path).acquire("a second writer")
    finally:
        held.release()
    WriterLock(tmp_path).acquire("a later writer").release()  # free again once released
    assert not is_being_written(tmp_path / "never-locked")
