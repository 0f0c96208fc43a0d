import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from genlib.config import GANTrainConfig, VAETrainConfig  # noqa: E402
from genlib.models import GANConfig, VAEConfig  # noqa: E402
from genlib.train import fit_gan, fit_vae  # noqa: E402


@pytest.fixture(scope="session")
def runs_root(tmp_path_factory):
    """A folder holding only the shared tiny runs."""
    return tmp_path_factory.mktemp("runs")


@pytest.fixture(scope="session")
def tiny_vae_run(runs_root):
    """A 2-epoch VAE run on 512 images (seconds on a CPU)."""
    path = runs_root / "vae"
    fit_vae(VAEConfig(latent_dim=4, hidden=64), VAETrainConfig(epochs=2, train_limit=512, device="cpu"), path)
    return path


@pytest.fixture(scope="session")
def tiny_gan_run(runs_root):
    """A 3-epoch small GAN run on 256 images."""
    path = runs_root / "gan"
    fit_gan(GANConfig(arch="small"), GANTrainConfig(epochs=3, train_limit=256, device="cpu", metric_samples=0), path)
    return path
