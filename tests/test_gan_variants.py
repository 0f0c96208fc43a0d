"""The GAN losses of the seed's collection on the same G/D pair: each trains, the penalty means what it says,
the variants share the fixed noise, and a run keeps its discriminator beside its generator."""
import dataclasses

import pytest
import torch
import torch.nn.functional as F

from test_train import cpu_weights
from genlib.errors import ConfigError
from genlib.models import Discriminator, GANConfig, Generator
from genlib.models.gan import LOSSES, gradient_penalty
from genlib.runs.store import Run
from genlib.training.configs import GANTrainConfig
from genlib.training.fit import fit
from genlib.training.session import seeded
from genlib.training.trainers import GANPair, fixed_noise, gan_update


def pair_for(loss: str, arch: str) -> GANPair:
    cfg = GANConfig(arch=arch, loss=loss)
    G, D = seeded(0, lambda: Generator(cfg)), seeded(1, lambda: Discriminator(cfg))
    return GANPair.build(G, D, GANTrainConfig(), torch.device("cpu"))


@pytest.mark.parametrize("arch", ["small", "infogan"])
@pytest.mark.parametrize("loss", list(LOSSES))
def test_one_update_changes_both_networks_with_finite_losses(loss, arch):
    pair = pair_for(loss, arch)
    G0, D0 = ({k: v.clone() for k, v in net.state_dict().items()} for net in (pair.G, pair.D))
    gen = torch.Generator().manual_seed(0)
    reals = [torch.rand(16, 1, 28, 28, generator=gen) * 2 - 1 for _ in range(pair.loss.critic_steps)]
    out = gan_update(pair, reals, gen)
    assert torch.isfinite(out.d_loss) and torch.isfinite(out.g_loss)
    assert out.real_scores.shape == out.fake_scores.shape == (16,)
    for before, net in ((G0, pair.G), (D0, pair.D)):
        after = net.state_dict()
        moved = [k for k in before if before[k].is_floating_point() and not torch.equal(before[k], after[k])]
        assert any(k.endswith("weight") for k in moved), (loss, arch)


def test_bce_on_logits_is_the_homeworks_sigmoid_and_bce():
    # float64 and seeded: in float32 a saturated sigmoid (a logit of 9) loses the digits BCE needs, and the
    # homework's form then differs from the logits form by ~1e-3 for reasons of rounding, not of loss
    scores = torch.randn(2, 64, generator=torch.Generator().manual_seed(0), dtype=torch.float64) * 3
    real, fake = scores
    ones, zeros = torch.ones(64, dtype=torch.float64), torch.zeros(64, dtype=torch.float64)
    homework = F.binary_cross_entropy(real.sigmoid(), ones) + F.binary_cross_entropy(fake.sigmoid(), zeros)
    assert torch.allclose(LOSSES["bce"].d_loss(real, fake), homework, atol=1e-9)
    assert torch.allclose(LOSSES["bce"].g_loss(fake), F.binary_cross_entropy(fake.sigmoid(), ones), atol=1e-9)


@pytest.mark.parametrize("norm, penalty", [(1.0, 0.0), (2.0, 1.0), (0.5, 0.25)])
def test_gradient_penalty_is_the_squared_distance_of_the_slope_from_one(norm, penalty):
    """A linear critic w·x has slope ‖w‖ everywhere: 1-Lipschitz with a unit w costs nothing."""
    w = torch.randn(784)
    w = w / w.norm() * norm
    critic = lambda x: x.flatten(1) @ w  # noqa: E731
    real, fake = torch.randn(32, 1, 28, 28), torch.randn(32, 1, 28, 28)
    assert gradient_penalty(critic, real, fake).item() == pytest.approx(penalty, abs=1e-4)


def test_losses_pull_the_scores_the_way_their_papers_say():
    high, low = torch.full((8,), 3.0), torch.full((8,), -3.0)
    for name, loss in LOSSES.items():  # D scoring real high and fake low is a better D than the reverse
        assert loss.d_loss(high, low) < loss.d_loss(low, high), name
        assert loss.g_loss(high) < loss.g_loss(low), name  # G wants its fakes scored high
    assert LOSSES["hinge"].d_loss(torch.full((8,), 1.0), torch.full((8,), -1.0)).item() == 0.0  # past the margins
    assert LOSSES["lsgan"].d_loss(torch.ones(8), torch.zeros(8)).item() == 0.0                # on the targets


