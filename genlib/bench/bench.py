"""python -m genlib bench: our loops beside the classic loops they replace, in one process and one run.

Speed is only ever reported as a ratio to a reference measured here and now, on the same machine.
"""
from __future__ import annotations

import dataclasses
import tempfile
import threading
import time

import numpy as np
import torch

from .. import images
from ..devices import describe, pick_device
from ..evaluation import latent
from ..models import GANConfig, VAE, VAEConfig
from ..training.configs import GANTrainConfig, VAETrainConfig
from ..training.fit import fit
from . import classic_loops

MNIST_STEPS_AT_64 = 60000 // 64
PHASES = ("steps", "eval", "metrics", "save")


def _fit_epochs(kind: str, model_cfg, train_cfg, epochs: int) -> tuple[float, list[dict]]:
    """Wall seconds of a whole CLI-like run (data, models, every epoch with its extras and saves) and its
    per-epoch phase times."""
    from ..training.progress import EpochDone

    phases = []

    def report(event):
        if isinstance(event, EpochDone):
            phases.append({**{p: event.record[f"{p}_seconds"] for p in PHASES[:-1]}, "save": event.save_seconds})

    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        fit(kind, model_cfg, dataclasses.replace(train_cfg, epochs=epochs), f"{folder}/run", report)
        return time.perf_counter() - started, phases


def in_fresh_thread(fn, *args):
    """fn(*args) in a new thread with denormals computed in full, as a thread starts elsewhere: the classic loops
    run as they would on their own, ours as fit() sets its threads, and neither inherits the other's setting."""
    out = {}

    def target():
        torch.set_flush_denormal(False)
        out["value"] = fn(*args)

    worker = threading.Thread(target=target, name="bench")
    worker.start()
    worker.join()
    return out["value"]


def steady_state(run) -> float:
    """Seconds per epoch once started: (4-epoch wall time - 2-epoch wall time) / 2, so start-up cancels.

    A 1-epoch run first pays what only a process's first run pays (imports, reading the data, loading the
    judge): left in the 4-epoch run, it would count as two epochs' worth of time."""
    run(1)
    return (run(4) - run(2)) / 2


def breakdown(phases: list[dict]) -> dict:
    """Mean seconds per phase over the epochs after the first (which warms caches up)."""
    later = phases[1:] or phases
    return {p: float(np.mean([e[p] for e in later])) for p in PHASES}


def _vae_row(device: torch.device, quick: bool) -> dict:
    model = VAEConfig(latent_dim=20, hidden=400)
    train = VAETrainConfig(batch_size=128, device=str(device), train_limit=50 * 128 if quick else None)
    if quick:  # a slice of an epoch: checks it runs and matches, times nothing worth printing
        ref_times, ref_loss = classic_loops.examples_vae_epochs(1, device, max_batches=50)
        result = fit("vae", model, dataclasses.replace(train, epochs=1))
        ref_s, ours_s, parts = ref_times[0], result.epochs[0]["seconds"], {}
    else:
        ref_s = steady_state(lambda n: sum(in_fresh_thread(classic_loops.examples_vae_epochs, n, device)[0]))
        ours_s = steady_state(lambda n: in_fresh_thread(_fit_epochs, "vae", model, train, n)[0])
        parts = breakdown(in_fresh_thread(_fit_epochs, "vae", model, train, 3)[1])
        ref_loss = in_fresh_thread(classic_loops.examples_vae_epochs, 10, device)[1]
        result = in_fresh_thread(fit, "vae", model, dataclasses.replace(train, epochs=10, metric_samples=0))
    ours_loss = result.epochs[-1]["test_recon"] + result.epochs[-1]["test_kl"]
    tolerance = 5.0 if quick else 1.0
    return {"task": "VAE 784-400-20 MLP, batch 128 (pytorch/examples), whole epoch", "reference_s": ref_s,
            "ours_s": ours_s, "breakdown": parts, "reference_test_loss": ref_loss, "ours_test_loss": ours_loss,
            "match": abs(ref_loss - ours_loss) <= tolerance, "match_rule": f"test loss within {tolerance} nat"}


