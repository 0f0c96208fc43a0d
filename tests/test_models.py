import pytest
import torch
import torch.nn.functional as F

from genlib.models import Discriminator, GANConfig, Generator, VAE, VAEConfig
from genlib.models.vae import bernoulli_nll, kl_weight_at


@pytest.mark.parametrize("arch", ["mlp", "conv"])
def test_vae_shapes(arch):
    vae = VAE(VAEConfig(latent_dim=5, arch=arch, hidden=32))
    x = torch.rand(7, 1, 28, 28)
    out = vae(x)
    assert out.logits.shape == (7, 1, 28, 28) and out.mu.shape == (7, 5) and out.logvar.shape == (7, 5)
    s = vae.sample(3)
    assert s.shape == (3, 1, 28, 28) and 0 <= s.min() and s.max() <= 1


def test_pytorch_examples_vae_has_its_parameter_count():
    vae = VAE(VAEConfig(latent_dim=20, hidden=400))
    # 784-400-(20+20) encoder and 20-400-784 decoder, as in pytorch/examples
    expected = (784 * 400 + 400) + (400 * 40 + 40) + (20 * 400 + 400) + (400 * 784 + 784)
    assert sum(p.numel() for p in vae.parameters()) == expected


def test_loss_parts_add_up_and_are_per_image_nats():
    vae = VAE(VAEConfig(latent_dim=8, hidden=32))
    x = torch.rand(16, 1, 28, 28)
    out = vae(x, torch.Generator().manual_seed(0))
    loss = vae.loss(x, out, kl_weight=0.25)
    assert torch.allclose(loss.total, loss.recon + 0.25 * loss.kl)
    assert 300 < loss.recon.item() < 800  # untrained: about 784 * log 2 nats per image
    assert loss.kl.item() >= 0


def test_the_reconstruction_loss_is_the_builtin_bernoulli_nll():
    """bernoulli_nll replaces binary_cross_entropy_with_logits for speed: the same value up to rounding (also for
    logits far out in both tails, where the digits' blank border drives them) and exactly the same gradient."""
    gen = torch.Generator().manual_seed(0)
    logits = torch.cat([torch.randn(64, 784, generator=gen) * 8, torch.full((1, 784), 120.0),
                        torch.full((1, 784), -120.0), torch.zeros(1, 784)])
    x = torch.cat([torch.rand(64, 784, generator=gen), torch.ones(1, 784), torch.ones(1, 784), torch.zeros(1, 784)])
    ours_in, builtin_in = logits.clone().requires_grad_(), logits.clone().requires_grad_()
    ours, builtin = bernoulli_nll(ours_in, x), F.binary_cross_entropy_with_logits(builtin_in, x, reduction="sum")
    assert ours.item() == pytest.approx(builtin.item(), rel=1e-6)
    ours.backward()
    builtin.backward()
    assert torch.equal(ours_in.grad, builtin_in.grad)
    # row by row: -log p of each image, within 5e-5 nats plus float32's rounding of the sum
    per_image = torch.stack([bernoulli_nll(row, target) for row, target in zip(logits, x)])
    expected = F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(1)
    assert torch.allclose(per_image, expected, rtol=1e-6, atol=5e-5)


def test_kl_weight_zero_is_reconstruction_alone():
    vae = VAE(VAEConfig(latent_dim=8, hidden=32))
    x = torch.rand(16, 1, 28, 28)
    out = vae(x)
    loss = vae.loss(x, out, kl_weight=0.0)
    assert torch.equal(loss.total, loss.recon)
    # even an infinite KL cannot leak in: no hidden epsilon or 0 * inf
    bad = out._replace(logvar=torch.full_like(out.logvar, 1e6))
    assert torch.isfinite(vae.loss(x, bad, 0.0).total)


def test_kl_warmup_is_linear():
    assert kl_weight_at(0, 2.0, 100) == 0
    assert kl_weight_at(50, 2.0, 100) == 1.0
    assert kl_weight_at(500, 2.0, 100) == 2.0
    assert kl_weight_at(3, 2.0, 0) == 2.0


@pytest.mark.parametrize("arch", ["infogan", "small"])
def test_gan_shapes_and_ranges(arch):
    cfg = GANConfig(arch=arch)
    G, D = Generator(cfg), Discriminator(cfg)
    fake = G(G.noise(4))
    assert fake.shape == (4, 1, 28, 28) and fake.min() >= -1 and fake.max() <= 1
    scores = D(fake)  # raw scores (logits): each loss reads them its own way
    assert scores.shape == (4,) and torch.isfinite(scores).all()
    z = G.noise(1000)
    assert 0 <= z.min() and z.max() < 1  # uniform noise, as in the seed


def test_infogan_architecture_matches_the_homework():
    G, D = Generator(GANConfig(arch="infogan")), Discriminator(GANConfig(arch="infogan"))
    layers = [type(m).__name__ for m in G.net]
    assert layers == ["Linear", "BatchNorm1d", "ReLU", "Linear", "BatchNorm1d", "ReLU", "Unflatten",
                      "ConvTranspose2d", "BatchNorm2d", "ReLU", "ConvTranspose2d", "Tanh"]
    assert G.net[0].out_features == 1024 and G.net[3].out_features == 128 * 7 * 7
    assert [type(m).__name__ for m in D.net] == ["Conv2d", "LeakyReLU", "Conv2d", "BatchNorm2d", "LeakyReLU",
                                                  "Flatten", "Linear", "BatchNorm1d", "LeakyReLU", "Linear"]
    # the homework's final Sigmoid lives in the bce loss (binary_cross_entropy_with_logits)
    assert abs(G.net[0].weight.std().item() - 0.02) < 0.002 and G.net[0].bias.abs().max() == 0
