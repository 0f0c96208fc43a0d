import json
import pytest
import torch

from genlib.runs.files import load_tensors, write_json
from genlib.runs.store import FORMAT_VERSION, Run, safe_run_name, scan_runs
from genlib.errors import RunError
from genlib.loading import load_generator, load_vae, sample_run


def copy_run(src, dst):
    import shutil
    shutil.copytree(src, dst)
    return dst


def test_save_load_round_trip_is_bit_exact(tmp_path):
    from genlib.training.configs import VAETrainConfig
    from genlib.models import VAEConfig
    from genlib.training.fit import fit
    result = fit("vae", VAEConfig(latent_dim=3, hidden=32), VAETrainConfig(metric_samples=0, epochs=1, train_limit=256, device="cpu"),
                     tmp_path / "r")
    trained, loaded = result.models["vae"].state_dict(), load_vae(tmp_path / "r").state_dict()
    assert trained.keys() == loaded.keys()
    assert all(torch.equal(trained[k], loaded[k]) for k in trained)


def test_listing_reports_kind_epochs_and_settings(tiny_vae_run, tiny_gan_run):
    runs, problems = scan_runs(tiny_vae_run.parent)
    by_kind = {r.kind: r for r in runs}
    assert by_kind["vae"].epochs == 2 and by_kind["vae"].kl_weight == 1.0 and by_kind["vae"].arch == "mlp"
    assert by_kind["gan"].epochs == 3 and by_kind["gan"].arch == "small"
    assert all(r.status == "complete" for r in runs) and problems == []


def test_a_run_killed_mid_save_lists_its_finished_epochs_and_reads_interrupted(tmp_path, tiny_gan_run):
    run_dir = copy_run(tiny_gan_run, tmp_path / "killed")
    # a crash between writing epoch 4's weights and its history: the files exist, the history does not say so
    (run_dir / "weights" / "epoch_004.pt").write_bytes(b"partial")
    hist = json.loads((run_dir / "history.json").read_text())
    write_json(run_dir / "history.json", {**hist, "status": "running"})
    run = Run(run_dir)
    summary = run.summary()
    assert summary.status == "interrupted" and summary.epochs == 3  # no live writer: not "running"
    assert "Interrupted during epoch 4" in run.history()["message"]
    with pytest.raises(RunError, match="no weights for epoch 4"):  # the planted file is not an epoch of the run
        run.resolve_epoch(4)
    assert load_generator(run_dir).cfg.arch == "small"  # the last listed epoch (3) loads


def test_corrupt_weights_give_a_clear_error(tmp_path, tiny_vae_run):
    run_dir = copy_run(tiny_vae_run, tmp_path / "corrupt")
    weights = next((run_dir / "weights").glob("*.pt"))
    weights.write_bytes(weights.read_bytes()[:200])
    with pytest.raises(RunError, match="corrupt or truncated"):
        load_vae(run_dir)


def touch(path):
    open(path, "w").write("pwned")


