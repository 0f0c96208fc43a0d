import json
import subprocess
import sys

import numpy as np
import pytest

from conftest import ROOT


def genlib(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "genlib", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)


def test_train_sample_and_list_end_to_end(tmp_path):
    out = tmp_path / "runs" / "v"
    res = genlib("train", "vae", "--kl-weight", 0.5, "--latent-dim", 3, "--epochs", 1, "--out", out,
                 "--hidden", 32, "--train-limit", 256, "--device", "cpu", "--seed", 1)
    assert res.returncode == 0, res.stderr
    assert "epoch 1/1" in res.stderr  # the progress bar
    res = genlib("sample", out, "--n", 10, "--out", tmp_path / "s.npy")
    assert res.returncode == 0, res.stderr
    samples = np.load(tmp_path / "s.npy")
    assert samples.shape == (10, 28, 28) and samples.dtype == np.float32
    assert samples.min() >= 0 and samples.max() <= 1
    res = genlib("list", "--root", tmp_path / "runs")
    rows = [json.loads(line) for line in res.stdout.splitlines()]
    assert len(rows) == 1 and rows[0]["kind"] == "vae" and rows[0]["kl_weight"] == 0.5
    assert rows[0]["epochs"] == 1 and rows[0]["arch"] == "mlp" and rows[0]["path"] == str(out)


def test_gan_train_and_sample_an_epoch(tmp_path):
    out = tmp_path / "g"
    res = genlib("train", "gan", "--arch", "small", "--epochs", 2, "--out", out, "--train-limit", 128,
                 "--batch-size", 64, "--lr", "1e-4", "--device", "cpu", "--metric-samples", 0)
    assert res.returncode == 0, res.stderr
    for epoch in (1, 2):
        res = genlib("sample", out, "--n", 5, "--out", tmp_path / f"e{epoch}.npy", "--epoch", epoch)
        assert res.returncode == 0, res.stderr
    assert not np.array_equal(np.load(tmp_path / "e1.npy"), np.load(tmp_path / "e2.npy"))
    res = genlib("train", "gan", "--out", out, "--epochs", 3, "--resume", "--metric-samples", 0)
    assert res.returncode == 0, res.stderr
    assert json.loads((out / "history.json").read_text())["epochs"][-1]["epoch"] == 3


@pytest.mark.parametrize("args, message", [
    (["train", "vae", "--epochs", 0, "--out", "X"], "--epochs must be between 1"),
    (["train", "vae", "--latent-dim", 0, "--out", "X"], "--latent-dim must be a whole number between 1"),
    (["train", "vae", "--kl-weight", -1, "--out", "X"], "--kl-weight must be in [0, 10000], got -1"),
    (["train", "vae", "--lr", "fast", "--out", "X"], "--lr must be a number, got 'fast'"),
    (["train", "gan", "--lr", 0, "--out", "X"], "--lr-g must be in (0, 1], got 0"),
    (["train", "gan", "--arch", "huge", "--out", "X"], "--arch 'huge' is not a GAN architecture"),
    (["train", "gan", "--loss", "wgan", "--out", "X"],
     "--loss 'wgan' is not a GAN loss; choose one of bce, minimax, lsgan, wgan-gp, hinge"),
    (["train", "gan", "--batch-size", 512, "--train-limit", 100, "--out", "X"], "--batch-size (512) is larger"),
    (["train", "classifier", "--epochs", "two", "--out", "X"], "--epochs must be a whole number, got 'two'"),
    (["sample", "/nonexistent/run", "--out", "x.npy"], "config.json is missing"),
    (["train", "vae", "--bogus", "--out", "X"], "unrecognized arguments: --bogus"),
])
def test_bad_input_exits_nonzero_with_one_line(tmp_path, args, message):
    res = genlib(*[str(tmp_path / a) if a == "X" else a for a in args])
    assert res.returncode == 2
    assert message in res.stderr and len(res.stderr.strip().splitlines()) == 1
    assert "Traceback" not in res.stderr and not (tmp_path / "X").exists()


