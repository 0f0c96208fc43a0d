"""The shipped runs: one seeded plan that regenerates every run under checkpoints/shipped/.

    python -m genlib pretrain            # everything missing (about 20 minutes on 2 CPU cores)
    python -m genlib pretrain --force    # retrain everything

Shipped runs are compacted to keep the repository under 25 MB: no resume state, weights stored as float16
(samples unchanged to the eye, FID within 1 %), VAE runs keep only their last epoch's grid (the pages show
no other), and the GAN keeps the generator of a documented subset of epochs (every epoch keeps its grid and
metrics).
"""
from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import torch

from .checkpoints import CHECKPOINTS_DIR, Run, load_tensors, save_tensors, write_json
from .config import GANTrainConfig, VAETrainConfig
from .evaluate import DEFAULT_N, EVAL_VERSION, cached_run_metrics, epoch_metrics_hook, reference_fids
from .judge import JUDGE_DIR
from .models import GANConfig, VAEConfig
from .train import fit_gan, fit_vae

SHIPPED_DIR = CHECKPOINTS_DIR / "shipped"
SWEEP_BETAS = (0.0, 0.001, 0.01, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0)
SWEEP_2D_BETAS = (0.0, 0.01, 0.1, 1.0, 4.0)
VAE_EPOCHS = 15
VAE_HIDDEN = 256          # 784-256-D: as good as 400 wide here, and 40 % smaller to ship
GAN_EPOCHS = 20
GAN_WEIGHT_EPOCHS = (1, 2, 3, 5, 10, 15, 20)  # generators shipped; grids and metrics ship for every epoch


@dataclass
class Planned:
    name: str
    kind: str
    model: object
    train: object
    keep_weights: tuple[int, ...] | None = None   # None: every saved epoch
    keep_all_grids: bool = False                  # False: only the last epoch's grid
    notes: dict = field(default_factory=dict)


def plan(device: str = "auto") -> list[Planned]:
    runs = []
    for latent, betas in ((16, SWEEP_BETAS), (2, SWEEP_2D_BETAS)):
        for beta in betas:
            runs.append(Planned(f"vae-z{latent}/beta-{beta:g}", "vae",
                                VAEConfig(latent_dim=latent, arch="mlp", hidden=VAE_HIDDEN),
                                VAETrainConfig(kl_weight=beta, epochs=VAE_EPOCHS, device=device)))
    arch = "seed" if torch.cuda.is_available() and device in ("auto", "cuda") else "small"
    epochs = 50 if arch == "seed" else GAN_EPOCHS
    runs.append(Planned(f"gan-{arch}", "gan", GANConfig(arch=arch), GANTrainConfig(epochs=epochs, device=device),
                        keep_weights=tuple(e for e in GAN_WEIGHT_EPOCHS if e <= epochs) + (epochs,),
                        keep_all_grids=True))
    return runs


def compact(run_dir: Path, keep_weights: tuple[int, ...] | None, keep_all_grids: bool) -> None:
    """Drop the resume state, keep the chosen generators and grids, store weights as float16."""
    for state in run_dir.glob("state_*.pt"):
        state.unlink()
    if not keep_all_grids:
        for grid in sorted((run_dir / "grids").glob("epoch_*.png"))[:-1]:
            grid.unlink()
    for path in sorted((run_dir / "weights").glob("epoch_*.pt")):
        epoch = int(path.stem.split("_")[1])
        if keep_weights is not None and epoch not in keep_weights:
            path.unlink()
            continue
        state = load_tensors(path)
        save_tensors(path, {k: v.half() if v.is_floating_point() else v for k, v in state.items()})


def pretrain(root: Path = SHIPPED_DIR, device: str = "auto", force: bool = False, report=None,
             announce=lambda text: None) -> list[Path]:
    made = []
    for item in plan(device):
        run_dir = Path(root) / item.name
        if (run_dir / "history.json").is_file() and not force:
            if Run(run_dir).history().get("status") == "complete":
                announce(f"{item.name}: already there, skipped")
                continue
        if run_dir.exists():
            shutil.rmtree(run_dir)
        announce(f"{item.name}: training")
        if item.kind == "vae":
            result = fit_vae(item.model, item.train, run_dir, report, epoch_metrics=epoch_metrics_hook("vae", 2000))
        else:
            result = fit_gan(item.model, item.train, run_dir, report,
                             epoch_metrics=epoch_metrics_hook("gan", item.train.metric_samples))
        if result.status != "complete":
            raise RuntimeError(f"{item.name}: {result.message}")
        compact(run_dir, item.keep_weights, item.keep_all_grids)
        config = json.loads((run_dir / "config.json").read_text())
        config["provenance"]["made_by"] = "python -m genlib pretrain"
        config["provenance"]["shipped_weight_epochs"] = item.keep_weights or "all"
        write_json(run_dir / "config.json", config)
        announce(f"{item.name}: scoring")
        cached_run_metrics(run_dir)
        made.append(run_dir)
    # the reference rows ship beside the judge, so no page computes them when it first opens
    write_json(JUDGE_DIR / f"references_n{DEFAULT_N}_v{EVAL_VERSION}.json", reference_fids())
    return made
