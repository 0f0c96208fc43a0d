import dataclasses
import math
import threading

import pytest
import torch

from genlib.models import ClassifierConfig, GANConfig, VAE, VAEConfig
from genlib.models.vae import EVAL_BATCH
from genlib.runs.store import Run
from genlib.training.configs import ClassifierTrainConfig, GANTrainConfig, VAETrainConfig
from genlib.training.progress import EpochDone, Progress
from genlib.loading import load_generator, load_vae
from genlib.training.fit import fit

SMALL_VAE = VAEConfig(latent_dim=4, hidden=64)


def vae_cfg(**kw):
    return VAETrainConfig(**{"metric_samples": 0, "epochs": 2, "train_limit": 512, "device": "cpu", **kw})


def cpu_weights(model) -> dict:
    return {k: v.cpu() for k, v in model.state_dict().items()}


def test_one_optimiser_step_changes_the_weights(device):
    from genlib.training.session import seeded
    fresh = seeded(0, lambda: VAE(SMALL_VAE)).state_dict()  # the init fit makes from seed 0
    after = cpu_weights(fit("vae", SMALL_VAE, vae_cfg(epochs=1, train_limit=128, batch_size=128,
                                                      device=device)).models["vae"])
    changed = [k for k, v in after.items() if not torch.equal(v, fresh[k])]
    assert set(changed) == set(fresh)  # every tensor moved after one step


@pytest.mark.parametrize("arch", ["small", "infogan"])
def test_gan_step_changes_both_networks(device, arch):
    from genlib.models import Discriminator, Generator
    from genlib.training.session import seeded
    cfg = GANConfig(arch=arch)
    G0, D0 = seeded(0, lambda: Generator(cfg)), seeded(1, lambda: Discriminator(cfg))
    result = fit("gan", cfg, GANTrainConfig(epochs=1, train_limit=128, device=device, metric_samples=0))
    for fresh, trained in ((G0, result.models["G"]), (D0, result.models["D"])):
        w0, w1 = fresh.state_dict(), cpu_weights(trained)
        assert any(not torch.equal(w0[k], w1[k]) for k in w0 if w0[k].is_floating_point())
    assert all(torch.isfinite(torch.tensor(result.steps[k])).all() for k in result.steps)


@pytest.mark.parametrize("arch", ["mlp", "conv"])
def test_training_is_reproducible(device, arch):
    model = VAEConfig(latent_dim=4, hidden=64, arch=arch)
    a = cpu_weights(fit("vae", model, vae_cfg(device=device)).models["vae"])
    b = cpu_weights(fit("vae", model, vae_cfg(device=device)).models["vae"])
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_callback_reports_steps_and_epochs(tmp_path):
    events = []
    fit("vae", SMALL_VAE, vae_cfg(), tmp_path / "r", report=events.append)
    epochs = [e for e in events if isinstance(e, EpochDone)]
    steps = [e for e in events if isinstance(e, Progress)]
    assert [e.epoch for e in epochs] == [1, 2]
    assert sum(len(e.series["recon"]) for e in steps) == 2 * 4  # 512 images / batch 128, 2 epochs
    assert epochs[-1].grid.shape == (8 * 30 + 2, 8 * 30 + 2)
    assert {"train_recon", "test_recon", "train_kl", "test_kl", "seconds"} <= set(epochs[-1].record)


def test_stop_flag_is_honoured_within_a_batch(tmp_path, device):
    stop = threading.Event()

    def report(event):
        if isinstance(event, EpochDone):
            stop.set()

    result = fit("vae", SMALL_VAE, vae_cfg(epochs=5, device=device), tmp_path / "r", report=report, stop=stop)
    assert result.status == "stopped" and len(result.epochs) == 1
    assert Run(tmp_path / "r").history()["status"] == "stopped"
    load_vae(tmp_path / "r")  # the finished epoch stays loadable


CLASSIFIER = ClassifierTrainConfig(epochs=3, train_limit=512, batch_size=128)
RESUMABLE = {  # name: (kind, model config, training config, the model to compare)
    "vae-bf16": ("vae", SMALL_VAE, vae_cfg(epochs=3, step_precision="bf16"), "vae"),
    "vae-fp32": ("vae", SMALL_VAE, vae_cfg(epochs=3, step_precision="fp32"), "vae"),
    "gan": ("gan", GANConfig(arch="small"), GANTrainConfig(epochs=3, train_limit=256, metric_samples=0), "G"),
    "classifier": ("classifier", ClassifierConfig(), CLASSIFIER, "classifier"),
}


