"""Training and using the judge classifier: features and class probabilities of any image set.

The shipped weights live in checkpoints/judge (a run of kind "classifier") and load on first use.
"""
from __future__ import annotations

import functools
import hashlib
import io
import math
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from .checkpoints import CHECKPOINTS_DIR, Run, atomic_write, load_tensors
from .config import ClassifierTrainConfig
from .data import load_digits, shuffled_batches
from .devices import pick_device
from .errors import RunError
from .images import grid
from .models.classifier import Classifier
from .progress import EpochDone, NeverStop, Progress
from .session import FitResult, RunSession, seeded

JUDGE_DIR = CHECKPOINTS_DIR / "judge"
CACHE_DIR = CHECKPOINTS_DIR / "cache"


def fit_classifier(cfg: ClassifierTrainConfig, run_dir, report=None, stop=None):
    """Train the judge; the run keeps the last epoch's weights and a grid of misclassified test digits."""
    cfg.validate()
    report, stop = report or (lambda e: None), stop or NeverStop()
    device = pick_device(cfg.device)
    train, test = load_digits(cfg.dataset, "train", cfg.train_limit), load_digits(cfg.dataset, "test")
    x_train, y_train = train.as_float(device), train.labels.to(device)
    x_test, y_test = test.as_float(device), test.labels.to(device)
    session = RunSession("classifier", {}, cfg, run_dir, report, stop, device)
    model = seeded(cfg.seed, Classifier).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    order_gen = torch.Generator().manual_seed(cfg.seed)
    n, steps_per_epoch = len(x_train), math.ceil(len(x_train) / cfg.batch_size)
    losses = []
    for epoch in range(1, cfg.epochs + 1):
        started = time.perf_counter()
        model.train()
        for g in opt.param_groups:  # cosine decay over the whole run: the last epochs polish accuracy
            g["lr"] = cfg.lr * 0.5 * (1 + math.cos(math.pi * (epoch - 1) / cfg.epochs))
        for i, idx in enumerate(shuffled_batches(n, cfg.batch_size, order_gen), 1):
            if stop.is_set():
                return FitResult("stopped", f"Stopped during epoch {epoch}.", session.history["epochs"], {})
            idx = idx.to(device)
            loss = F.cross_entropy(model(x_train[idx]).logits, y_train[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            losses.append(loss.item())
            if i % 50 == 0 or i == steps_per_epoch:
                report(Progress(epoch, cfg.epochs, i, steps_per_epoch, {"loss": losses[-50:]}))
        model.eval()
        predicted = predict(model, x_test).argmax(1)
        wrong = (predicted != y_test).nonzero().squeeze(1)[:64]
        record = {"epoch": epoch, "seconds": round(time.perf_counter() - started, 3),
                  "test_accuracy": (predicted == y_test).float().mean().item()}
        img = grid(x_test[wrong]) if len(wrong) else grid(x_test[:1])
        session.save_epoch(record, img, {k: v.cpu() for k, v in model.state_dict().items()}, None,
                           _LossLog(losses), keep_every_epoch=False)
        report(EpochDone(epoch, cfg.epochs, record["seconds"], record, img))
    return session.finish("complete", "", _LossLog(losses), {"classifier": model})


class _LossLog:
    def __init__(self, losses):
        self.losses = losses

    def arrays(self):
        return {"loss": np.asarray(self.losses, dtype=np.float32)}


@torch.no_grad()
def predict(model: Classifier, x: torch.Tensor, batch_size: int = 2000) -> torch.Tensor:
    """Class probabilities (N, 10)."""
    return torch.cat([F.softmax(model(x[i:i + batch_size]).logits, 1) for i in range(0, len(x), batch_size)])


@functools.lru_cache(maxsize=2)
def load_judge(run_dir: str | None = None) -> Classifier:
    """The shipped judge (or another classifier run), in eval mode on the CPU. Loaded once per process."""
    run = Run(run_dir or JUDGE_DIR)
    if not (run.path / "config.json").is_file():
        raise RunError(f"The judge classifier is missing from {run.path}; restore it from a clean clone or "
                       "train it with: python -m genlib train classifier --out checkpoints/judge")
    run.expect_kind("classifier")
    model = Classifier()
    model.load_state_dict(load_tensors(run.weights_path(run.resolve_epoch(None))))
    return model.eval()


@torch.no_grad()
def judge_images(images: torch.Tensor, batch_size: int = 500) -> tuple[np.ndarray, np.ndarray]:
    """Judge features (N, 128) and class probabilities (N, 10) of images in [0, 1], float64.

    Small batches keep the conv activations (which dominate memory) to tens of MB.
    """
    model = load_judge()
    images = images.detach().float().cpu().reshape(-1, 1, 28, 28)
    feats, probs = [], []
    for i in range(0, len(images), batch_size):
        out = model(images[i:i + batch_size])
        feats.append(out.features.double())
        probs.append(F.softmax(out.logits.double(), 1))
    return torch.cat(feats).numpy(), torch.cat(probs).numpy()


@functools.lru_cache(maxsize=4)
def real_features(split: str) -> tuple[np.ndarray, np.ndarray]:
    """Judge features and probabilities of real MNIST images, float32.

    They never change for a given judge, so they are kept on disk too (checkpoints/cache/, ignored by git):
    the training set's take seconds to compute, and every memorisation check needs them.
    """
    weights = Run(JUDGE_DIR).weights_path(Run(JUDGE_DIR).resolve_epoch(None))
    judge_id = hashlib.sha1(weights.read_bytes()).hexdigest()[:12]
    cache = CACHE_DIR / f"judge-{judge_id}-{split}.npz"
    try:
        with np.load(cache, allow_pickle=False) as saved:
            return saved["features"], saved["probs"]
    except (OSError, ValueError, KeyError):
        pass  # missing or damaged: compute it again
    digits = load_digits("mnist", split)
    feats, probs = zip(*(judge_images(digits.images[i:i + 10_000].unsqueeze(1).float().div(255))
                         for i in range(0, len(digits), 10_000)))
    feats, probs = np.concatenate(feats).astype(np.float32), np.concatenate(probs).astype(np.float32)
    buf = io.BytesIO()
    np.savez(buf, features=feats, probs=probs)
    try:
        atomic_write(cache, buf.getvalue())
    except OSError:
        pass  # a read-only checkout computes them once per process instead
    return feats, probs


def judge_available() -> bool:
    return (Path(JUDGE_DIR) / "config.json").is_file()
