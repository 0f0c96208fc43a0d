"""Faithful re-implementations of the classic loops ours replace, for side-by-side benchmarks only.

- pytorch/examples VAE: a DataLoader over torchvision's MNIST with ToTensor, batch 128, `.item()` every
  step, a test pass every epoch that saves a reconstruction strip, 64 prior samples saved after it, the
  784-400-20 MLP with a sigmoid output and summed BCE.
- The homework's GAN loop: a DataLoader with ToTensor + Normalize(0.5, 0.5), a `.item()` every iteration,
  the networks rebuilt from genlib's infogan architecture.
Both read the bundled MNIST, decompressed into a temporary torchvision folder (no download).
"""
from __future__ import annotations

import gzip
import shutil
import tempfile
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from ..data import MNIST_DIR, MNIST_FILES


def torchvision_mnist(train: bool, transform, root: str):
    """torchvision's MNIST dataset over the bundled files (placed where it looks, so it never downloads)."""
    from torchvision import datasets

    raw = Path(root) / "MNIST" / "raw"
    if not raw.is_dir():
        raw.mkdir(parents=True)
        for name, _ in MNIST_FILES.values():
            with gzip.open(MNIST_DIR / name) as src, open(raw / name[:-3], "wb") as dst:
                shutil.copyfileobj(src, dst)
    return datasets.MNIST(root, train=train, download=False, transform=transform)


class ExamplesVAE(nn.Module):
    """The pytorch/examples VAE: 784-400-20 encoder, 20-400-784 decoder with a sigmoid."""

    def __init__(self):
        super().__init__()
        self.fc1, self.fc21, self.fc22 = nn.Linear(784, 400), nn.Linear(400, 20), nn.Linear(400, 20)
        self.fc3, self.fc4 = nn.Linear(20, 400), nn.Linear(400, 784)

    def decode(self, z):
        return torch.sigmoid(self.fc4(F.relu(self.fc3(z))))

    def forward(self, x):
        h = F.relu(self.fc1(x.view(-1, 784)))
        mu, logvar = self.fc21(h), self.fc22(h)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        return self.decode(z), mu, logvar


def examples_vae_loss(recon, x, mu, logvar):
    bce = F.binary_cross_entropy(recon, x.view(-1, 784), reduction="sum")
    return bce - 0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())


def examples_vae_epochs(epochs: int, device: torch.device, max_batches: int | None = None, seed: int = 0):
    """Seconds per epoch and the final test loss (nats per image) of the pytorch/examples loop."""
    from torch.utils.data import DataLoader
    from torchvision import transforms
    from torchvision.utils import save_image

    torch.manual_seed(seed)
    with tempfile.TemporaryDirectory(prefix="genlib-ref-", ignore_cleanup_errors=True) as root:
        train = DataLoader(torchvision_mnist(True, transforms.ToTensor(), root), batch_size=128, shuffle=True)
        test = DataLoader(torchvision_mnist(False, transforms.ToTensor(), root), batch_size=128, shuffle=True)
        model = ExamplesVAE().to(device)
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        times, test_loss = [], None
        for _ in range(epochs):
            started = time.perf_counter()
            model.train()
            train_loss = 0.0
            for i, (data, _) in enumerate(train):
                if max_batches is not None and i >= max_batches:
                    break
                data = data.to(device)
                opt.zero_grad()
                recon, mu, logvar = model(data)
                loss = examples_vae_loss(recon, data, mu, logvar)
                loss.backward()
                train_loss += loss.item()
                opt.step()
            model.eval()
            test_loss = 0.0
            with torch.no_grad():
                for i, (data, _) in enumerate(test):
                    data = data.to(device)
                    recon, mu, logvar = model(data)
                    test_loss += examples_vae_loss(recon, data, mu, logvar).item()
                    if i == 0:  # the first 8 test digits above their reconstructions
                        save_image(torch.cat([data[:8], recon.view(-1, 1, 28, 28)[:8]]).cpu(), f"{root}/recon.png",
                                   nrow=8)
                test_loss /= len(test.dataset)
                save_image(model.decode(torch.randn(64, 20, device=device)).view(64, 1, 28, 28).cpu(),
                           f"{root}/sample.png")
            times.append(time.perf_counter() - started)
        return times, test_loss


def homework_gan_iterations(iterations: int | None, device: torch.device, seed: int = 0, batch_size: int = 64):
    """The homework's loop for one epoch (or its first `iterations`): seconds and the per-iteration losses."""
    from torch.utils.data import DataLoader
    from torchvision import transforms
    from torchvision.utils import save_image

    from ..models import Discriminator, GANConfig, Generator

    torch.manual_seed(seed)
    with tempfile.TemporaryDirectory(prefix="genlib-ref-", ignore_cleanup_errors=True) as root:
        transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])
        loader = DataLoader(torchvision_mnist(True, transform, root), batch_size=batch_size, shuffle=True)
        cfg = GANConfig(arch="infogan")
        G, D = Generator(cfg).to(device), Discriminator(cfg).to(device)
        opt_g = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
        opt_d = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
        bce = nn.BCELoss()
        y_real, y_fake = torch.ones(batch_size, 1, device=device), torch.zeros(batch_size, 1, device=device)
        sample_z = torch.rand(batch_size, cfg.z_dim, device=device)
        losses = {"d_loss": [], "g_loss": []}
        started = time.perf_counter()
        for i, (x, _) in enumerate(loader):
            if i == len(loader.dataset) // batch_size or (iterations is not None and i >= iterations):
                break
            x, z = x.to(device), torch.rand(batch_size, cfg.z_dim, device=device)
            opt_d.zero_grad()
            # our D returns logits; the homework's ends in nn.Sigmoid before its BCELoss
            d_loss = bce(D(x).sigmoid().view(-1, 1), y_real) + bce(D(G(z)).sigmoid().view(-1, 1), y_fake)
            losses["d_loss"].append(d_loss.item())
            d_loss.backward()
            opt_d.step()
            opt_g.zero_grad()
            g_loss = bce(D(G(z)).sigmoid().view(-1, 1), y_real)
            losses["g_loss"].append(g_loss.item())
            g_loss.backward()
            opt_g.step()
        G.eval()
        with torch.no_grad():  # the homework saves a sample grid after every epoch
            save_image((G(sample_z) + 1) / 2, f"{root}/epoch.png", nrow=8)
        return time.perf_counter() - started, losses


def main() -> None:
    """`python -m genlib.bench.classic_loops --gan-iterations N`: the homework's loop in a process of its own, as
    its script runs (N = 0: a whole epoch); prints its seconds and losses as JSON for the bench."""
    import argparse
    import json

    parser = argparse.ArgumentParser()
    parser.add_argument("--gan-iterations", type=int, required=True)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    seconds, losses = homework_gan_iterations(args.gan_iterations or None, torch.device(args.device))
    print(json.dumps({"seconds": seconds, **losses}))


if __name__ == "__main__":
    main()
