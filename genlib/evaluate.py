"""Evaluation of models and runs: the metrics of metrics.py, computed on the judge's view of samples."""
from __future__ import annotations

import functools
import json

import numpy as np
import torch
import torch.nn.functional as F

from . import metrics
from .checkpoints import Run, write_json
from .data import load_digits
from .judge import judge_images, real_features
from .latent import interpolate
from .models import Generator, VAE
from .restore import load_sampler

DEFAULT_N = 5000
EVAL_VERSION = 3         # bump when evaluate_run gains or changes a metric: saved evaluations are redone
INTERP_POINTS = 16       # K points along each straight line between two test codes
INTERP_PAIRS = 100       # pairs scored for path ratio and jumpiness
MIDPOINT_PAIRS = 1000    # pairs whose decoded midpoints are scored by FID


# The reference rows every FID is read against. The blur is chosen so real < blurred < noise by wide margins.
REAL_ROW, BLURRED_ROW, NOISE_ROW = "real (train vs test)", "blurred real (σ 1 px)", "uniform noise"
BLUR_SIGMA = 1.0


def gaussian_blur(images: torch.Tensor, sigma: float = BLUR_SIGMA) -> torch.Tensor:
    radius = int(3 * sigma)
    x = torch.arange(-radius, radius + 1, dtype=torch.float32)
    k = torch.exp(-x**2 / (2 * sigma**2))
    k = k / k.sum()
    images = F.conv2d(images, k.view(1, 1, 1, -1), padding=(0, radius))
    return F.conv2d(images, k.view(1, 1, -1, 1), padding=(radius, 0))


@functools.lru_cache(maxsize=4)
def reference_rows(n: int = DEFAULT_N) -> dict[str, dict]:
    """What FID means on this scale: real train vs test (the floor), blurred real digits, uniform noise."""
    train = load_digits("mnist", "train").as_float()[:n]
    rows = {REAL_ROW: train, BLURRED_ROW: gaussian_blur(train),
            NOISE_ROW: torch.rand(n, 1, 28, 28, generator=torch.Generator().manual_seed(0))}
    return {name: evaluate_images(images) for name, images in rows.items()}


def evaluate_images(images: torch.Tensor) -> dict:
    """FID (classifier features) against the MNIST test set, class coverage, confidence, IS."""
    feats, probs = judge_images(images)
    return metrics.sample_quality(feats, probs, real_features("test")[0])


@torch.no_grad()
def evaluate_generator(G: Generator, n: int = DEFAULT_N, seed: int = 0) -> dict:
    was_training = G.training
    G.eval()
    out = evaluate_images(G.sample(n, torch.Generator().manual_seed(seed)))
    G.train(was_training)
    return out


def gan_epoch_metrics(n: int):
    """The per-epoch hook for fit_gan: sample quality of n samples from a fixed seed."""
    def hook(G: Generator) -> dict:
        q = evaluate_generator(G, n)
        return {k: q[k] for k in ("fid", "classes_covered", "class_kl", "confident_rate", "class_histogram")}
    return hook