def _infogan_row(device: torch.device, quick: bool) -> dict:
    iterations = 10 if quick else (None if device.type == "cuda" else 200)
    ref_s, ref_losses = in_fresh_thread(classic_loops.homework_gan_iterations, iterations, device)
    n = 64 * (iterations or MNIST_STEPS_AT_64)
    result = in_fresh_thread(fit, "gan", GANConfig(arch="infogan"),
                             GANTrainConfig(epochs=1, device=str(device), train_limit=n, metric_samples=0))
    scale = MNIST_STEPS_AT_64 / (iterations or MNIST_STEPS_AT_64)
    ref_d, ours_d = np.mean(ref_losses["d_loss"]), float(np.mean(result.steps["d_loss"]))
    return {"task": f"GAN infogan arch (the homework's loop), batch 64 ({iterations or 'full'} iterations, per epoch)",
            "reference_s": ref_s * scale, "ours_s": result.epochs[0]["seconds"] * scale,
            "reference_mean_d_loss": float(ref_d), "ours_mean_d_loss": ours_d,
            "match": bool(np.isfinite(ours_d) and abs(ref_d - ours_d) <= 0.25 * ref_d),
            "match_rule": "mean D loss within 25 %"}


def _small_gan_row(device: torch.device, quick: bool) -> dict:
    model, train = GANConfig(arch="small"), GANTrainConfig(device=str(device), train_limit=64 * 100 if quick else None)
    if quick:
        result = fit("gan", model, dataclasses.replace(train, epochs=1, metric_samples=0))
        ours_s, parts, finite = result.epochs[0]["seconds"], {}, bool(np.isfinite(result.steps["d_loss"]).all())
    else:
        ours_s = steady_state(lambda n: in_fresh_thread(_fit_epochs, "gan", model, train, n)[0])
        parts, finite = breakdown(in_fresh_thread(_fit_epochs, "gan", model, train, 3)[1]), True
    return {"task": "GAN small arch, batch 64 (ours only), whole epoch", "reference_s": None, "ours_s": ours_s,
            "breakdown": parts, "match": finite, "match_rule": "finite losses"}


def _time_ms(fn, repeats: int = 20) -> float:
    fn()  # warm up
    started = time.perf_counter()
    for _ in range(repeats):
        fn()
    return 1000 * (time.perf_counter() - started) / repeats


def _interactive_rows() -> list[dict]:
    vae = VAE(VAEConfig(latent_dim=16, hidden=256)).eval()
    z0, z1 = torch.randn(16), torch.randn(16)
    grid_png = images.png_bytes(images.grid(torch.rand(64, 1, 28, 28)))

    def decode_point():
        with torch.no_grad():
            images.png_bytes(images.to_uint8(vae.decode(z0[None])[0]), scale=8)

    def strip():
        with torch.no_grad():
            images.png_bytes(images.grid(vae.decode(latent.interpolate(z0, z1, 10)), nrow=10), scale=2)

    def epoch_grid():
        images.png_bytes(images.read_png(grid_png), scale=3)

    return [{"task": f"interactive: {name}", "reference_s": None, "ours_s": _time_ms(fn) / 1000, "match": True,
             "match_rule": "-"} for name, fn in (("decode one latent point to PNG", decode_point),
                                                 ("one interpolation strip", strip),
                                                 ("one epoch-grid load", epoch_grid))]


def run_bench(device: str | None = None, quick: bool = False, report=lambda text: None) -> list[dict]:
    dev = pick_device(device)
    rows = []
    for name, make in (("vae", _vae_row), ("infogan gan", _infogan_row), ("small gan", _small_gan_row)):
        report(f"bench: {name}…")
        rows.append(make(dev, quick))
    rows += _interactive_rows()
    for row in rows:
        row["device"] = describe(dev)
        row["ratio"] = row["reference_s"] / row["ours_s"] if row["reference_s"] else None
    return rows


def table(rows: list[dict]) -> str:
    lines = ["| task | reference s/epoch | ours s/epoch | ratio (×faster) | ours: steps / eval / metrics / save (s) "
             "| extras share | device | results match |", "| --- | ---: | ---: | ---: | --- | ---: | --- | --- |"]
    for r in rows:
        ref = f"{r['reference_s']:.2f}" if r["reference_s"] else "-"
        ours = f"{r['ours_s'] * 1000:.1f} ms" if r["task"].startswith("interactive") else f"{r['ours_s']:.2f}"
        ratio = f"{r['ratio']:.2f}" if r["ratio"] else "-"
        parts = r.get("breakdown") or {}
        split = " / ".join(f"{parts[p]:.2f}" for p in PHASES) if parts else "-"
        extras = f"{1 - parts['steps'] / sum(parts.values()):.0%}" if parts else "-"
        lines.append(f"| {r['task']} | {ref} | {ours} | {ratio} | {split} | {extras} | {r['device']} | "
                     f"{r['match']} ({r['match_rule']}) |")
    return "\n".join(lines)
