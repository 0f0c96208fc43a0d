"""What a fresh clone opens with: the shipped runs and their precomputed metrics."""
import json

from conftest import ROOT
from genlib.runs.store import Run, scan_runs
from genlib.evaluation.evaluate import EVAL_VERSION
from genlib.runs.shipped import GAN_WEIGHT_EPOCHS, SHIPPED_DIR, SWEEP_2D_BETAS, SWEEP_BETAS


def metrics_of(path) -> dict:
    return json.loads((path / "eval.json").read_text())


def test_the_sweeps_and_the_gan_history_are_all_there_and_complete():
    runs, problems = scan_runs(SHIPPED_DIR)
    assert problems == [] and all(r.status == "complete" for r in runs)
    for latent, betas in ((16, SWEEP_BETAS), (2, SWEEP_2D_BETAS)):
        assert sorted(r.kl_weight for r in runs if r.kind == "vae" and r.latent_dim == latent) == list(betas)
    gan = Run(SHIPPED_DIR / "gan-small")
    epochs = gan.epochs_done()
    assert all(gan.grid_path(e).is_file() for e in range(1, epochs + 1))          # a grid for every epoch
    assert gan.epochs_with_weights() == [e for e in GAN_WEIGHT_EPOCHS if e <= epochs]
    assert all("fid" in r for r in gan.history()["epochs"])                         # metrics for every epoch


def test_every_shipped_run_is_scored_already():
    for cfg in SHIPPED_DIR.rglob("config.json"):
        assert metrics_of(cfg.parent)["version"] == EVAL_VERSION, cfg.parent


def test_the_lesson_shows_in_the_shipped_numbers():
    ae, vae = metrics_of(SHIPPED_DIR / "vae-z16" / "beta-0"), metrics_of(SHIPPED_DIR / "vae-z16" / "beta-1")
    assert ae["fid"] >= 3 * vae["fid"]
    gan = metrics_of(SHIPPED_DIR / "gan-small")
    assert gan["classes_covered"] == 10


def test_shipped_checkpoints_stay_under_40_mb():
    files = [p for d in (SHIPPED_DIR, ROOT / "checkpoints" / "judge") for p in d.rglob("*") if p.is_file()]
    assert sum(p.stat().st_size for p in files) < 40_000_000