def test_an_unknown_loss_is_refused_by_name():
    with pytest.raises(ConfigError, match="loss 'wgan' is not a GAN loss; choose one of bce, minimax, lsgan, wgan-gp, hinge"):
        GANConfig(loss="wgan").validate()


def test_wgan_gp_takes_five_critic_batches_per_iteration_and_every_variant_draws_the_same_grid_noise():
    cfg = GANTrainConfig(epochs=1, train_limit=640, metric_samples=0, device="cpu")
    plain = fit("gan", GANConfig(loss="bce"), cfg)
    critic = fit("gan", GANConfig(loss="wgan-gp"), cfg)
    assert len(plain.steps["d_loss"]) == 10 and len(critic.steps["d_loss"]) == 2  # 10 batches of 64
    noises = [fixed_noise(Generator(GANConfig(loss=loss))) for loss in LOSSES]
    assert all(torch.equal(noises[0], n) for n in noises[1:])
    with pytest.raises(ConfigError, match="wgan-gp takes 5 batches of 64 per iteration"):
        fit("gan", GANConfig(loss="wgan-gp"), dataclasses.replace(cfg, train_limit=200))


@pytest.mark.parametrize("loss", ["wgan-gp", "hinge"])
def test_a_variant_resumes_to_the_same_weights(tmp_path, loss):
    """The penalty's interpolation draws from the saved noise stream, so a resumed run is bit-exact too."""
    model, cfg = GANConfig(loss=loss), GANTrainConfig(epochs=2, train_limit=640, metric_samples=0, device="cpu")
    whole = cpu_weights(fit("gan", model, cfg).models["G"])
    fit("gan", model, dataclasses.replace(cfg, epochs=1), tmp_path / "r")
    resumed = cpu_weights(fit("gan", model, cfg, tmp_path / "r").models["G"])
    assert all(torch.equal(whole[k], resumed[k]) for k in whole)


def test_a_gan_run_keeps_its_discriminator_and_compaction_keeps_the_chosen_ones(tmp_path):
    result = fit("gan", GANConfig(loss="lsgan"), GANTrainConfig(epochs=3, train_limit=128, metric_samples=0,
                                                                  device="cpu"), tmp_path / "r")
    run = Run(tmp_path / "r")
    assert run.epochs_with_weights("D") == run.epochs_with_weights() == [1, 2, 3]
    saved = torch.load(run.weights_path(3, "D"), weights_only=True)
    assert all(torch.equal(saved[k], v) for k, v in cpu_weights(result.models["D"]).items())
    run.compact((1, 3), keep_all_grids=True, keep_discriminator=(3,))
    assert run.epochs_with_weights() == [1, 3] and run.epochs_with_weights("D") == [3]
    assert torch.load(run.weights_path(3, "D"), weights_only=True)["net.1.weight"].dtype == torch.float16


def test_the_minimax_g_loss_saturates_where_bce_does_not():
    """While D rejects the fakes (logits far below 0), log(1 − D(G(z))) is nearly flat: G's gradient under minimax
    is a sliver of bce's. Where D is fooled (logits above 0), minimax pushes harder."""
    for logit, minimax_smaller in ((-6.0, True), (3.0, False)):
        grads = {}
        for loss in ("minimax", "bce"):
            fake = torch.full((64,), logit, requires_grad=True)
            LOSSES[loss].g_loss(fake).backward()
            grads[loss] = fake.grad.abs().sum().item()
        assert (grads["minimax"] < 0.01 * grads["bce"]) if minimax_smaller else (grads["minimax"] > grads["bce"])
    scores = torch.linspace(-4, 4, 9)
    assert torch.allclose(LOSSES["minimax"].g_loss(scores), torch.log(1 - scores.sigmoid()).mean(), atol=1e-6)
    assert LOSSES["minimax"].d_loss is LOSSES["bce"].d_loss  # only G's loss differs