@pytest.mark.parametrize("case", RESUMABLE)
def test_stopped_run_resumes_to_the_same_weights(tmp_path, device, case):
    kind, model_cfg, train_cfg, name = RESUMABLE[case]
    train_cfg = dataclasses.replace(train_cfg, device=device)
    straight = cpu_weights(fit(kind, model_cfg, train_cfg).models[name])
    stop = threading.Event()
    stopped = fit(kind, model_cfg, train_cfg, tmp_path / "r", stop=stop,
                  report=lambda e: isinstance(e, EpochDone) and e.epoch == 2 and stop.set())
    assert stopped.status == "stopped" and "epochs 1-2 are kept" in stopped.message
    history = Run(tmp_path / "r").history()
    assert history["status"] == "stopped" and len(history["epochs"]) == 2  # the stop is recorded, not "running"
    resumed = fit(kind, model_cfg, train_cfg, tmp_path / "r")
    assert resumed.status == "complete" and [e["epoch"] for e in resumed.epochs] == [1, 2, 3]
    assert len(resumed.steps[next(iter(resumed.steps))]) == 3 * len(stopped.steps[next(iter(stopped.steps))]) / 2
    weights = cpu_weights(resumed.models[name])
    assert all(torch.equal(straight[k], weights[k]) for k in straight)


# epoch 1 calls the loss in its 4 training steps and in its evaluation batches: 1 of the 512 training images and
# those of the 10,000 test images; the poison starts in epoch 2's training, or in its evaluation
EPOCH_1_CALLS = 4 + 1 + math.ceil(10_000 / EVAL_BATCH)


@pytest.mark.parametrize("healthy_calls", [EPOCH_1_CALLS, EPOCH_1_CALLS + 4 + 1])
def test_nan_loss_stops_the_run_and_keeps_the_last_good_epoch(tmp_path, monkeypatch, healthy_calls):
    original = VAE.loss
    calls = {"n": 0}

    def poisoned(x, out, kl_weight):
        calls["n"] += 1
        loss = original(x, out, kl_weight)
        if calls["n"] > healthy_calls:
            return loss._replace(total=loss.total * float("nan"), recon=loss.recon * float("nan"))
        return loss

    monkeypatch.setattr(VAE, "loss", staticmethod(poisoned))
    result = fit("vae", SMALL_VAE, vae_cfg(epochs=3), tmp_path / "r")
    assert result.status == "diverged" and "epoch 2" in result.message and "Lower the learning rate" in result.message
    run = Run(tmp_path / "r")
    assert run.history()["status"] == "diverged" and run.epochs_done() == 1
    monkeypatch.undo()
    vae = load_vae(tmp_path / "r")
    assert all(torch.isfinite(p).all() for p in vae.parameters())


def test_gan_keeps_a_generator_per_epoch(tiny_gan_run):
    run = Run(tiny_gan_run)
    assert run.epochs_with_weights() == [1, 2, 3]
    assert [e["epoch"] for e in run.history()["epochs"]] == [1, 2, 3]
    assert {"d_loss", "g_loss", "d_real", "d_fake"} <= set(run.steps())
    first, last = load_generator(tiny_gan_run, 1), load_generator(tiny_gan_run, 3)
    assert any(not torch.equal(a, b) for a, b in zip(first.state_dict().values(), last.state_dict().values()))
    assert all(run.grid_path(e).is_file() for e in (1, 2, 3))


def test_one_epoch_vae_samples_look_like_digits():
    from genlib.evaluation.references import NOISE_ROW, evaluate_images, reference_fids
    result = fit("vae", VAEConfig(latent_dim=16), VAETrainConfig(metric_samples=0, epochs=1, kl_weight=1.0, device="cpu"))
    quality = evaluate_images(result.models["vae"].eval().sample(2000, torch.Generator().manual_seed(0)))
    # measured here: 10 classes, IS 3.8, FID 579 (noise 1083, blurred digits 306): blurry but digit-shaped
    assert quality["classes_covered"] == 10 and quality["inception_score"] > 3
    assert quality["fid"] < reference_fids()[NOISE_ROW] / 1.5


def test_a_new_run_records_the_cpu_it_trained_on(tmp_path):
    from genlib.devices import cpu_name

    fit("vae", VAEConfig(latent_dim=2, hidden=16), VAETrainConfig(epochs=1, train_limit=256, metric_samples=0,
                                                                   device="cpu"), tmp_path / "r")
    recorded = Run(tmp_path / "r").config()["provenance"]["cpu"]
    assert recorded == cpu_name() and recorded  # the processor's name, kept from the run's creation on
