"""The shipped runs: one seeded plan that regenerates every run under checkpoints/shipped/.

    python -m genlib pretrain            # everything missing (the homework's GAN alone: about 3 h on 2 CPU cores)
    python -m genlib pretrain --force    # retrain everything

Shipped runs are compacted to keep checkpoints/ under 64 MiB: no resume state, weights stored as float16
(samples unchanged to the eye, FID within 1 %), VAE runs keep only their last epoch's grid (the pages show
no other), and the GANs keep the generator and discriminator of a documented subset of epochs (every epoch
keeps its grid and metrics). The small GAN ships once per loss, all on the same fixed noise: gan-small is the
homework's bce, gan-small-LOSS the variants. gan-infogan is the homework itself: its conv nets, 50 epochs,
the generators of epochs 10 and 50 (the two it compares; 13 MB each even in float16, so no discriminator).

This module sits above runs/, training/ and evaluation/: it trains, scores and deletes run folders.
"""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import GenlibError
from .models import GANConfig, VAEConfig
from .runs.store import JUDGE_DIR, SHIPPED_DIR, Run
from .training.configs import GANTrainConfig, VAETrainConfig
from .training.sweep import Planned, run_all

SWEEP_BETAS = (0.0, 0.001, 0.01, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0)
SWEEP_2D_BETAS = (0.0, 0.01, 0.1, 1.0, 4.0)
VAE_EPOCHS = 15
VAE_HIDDEN = 256          # 784-256-D: as good as 400 wide here, and 40 % smaller to ship
GAN_EPOCHS = 20
GAN_WEIGHT_EPOCHS = (1, 2, 3, 5, 10, 15, 20)  # generators shipped; grids and metrics ship for every epoch
GAN_VARIANTS = ("lsgan", "hinge", "wgan-gp")  # the small GAN's other losses, shipped beside bce
DISCRIMINATOR_EPOCHS = (1, 5, 20)             # bce's discriminators shipped (slow motion starts from these epochs)
VARIANT_WEIGHT_EPOCHS = (GAN_EPOCHS,)         # the variants' G and D: the last epoch only, to fit the checkpoints budget
# the shipped VAEs were trained with fp32 steps: a regeneration gives the runs that ship (bf16 steps, the default
# on CPUs that have them, would move their numbers by a few tenths of a nat)
SHIPPED_STEP_PRECISION = "fp32"
HOMEWORK_GAN = "gan-infogan"      # the homework's own GAN: its conv nets and settings, trained for its 50 epochs
HOMEWORK_EPOCHS = 50
HOMEWORK_COMPARED = (10, 50)      # the epochs the homework compares: their generators ship


@dataclass
class ShippedRun(Planned):
    keep_weights: tuple[int, ...] | None = None   # None: every saved epoch
    keep_all_grids: bool = False                  # False: only the last epoch's grid
    keep_discriminator: tuple[int, ...] | None = ()  # a GAN's discriminators kept (None: every epoch)


def plan(device: str = "auto") -> list[ShippedRun]:
    runs = []
    for latent, betas in ((16, SWEEP_BETAS), (2, SWEEP_2D_BETAS)):
        for beta in betas:
            runs.append(ShippedRun(f"vae-z{latent}/beta-{beta:g}", "vae",
                                VAEConfig(latent_dim=latent, arch="mlp", hidden=VAE_HIDDEN),
                                VAETrainConfig(kl_weight=beta, epochs=VAE_EPOCHS, device=device,
                                               step_precision=SHIPPED_STEP_PRECISION)))
    runs.append(ShippedRun(HOMEWORK_GAN, "gan", GANConfig(arch="infogan"),
                           GANTrainConfig(epochs=HOMEWORK_EPOCHS, device=device), keep_weights=HOMEWORK_COMPARED,
                           keep_all_grids=True))
    runs.append(ShippedRun("gan-small", "gan", GANConfig(arch="small"), GANTrainConfig(epochs=GAN_EPOCHS, device=device),
                           keep_weights=GAN_WEIGHT_EPOCHS, keep_all_grids=True, keep_discriminator=DISCRIMINATOR_EPOCHS))
    for loss in GAN_VARIANTS:  # the same small pair, seed and noise: only the loss differs
        runs.append(ShippedRun(f"gan-small-{loss}", "gan", GANConfig(arch="small", loss=loss),
                               GANTrainConfig(epochs=GAN_EPOCHS, device=device), keep_weights=VARIANT_WEIGHT_EPOCHS,
                               keep_all_grids=True, keep_discriminator=VARIANT_WEIGHT_EPOCHS))
    return runs


def pretrain(engine, root: Path = SHIPPED_DIR, device: str = "auto", force: bool = False, show=lambda jobs: None,
             announce=lambda text: None, stop=None) -> list[Path]:
    """Train what is missing of the plan on the engine (in parallel where it has room), then compact and score."""
    from .evaluation.references import reference_fids, save_reference_fids

    todo, adopted = [], []
    for item in plan(device):
        run = Run(Path(root) / item.name)
        if run.exists() and not force and run.history().get("status") == "complete":
            if run.resume_state_path() is None:
                announce(f"{item.name}: already there, skipped")
            else:  # finished elsewhere (the CLI, resumed across days) and not compacted yet: ship it as it is
                adopted.append(item)
            continue
        if run.path.exists():
            shutil.rmtree(run.path)
        todo.append(item)
    announce(f"training {len(todo)} run(s)")
    ended = run_all(engine, f"pretrain-{os.getpid()}", todo, root, show, stop)
    failed = [f"{Path(j.run_dir).name}: {j.message}" for j in ended if j.status != "complete"]
    if failed:
        raise GenlibError("Pretraining failed: " + "; ".join(failed) + ". Finished runs are kept; run it again to "
                          "train the rest.")
    for item in todo + adopted:
        announce(f"{item.name}: compacting and scoring")
        run = Run(Path(root) / item.name)
        ship(item, run, made_by=run.config()["provenance"].get("command", "python -m genlib pretrain"))
    # the reference rows ship beside the judge, so no page computes them when it first opens
    save_reference_fids(reference_fids(), JUDGE_DIR)
    return [Path(root) / item.name for item in todo + adopted]


def ship(item: ShippedRun, run: Run, made_by: str) -> None:
    """Make a finished run of the plan ready to ship: compacted, its making recorded, scored once.

    The record says how it was made, so a page can quote it: the command and the wall time of its epochs (the
    CPU it trained on is in the provenance since its creation: shipping may happen on another machine)."""
    from .evaluation.evaluate import cached_run_metrics

    seconds = [record["seconds"] for record in run.history()["epochs"]]
    run.compact(item.keep_weights, item.keep_all_grids, item.keep_discriminator)
    kept_d = {"shipped_discriminator_epochs": item.keep_discriminator or "all"} if item.kind == "gan" else {}
    run.add_provenance(made_by=made_by, shipped_weight_epochs=item.keep_weights or "all",
                       train_seconds=round(sum(seconds)), seconds_per_epoch=round(float(np.median(seconds)), 1),
                       **kept_d)
    cached_run_metrics(run.path)