class Exploit:
    """Unpickling this calls touch(path): what a crafted weights file would do with os.system."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (touch, (self.path,))


def test_a_weights_file_that_runs_code_is_refused(tmp_path, tiny_vae_run):
    run_dir = copy_run(tiny_vae_run, tmp_path / "evil")
    marker = tmp_path / "pwned"
    weights = next((run_dir / "weights").glob("*.pt"))
    torch.save({"encoder.0.weight": Exploit(str(marker))}, weights)
    with pytest.raises(RunError, match="asks to run code"):
        load_tensors(weights)
    with pytest.raises(RunError):
        load_vae(run_dir)
    assert not marker.exists()


def test_newer_format_missing_config_and_wrong_kind(tmp_path, tiny_vae_run, tiny_gan_run):
    newer = copy_run(tiny_vae_run, tmp_path / "newer")
    cfg = json.loads((newer / "config.json").read_text())
    write_json(newer / "config.json", {**cfg, "format": FORMAT_VERSION + 1})
    with pytest.raises(RunError, match="newer genlib"):
        load_vae(newer)
    missing = copy_run(tiny_vae_run, tmp_path / "missing")
    (missing / "config.json").unlink()
    with pytest.raises(RunError, match="config.json is missing"):
        sample_run(missing, 4)
    with pytest.raises(RunError, match="is a GAN run, not a VAE run"):
        load_vae(tiny_gan_run)
    runs, problems = scan_runs(tmp_path)
    assert [p for p, _ in problems] == [str(newer)]  # the damaged run is reported, the others unaffected


def test_epoch_out_of_range_is_explained(tiny_gan_run):
    with pytest.raises(RunError, match="no weights for epoch 9; available: 1, 2, 3"):
        load_generator(tiny_gan_run, 9)


@pytest.mark.parametrize("name", ["../evil", "a/b", "x\x00y", "\nname", "a" * 500, "", ".hidden"])
def test_unsafe_run_names_are_rejected(name):
    with pytest.raises(RunError, match="not allowed"):
        safe_run_name(name)


def test_safe_run_names_pass():
    assert safe_run_name("vae-beta_0.5") == "vae-beta_0.5"


def test_a_kill_between_saving_state_and_history_keeps_a_matching_resume_point(tmp_path):
    import shutil
    import threading

    from genlib.training.configs import VAETrainConfig
    from genlib.models import VAEConfig
    from genlib.training.progress import EpochDone
    from genlib.training.fit import fit

    cfg, model = VAETrainConfig(metric_samples=0, epochs=3, train_limit=256, device="cpu"), VAEConfig(latent_dim=3, hidden=32)
    stop = threading.Event()
    fit("vae", model, cfg, tmp_path / "r", stop=stop, report=lambda e: isinstance(e, EpochDone) and e.epoch == 2
            and stop.set())
    run = Run(tmp_path / "r")
    # epoch 3's state and weights landed, then the process died before its history was written
    shutil.copy(run.state_path(2), run.state_path(3))
    shutil.copy(run.weights_path(2), run.weights_path(3))
    assert run.epochs_done() == 2 and run.resume_state_path() == run.state_path(2)
    result = fit("vae", model, cfg, tmp_path / "r")
    assert result.status == "complete" and [e["epoch"] for e in result.epochs] == [1, 2, 3]
    assert [p.name for p in (tmp_path / "r").glob("state_*.pt")] == ["state_003.pt"]


# ---- epochs written beside the next epoch's training (genlib.training.writer) ----

def test_an_epoch_is_written_as_it_was_when_it_finished(tmp_path):
    """The writer works while the next epoch's steps change the live tensors in place: it must be given copies."""
    import threading
    from dataclasses import asdict

    import numpy as np

    from genlib.models import VAEConfig
    from genlib.training.configs import VAETrainConfig
    from genlib.training.progress import StepLog
    from genlib.training.session import RunSession

    session = RunSession("vae", asdict(VAEConfig()), VAETrainConfig(), tmp_path / "r", None, None, torch.device("cpu"))
    exp_avg, held = torch.zeros(1000), threading.Event()
    session.writer.submit(held.wait)  # the writer is busy, so the next step's change comes before the write
    session.save_epoch({"epoch": 1}, np.zeros((8, 8), np.uint8), {"model": {"w": torch.ones(3)}},
                       {"opt": {"exp_avg": exp_avg}}, StepLog(("loss",)), keep_every_epoch=False)
    exp_avg.add_(1)  # the next optimiser step
    held.set()
    session.finish("complete", "", StepLog(("loss",)), {})
    run = Run(tmp_path / "r")
    assert torch.equal(load_tensors(run.state_path(1))["opt"]["exp_avg"], torch.zeros(1000))
    assert run.history()["status"] == "complete" and run.epochs_done() == 1


def test_a_failed_epoch_write_ends_training_with_its_error_and_no_later_epoch_is_listed(tmp_path, monkeypatch):
    from genlib.models import VAEConfig
    from genlib.training.configs import VAETrainConfig
    from genlib.training.fit import fit

    written = Run.save_epoch

    def disk_full_at_epoch_2(self, epoch, *args, **kwargs):
        if epoch == 2:
            raise OSError(28, "No space left on device")
        return written(self, epoch, *args, **kwargs)

    monkeypatch.setattr(Run, "save_epoch", disk_full_at_epoch_2)
    cfg = VAETrainConfig(metric_samples=0, epochs=4, train_limit=256, device="cpu")
    with pytest.raises(OSError, match="No space left on device"):
        fit("vae", VAEConfig(latent_dim=3, hidden=32), cfg, tmp_path / "r")
    run = Run(tmp_path / "r")
    assert run.epochs_done() == 1 and run.resume_state_path() == run.state_path(1)  # nothing after the failure
    assert not run.state_path(3).exists() and not run.state_path(4).exists()


def test_a_compacted_run_ships_without_its_writer_lock(tmp_path, tiny_gan_run):
    run_dir = copy_run(tiny_gan_run, tmp_path / "shipped")
    assert (run_dir / "writer.lock").is_file()  # the last writer's name, left by training
    Run(run_dir).compact(keep_weights=(3,), keep_all_grids=True)
    assert not (run_dir / "writer.lock").exists() and not list(run_dir.glob("state_*.pt"))
    assert Run(run_dir).history()["status"] == "complete" and Run(run_dir).epochs_with_weights() == [3]
