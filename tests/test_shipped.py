"""What a fresh clone opens with: the shipped runs and their precomputed metrics."""
import json

from conftest import ROOT
from genlib.runs.store import Run, scan_runs
from genlib.evaluation.evaluate import EVAL_VERSION
from genlib.pretrain import (DISCRIMINATOR_EPOCHS, GAN_EPOCHS, GAN_VARIANTS, GAN_WEIGHT_EPOCHS, SHIPPED_DIR,
                                  SWEEP_2D_BETAS, SWEEP_BETAS, VARIANT_WEIGHT_EPOCHS)


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


def test_the_small_gan_ships_once_per_loss_with_only_the_loss_differing():
    bce = Run(SHIPPED_DIR / "gan-small").config()
    assert bce["model"].get("loss", "bce") == "bce"
    assert Run(SHIPPED_DIR / "gan-small").epochs_with_weights("D") == list(DISCRIMINATOR_EPOCHS)
    for loss in GAN_VARIANTS:
        run = Run(SHIPPED_DIR / f"gan-small-{loss}")
        cfg = run.config()
        assert cfg["model"] == {**bce["model"], "loss": loss} and cfg["train"] == bce["train"]
        assert run.history()["status"] == "complete" and run.epochs_done() == GAN_EPOCHS
        assert all(run.grid_path(e).is_file() and "fid" in r for e, r in enumerate(run.history()["epochs"], 1))
        assert run.epochs_with_weights() == list(VARIANT_WEIGHT_EPOCHS)
        assert run.epochs_with_weights("D") == list(VARIANT_WEIGHT_EPOCHS)


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