@torch.no_grad()
def encode_all(vae: VAE, x: torch.Tensor, batch_size: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    mus, logvars = zip(*(vae.encode(x[i:i + batch_size]) for i in range(0, len(x), batch_size)))
    return torch.cat(mus).double().numpy(), torch.cat(logvars).double().numpy()


@torch.no_grad()
def evaluate_vae(vae: VAE, n: int = DEFAULT_N, seed: int = 0) -> dict:
    """Reconstruction, latent health, prior vs fitted-Gaussian samples and interpolation smoothness."""
    from .train import elbo_parts

    vae = vae.eval().cpu()
    gen = torch.Generator().manual_seed(seed)
    test = load_digits("mnist", "test").as_float()
    recon, kl = elbo_parts(vae, test, seed)
    mu, logvar = encode_all(vae, test)
    prior = evaluate_images(vae.sample(n, gen))

    mean, cov = metrics.aggregate_posterior_fit(mu, logvar)
    fitted = torch.distributions.MultivariateNormal(torch.tensor(mean), covariance_matrix=torch.tensor(cov))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        z_fit = fitted.sample((n,)).float()
    fitted_quality = evaluate_images(vae.decode(z_fit))

    pairs = torch.randperm(len(test), generator=gen)[:2 * MIDPOINT_PAIRS].view(2, -1)
    z = torch.tensor(mu, dtype=torch.float32)
    paths = interpolate(z[pairs[0, :INTERP_PAIRS]], z[pairs[1, :INTERP_PAIRS]], INTERP_POINTS)  # (P, K, D)
    path_feats = judge_images(vae.decode(paths.reshape(-1, z.shape[1])))[0].reshape(INTERP_PAIRS, INTERP_POINTS, -1)
    ratios, jumps = zip(*(metrics.path_ratio_and_jumpiness(f) for f in path_feats))
    midpoints = vae.decode(0.5 * (z[pairs[0]] + z[pairs[1]]))
    return {
        **{k: v for k, v in prior.items()},
        "recon": recon, "kl": kl, "rate": metrics.rate(mu, logvar),
        "active_units": metrics.active_units(mu),
        "aggregate_kl": metrics.aggregate_kl(mu, logvar),
        "fid_fitted_gaussian": fitted_quality["fid"],
        "interp_path_ratio": float(np.median(ratios)),
        "interp_jumpiness": float(np.median(jumps)),
        "fid_midpoints": evaluate_images(midpoints)["fid"],
    }


def vae_epoch_metrics(n: int):
    """The per-epoch hook for fit_vae: the prior-sample FID of n samples (cheap, a fixed seed)."""
    def hook(vae: VAE) -> dict:
        was_training, device = vae.training, next(vae.parameters()).device
        vae.eval()
        with torch.no_grad():
            fid = evaluate_images(vae.sample(n, torch.Generator(device).manual_seed(0)).cpu())["fid"]
        vae.train(was_training)
        return {"fid": fid}
    return hook


def epoch_metrics_hook(kind: str, n: int):
    """The per-epoch metrics a training loop records, or None when n is 0 or the judge is missing."""
    from .judge import judge_available

    if n <= 0 or not judge_available():
        return None
    return {"vae": vae_epoch_metrics, "gan": gan_epoch_metrics}[kind](n)


def reference_fids(n: int = DEFAULT_N) -> dict[str, float]:
    """The reference rows' FIDs. They depend on the judge alone: the default ones ship beside it, others are
    computed once and kept in checkpoints/cache/ (ignored by git)."""
    from .judge import CACHE_DIR, JUDGE_DIR

    name = f"references_n{n}_v{EVAL_VERSION}.json"
    for path in (JUDGE_DIR / name, CACHE_DIR / name):
        try:
            return json.loads(path.read_text())
        except (OSError, ValueError):
            continue
    fids = {row_name: row["fid"] for row_name, row in reference_rows(n).items()}
    try:
        write_json(CACHE_DIR / name, fids)
    except OSError:
        pass  # a read-only checkout recomputes them next time
    return fids


def evaluate_run(run_dir, epoch: int | None = None, n: int = DEFAULT_N) -> dict:
    """The eval command's JSON: sample metrics for any run, latent health too for a VAE."""
    from .memorisation import nn_ratio

    run = Run(run_dir)
    model = load_sampler(run_dir, epoch)  # a VAE keeps only its last epoch: asking for another is an error
    if run.kind() == "vae":
        out = evaluate_vae(model, n)
        last = run.history()["epochs"][-1]
        if "train_recon" in last:
            out["recon_gap"] = metrics.recon_gap(last)
    else:
        out = evaluate_generator(model, n)
    out["epoch"] = run.resolve_epoch(epoch)
    gen = torch.Generator().manual_seed(1)
    with torch.no_grad():
        out["nn_ratio"] = nn_ratio(model.sample(min(n, 1000), gen))
    out["n"] = n
    out["reference_fid"] = reference_fids(n)
    return out


def cached_run_metrics(run_dir, n: int = DEFAULT_N) -> dict:
    """evaluate_run of the run's last epoch, kept in the run's eval.json until the run changes."""
    run = Run(run_dir)
    path, epochs = run.path / "eval.json", run.epochs_done()
    try:
        saved = json.loads(path.read_text()) if path.is_file() else None
    except ValueError:
        saved = None  # a damaged cache is recomputed
    if isinstance(saved, dict) and (saved.get("epochs_done"), saved.get("n"), saved.get("version")) == (
            epochs, n, EVAL_VERSION):
        return saved
    out = {**evaluate_run(run_dir, None, n), "epochs_done": epochs, "version": EVAL_VERSION}
    try:
        write_json(path, out)
    except OSError:
        pass  # a read-only checkout still shows the numbers, it just recomputes them next time
    return out
