"""Evaluation of models and runs: the metrics of metrics.py, computed on the judge's view of samples."""
from __future__ import annotations

import functools

import numpy as np
import torch

from ..data import load_digits
from ..models import Generator, VAE
from ..models.vae import elbo_parts
from ..loading import load_sampler
from ..runs.store import Run
from . import metrics
from .judge import judge_images
from .latent import interpolate
from .references import DEFAULT_N, evaluate_images, reference_fids

EVAL_VERSION = 3         # bump when evaluate_run gains or changes a metric: saved evaluations are redone
INTERP_POINTS = 16       # K points along each straight line between two test codes
INTERP_PAIRS = 100       # pairs scored for path ratio and jumpiness
MIDPOINT_PAIRS = 1000    # pairs whose decoded midpoints are scored by FID


@torch.no_grad()
def evaluate_generator(G: Generator, n: int = DEFAULT_N, seed: int = 0) -> dict:
    was_training = G.training
    G.eval()
    out = evaluate_images(G.sample(n, torch.Generator().manual_seed(seed)))
    G.train(was_training)
    return out


def gan_epoch_metrics(G: Generator, n: int) -> dict:
    """The GAN's per-epoch metrics: sample quality of n samples from a fixed seed."""
    q = evaluate_generator(G, n)
    return {k: q[k] for k in ("fid", "classes_covered", "class_kl", "confident_rate", "class_histogram")}


@torch.no_grad()
def encode_all(vae: VAE, x: torch.Tensor, batch_size: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    mus, logvars = zip(*(vae.encode(x[i:i + batch_size]) for i in range(0, len(x), batch_size)))
    return torch.cat(mus).double().numpy(), torch.cat(logvars).double().numpy()


@torch.no_grad()
def evaluate_vae(vae: VAE, n: int = DEFAULT_N, seed: int = 0) -> dict:
    """Reconstruction, latent health, prior vs fitted-Gaussian samples and interpolation smoothness."""
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


@torch.no_grad()
def vae_epoch_metrics(vae: VAE, n: int) -> dict:
    """The VAE's per-epoch metrics: the prior-sample FID of n samples (cheap, a fixed seed)."""
    was_training, device = vae.training, next(vae.parameters()).device
    vae.eval()
    fid = evaluate_images(vae.sample(n, torch.Generator(device).manual_seed(0)).cpu())["fid"]
    vae.train(was_training)
    return {"fid": fid}


EPOCH_METRICS = {"vae": vae_epoch_metrics, "gan": gan_epoch_metrics}


def epoch_metrics_hook(kind: str, n: int):
    """The per-epoch metrics of n samples that fit() records, or None when the judge is missing."""
    from .judge import judge_available

    return functools.partial(EPOCH_METRICS[kind], n=n) if kind in EPOCH_METRICS and judge_available() else None


def evaluate_run(run_dir, epoch: int | None = None, n: int = DEFAULT_N) -> dict:
    """The eval command's JSON: sample metrics for any run, latent health too for a VAE."""
    from .memorisation import nn_ratio  # loads the training digits' features: only when asked

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
    """evaluate_run of the run's last epoch, saved beside the run until the run changes."""
    run = Run(run_dir)
    saved, epochs = run.read_evaluation(), run.epochs_done()
    if saved is not None and (saved.get("epochs_done"), saved.get("n"), saved.get("version")) == (
            epochs, n, EVAL_VERSION):
        return saved
    out = {**evaluate_run(run_dir, None, n), "epochs_done": epochs, "version": EVAL_VERSION}
    try:
        run.write_evaluation(out)
    except OSError:
        pass  # a read-only checkout still shows the numbers, it just recomputes them next time
    return out