def test_eval_prints_every_metric_as_json(tiny_vae_run, tiny_gan_run):
    res = genlib("eval", tiny_vae_run, "--n", 300)
    assert res.returncode == 0, res.stderr
    vae = json.loads(res.stdout)
    for key in ("fid", "classes_covered", "class_kl", "confident_rate", "inception_score", "recon", "kl",
                "active_units", "aggregate_kl", "fid_fitted_gaussian", "interp_path_ratio", "interp_jumpiness",
                "recon_gap", "nn_ratio", "reference_fid"):
        assert key in vae, key
    res = genlib("eval", tiny_gan_run, "--epoch", 2, "--n", 300)
    gan = json.loads(res.stdout)
    assert gan["epoch"] == 2 and {"fid", "classes_covered", "nn_ratio"} <= set(gan)


def test_help_shows_every_setting_with_its_default_and_meaning():
    res = genlib("train", "gan", "--help")
    assert res.returncode == 0
    text = " ".join(res.stdout.split())
    assert "--lr-g LR_G the generator's Adam learning rate, as in the homework (default: 0.0002)" in text
    assert "--arch ARCH small: an MLP pair sized for a 2-core CPU" in text and "(default: small)" in text
    assert "--lr LR sets --lr-g and --lr-d together" in text
    assert "--loss LOSS bce (the homework's), minimax (the GAN paper's saturating G loss)" in text and "(default: bce)" in text


def test_readme_lists_exactly_the_flags_the_cli_has():
    """The README's flag list is written by hand and the parser is generated: this keeps them one list."""
    import re

    listed = re.search(r"Every `train` takes (.*?)\n\n", (ROOT / "README.md").read_text(), re.S).group(1)
    common = set(re.findall(r"--[a-z0-9-]+", listed.split("adds")[0]))
    for kind in ("vae", "gan", "classifier"):
        added = re.search(rf"`{kind}` adds (.*?)(;|\.\s|$)", listed, re.S).group(1)
        flags = set(re.findall(r"--[a-z0-9-]+", genlib("train", kind, "--help").stdout)) - {"--help"}
        assert flags == common | set(re.findall(r"--[a-z0-9-]+", added)), kind


def test_classifier_trains_stops_and_resumes_from_the_cli(tmp_path):
    out = tmp_path / "judge"
    res = genlib("train", "classifier", "--epochs", 1, "--train-limit", 512, "--out", out, "--device", "cpu")
    assert res.returncode == 0, res.stderr
    res = genlib("train", "classifier", "--epochs", 2, "--out", out, "--resume")
    assert res.returncode == 0, res.stderr
    history = json.loads((out / "history.json").read_text())
    assert history["status"] == "complete" and [e["epoch"] for e in history["epochs"]] == [1, 2]


@pytest.mark.parametrize("engine", [[], ["--ray"]], ids=["threads", "ray"])
def test_a_sweep_is_one_command_with_one_run_per_value(tmp_path, engine):
    out = tmp_path / "sweep"
    res = genlib("sweep", "vae", "--kl-weight", "0,1", "--latent-dim", 2, "--hidden", 16, "--epochs", 2,
                 "--train-limit", 256, "--metric-samples", 0, "--device", "cpu", "--out", out, *engine)
    assert res.returncode == 0, res.stderr
    assert "kl_weight-0: complete (2 epochs) | kl_weight-1: complete (2 epochs)" in res.stderr
    for beta in (0, 1):
        saved = json.loads((out / f"kl_weight-{beta}" / "config.json").read_text())
        assert saved["train"]["kl_weight"] == beta and saved["model"]["latent_dim"] == 2
    res = genlib("sweep", "vae", "--kl-weight", "0,x", "--out", tmp_path / "bad")
    assert res.returncode == 2 and "--kl-weight must be a number, got 'x'" in res.stderr
