import math

import numpy as np
import pytest
import torch

from genlib.evaluation import metrics
from genlib.data import load_digits
from genlib.evaluation.references import BLURRED_ROW, NOISE_ROW, REAL_ROW, evaluate_images, reference_rows
from genlib.evaluation.judge import judge_images, predict, load_judge


def test_judge_is_accurate_on_the_test_set():
    test = load_digits("mnist", "test")
    accuracy = (predict(load_judge(), test.as_float()).argmax(1) == test.labels).float().mean().item()
    assert accuracy >= 0.99


def test_the_judges_batch_size_is_only_a_speed_setting():
    """judge_images scores in small batches for the CPU's caches; the features must not depend on it."""
    digits = load_digits("mnist", "test").as_float()[:700]
    small, large = judge_images(digits), judge_images(digits, batch_size=700)
    assert np.array_equal(small[0], large[0]) and np.array_equal(small[1], large[1])


def test_the_judge_pools_before_its_relus_with_the_same_features():
    """The judge's layers run pool-then-ReLU for speed; its weights were trained ReLU-then-pool, which must give the
    same features bit for bit (the shipped reference FIDs and every saved metric depend on them)."""
    judge = load_judge()
    conv1, _, _, conv2, _, _, flatten, linear, _ = judge.body
    relu, pool = torch.nn.ReLU(), torch.nn.MaxPool2d(2)
    trained_order = torch.nn.Sequential(conv1, relu, pool, conv2, relu, pool, flatten, linear, relu)
    digits = load_digits("mnist", "test").as_float()[:200].contiguous(memory_format=torch.channels_last)
    with torch.no_grad():
        assert torch.equal(judge.body(digits), trained_order(digits))


def test_fid_orders_real_blurred_and_noise():
    rows = reference_rows(2000)
    real, blurred, noise = (rows[k]["fid"] for k in (REAL_ROW, BLURRED_ROW, NOISE_ROW))
    assert real * 10 < blurred and blurred * 3 < noise


def test_frechet_distance_of_known_gaussians():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(5000, 4))
    assert metrics.fid(a, metrics.feature_stats(a)) == pytest.approx(0, abs=1e-9)
    mu, cov = np.zeros(3), np.eye(3)
    # ||(2,0,0)||² + tr(I + 4I - 2·2I) = 4 + 3
    assert metrics.frechet_distance(mu, cov, np.array([2.0, 0, 0]), 4 * np.eye(3)) == pytest.approx(7)


def test_one_class_sample_set_covers_one_class():
    ones = load_digits("mnist", "test")
    images = ones.as_float()[ones.labels == 1][:500]
    q = evaluate_images(images)
    assert q["classes_covered"] == 1
    assert q["class_kl"] == pytest.approx(math.log(10), abs=0.05)
    assert q["inception_score"] < 1.2 and q["confident_rate"] > 0.95


def test_balanced_real_digits_cover_all_classes():
    q = evaluate_images(load_digits("mnist", "test").as_float()[:2000])
    assert q["classes_covered"] == 10 and q["class_kl"] < 0.02 and q["inception_score"] > 9


def test_inception_score_bounds():
    assert metrics.inception_score(np.eye(10)) == pytest.approx(10)
    assert metrics.inception_score(np.full((10, 10), 0.1)) == pytest.approx(1)


def test_latent_health_on_constructed_posteriors():
    rng = np.random.default_rng(0)
    mu = np.concatenate([rng.normal(size=(4000, 2)), np.zeros((4000, 2))], 1)  # 2 used, 2 collapsed units
    logvar = np.log(np.full((4000, 4), 1e-4))
    assert metrics.active_units(mu) == 2
    # a posterior whose aggregate is N(0, I) in every used unit has small aggregate KL ...
    prior_like = np.concatenate([mu[:, :2], rng.normal(size=(4000, 2))], 1)
    assert metrics.aggregate_kl(prior_like, logvar) < 0.05
    # ... codes spread ten times wider than the prior do not
    assert metrics.aggregate_kl(10 * prior_like, logvar) > 10
    assert metrics.rate(np.zeros((5, 3)), np.zeros((5, 3))) == 0


def test_path_ratio_and_jumpiness():
    straight = np.linspace(0, 1, 16)[:, None] * np.array([[3.0, 4.0]])
    assert metrics.path_ratio_and_jumpiness(straight) == pytest.approx((1.0, 1.0))
    jumpy = straight.copy()
    jumpy[6:10] += np.array([0.0, 5.0])  # a detour: jump sideways, run along, jump back
    ratio, jump = metrics.path_ratio_and_jumpiness(jumpy)
    assert ratio > 2.5 and jump > 4.5  # ≈ (5 + 2 · 5) ÷ 5 and one 5-long step among steps of 1/3


def test_nn_ratio_copies_and_held_out_digits():
    train = load_digits("mnist", "train").as_float()[:5000]
    test = load_digits("mnist", "test").as_float()[:500]
    train_f, test_f = judge_images(train)[0], judge_images(test)[0]
    test_to_train = metrics.nearest_distances(test_f, train_f)[0]
    copies = metrics.nearest_distances(train_f[:500], train_f)
    assert metrics.nn_ratio(copies[0], test_to_train) < 0.01
    assert np.array_equal(copies[1], np.arange(500))
    held_out = metrics.nearest_distances(judge_images(load_digits("mnist", "test").as_float()[500:1000])[0], train_f)[0]
    assert 0.8 < metrics.nn_ratio(held_out, test_to_train) < 1.25


def test_vae_without_kl_term_leaves_holes_the_numbers_show():
    from genlib.training.configs import VAETrainConfig
    from genlib.evaluation.evaluate import evaluate_vae
    from genlib.models import VAEConfig
    from genlib.training.fit import fit

    scores = {}
    for beta in (0.0, 1.0):
        vae = fit("vae", VAEConfig(latent_dim=16), VAETrainConfig(metric_samples=0, kl_weight=beta, epochs=3, device="cpu")).models["vae"]
        scores[beta] = evaluate_vae(vae, n=2000)
    ae, vae = scores[0.0], scores[1.0]
    assert ae["fid"] >= 2.5 * vae["fid"]
    assert ae["aggregate_kl"] > vae["aggregate_kl"]
    assert ae["fid"] - ae["fid_fitted_gaussian"] > vae["fid"] - vae["fid_fitted_gaussian"]


def test_recon_gap_on_a_decoder_that_memorised_64_digits():
    from genlib.training.configs import VAETrainConfig
    from genlib.models import VAEConfig
    from genlib.training.fit import fit

    assert metrics.recon_gap({"test_recon": 90.0, "train_recon": 80.5}) == 9.5
    records = fit("vae", VAEConfig(latent_dim=16, hidden=256),
                      VAETrainConfig(metric_samples=0, kl_weight=0.0, epochs=60, train_limit=64, batch_size=64, device="cpu")).epochs
    # 60 passes over 64 digits: the training digits are reconstructed far better than unseen ones
    assert metrics.recon_gap(records[-1]) > 20 > metrics.recon_gap(records[0])
