"""The homework's claims, measured: does a VAE decoder trained without the KL term overfit more, and does
the shipped GAN copy its training digits?

    .venv/bin/python scripts/claims_experiment.py [--seeds 3]

Prints the generalisation gap (test − train reconstruction, nats per image) for β = 0 and β = 1 at several
training-set sizes, and the GAN's nn_ratio at every epoch whose generator is shipped.
"""
import argparse
import statistics
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from genlib.runs.store import Run  # noqa: E402
from genlib.training.configs import VAETrainConfig  # noqa: E402
from genlib.evaluation.memorisation import memorisation_check  # noqa: E402
from genlib.models import VAEConfig  # noqa: E402
from genlib.runs.store import SHIPPED_DIR  # noqa: E402
from genlib.loading import load_generator  # noqa: E402
from genlib.training.fit import fit  # noqa: E402

# Small sets train for more epochs so every size sees a comparable number of optimiser steps.
SIZES_AND_EPOCHS = ((500, 100), (2000, 40), (60000, 10))


def gap_table(seeds: int) -> None:
    print("| training images | epochs | β | test − train recon (nats), per seed | mean |")
    print("| ---: | ---: | ---: | --- | ---: |")
    for size, epochs in SIZES_AND_EPOCHS:
        for beta in (0.0, 1.0):
            gaps = []
            for seed in range(seeds):
                cfg = VAETrainConfig(metric_samples=0, kl_weight=beta, epochs=epochs, seed=seed, device="cpu",
                                     train_limit=None if size == 60000 else size)
                last = fit("vae", VAEConfig(latent_dim=16, hidden=256), cfg).epochs[-1]
                gaps.append(last["test_recon"] - last["train_recon"])
            print(f"| {size:,} | {epochs} | {beta:g} | {', '.join(f'{g:.2f}' for g in gaps)} | "
                  f"{statistics.mean(gaps):.2f} |", flush=True)


def gan_copies() -> None:
    run = Run(SHIPPED_DIR / "gan-small")  # the homework's bce run
    print("\n| GAN epoch | nn_ratio (features) | nn_ratio (pixels) | suspiciously close |")
    print("| ---: | ---: | ---: | ---: |")
    for epoch in run.epochs_with_weights():
        with torch.no_grad():
            samples = load_generator(run.path, epoch).sample(1000, torch.Generator().manual_seed(7))
        r = memorisation_check(samples)
        print(f"| {epoch} | {r['nn_ratio']:.3f} | {r['nn_ratio_pixels']:.3f} | {r['share_closer']:.1%} |", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(2)
    gan_copies()
    gap_table(args.seeds)
