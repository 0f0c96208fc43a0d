"""Per-dimension KL, the projection's inverse, nearest neighbours, and one digit held against the shipped sweep."""
import numpy as np
import pytest
import torch

from genlib.data import load_digits
from genlib.evaluation import latent, metrics, probe
from genlib.loading import load_vae
from genlib.runs.store import SHIPPED_DIR


def test_kl_per_dimension_adds_up_to_the_rate_and_matches_the_closed_form():
    rng = np.random.default_rng(0)
    mu, logvar = rng.normal(size=(200, 5)), rng.normal(size=(200, 5))
    per_dim = metrics.kl_per_dimension(mu, logvar)
    assert per_dim.shape == (5,)
    assert per_dim.sum() == pytest.approx(metrics.rate(mu, logvar))
    # KL(N(1, e^0) ‖ N(0, 1)) = ½ · 1² = 0.5; a posterior equal to the prior carries nothing
    kl = metrics.kl_per_dimension(np.array([[1.0, 0.0]]), np.zeros((1, 2)))
    np.testing.assert_allclose(kl, [0.5, 0.0])
    np.testing.assert_array_equal(metrics.collapsed_dimensions(kl), [False, True])


def test_active_dimensions_are_the_varying_posterior_means():
    mu = np.stack([np.linspace(-1, 1, 100), np.full(100, 3.0), 0.05 * np.linspace(-1, 1, 100)], 1)
    np.testing.assert_array_equal(metrics.active_dimensions(mu), [True, False, False])
    assert metrics.active_units(mu) == 1


def test_nearest_k_agrees_with_brute_force_across_chunks():
    rng = np.random.default_rng(1)
    refs = rng.integers(0, 256, (2500, 12), dtype=np.uint8)
    queries = rng.random((7, 12), dtype=np.float32)
    dist, idx = metrics.nearest_k(queries, refs, 3, chunk=1000)
    brute = np.linalg.norm(queries[:, None] - refs[None].astype(np.float32) / 255, axis=2)
    np.testing.assert_array_equal(idx, np.argsort(brute, 1)[:, :3])
    np.testing.assert_allclose(dist, np.sort(brute, 1)[:, :3], rtol=1e-4)
    one_dist, one_idx = metrics.nearest_distances(queries, refs, chunk=1000)
    np.testing.assert_array_equal(one_idx, idx[:, 0])
    np.testing.assert_allclose(one_dist, dist[:, 0], rtol=1e-5)


def test_a_lifted_point_is_shown_where_it_was_clicked():
    rng = np.random.default_rng(2)
    codes = rng.normal(size=(500, 6)) * [3, 2, 1, 1, 1, 1] + 5
    points, directions, _ = latent.project(codes)
    np.testing.assert_allclose(latent.onto(codes, directions), points)
    clicked = np.array([[1.5, -2.0], [0.0, 0.0]])
    lifted = latent.lift(clicked, directions, codes.mean(0))
    np.testing.assert_allclose(latent.onto(lifted, directions), clicked, atol=1e-9)
    # off the plane it keeps the codes' mean
    off_plane = np.eye(6) - directions.T @ directions
    np.testing.assert_allclose(lifted @ off_plane, np.tile(codes.mean(0) @ off_plane, (2, 1)), atol=1e-9)
    # a 2-D latent is its own plane
    flat, eye, _ = latent.project(codes[:, :2])
    np.testing.assert_allclose(latent.lift(clicked, eye, codes[:, :2].mean(0)), clicked)


def test_prior_tail_matches_the_closed_form_and_sampling():
    assert probe.prior_tail(0.0, 16) == pytest.approx(1.0)
    for r in (0.5, 1.0, 2.0, 3.0):  # in 2-D, P(|z| ≥ r) = exp(−r²/2)
        assert probe.prior_tail(r, 2) == pytest.approx(np.exp(-r**2 / 2))
    z = torch.randn(200_000, 16, generator=torch.Generator().manual_seed(0)).norm(dim=1)
    for r in (3.0, 4.0, 5.5):
        assert probe.prior_tail(r, 16) == pytest.approx((z >= r).double().mean().item(), abs=0.005)
    assert probe.typical_radius(16) == 4.0


def test_nearest_training_digits_of_a_training_digit_start_with_itself():
    train = load_digits("mnist", "train")
    image = train.images[123].float().div(255).numpy()
    near = probe.nearest_training_digits(image)
    assert near.indices[0] == 123 and near.distances[0] == pytest.approx(0, abs=1e-3)
    assert len(near.indices) == 3 and np.all(np.diff(near.distances) >= 0)
    assert near.labels[0] == train.labels[123]


def test_the_shortlisted_search_finds_the_exact_nearest_training_digits():
    train = load_digits("mnist", "train")
    pixels = train.images.reshape(len(train), -1).numpy()
    test = load_digits("mnist", "test").as_float()
    for image in list(test[:8, 0].numpy()) + [np.random.default_rng(4).random((28, 28), dtype=np.float32)]:
        near = probe.nearest_training_digits(image)
        dist, idx = metrics.nearest_k(image.reshape(1, -1), pixels, 3)
        np.testing.assert_array_equal(near.indices, idx[0])
        np.testing.assert_allclose(near.distances, dist[0], rtol=1e-4)


def test_a_test_digit_under_beta_0_and_1_the_lesson_in_numbers():
    """β = 0 reconstructs a digit better than β = 1 but puts its code where the prior practically never samples."""
    test = load_digits("mnist", "test")
    image = test.as_float()[:20]
    out = {}
    for beta in ("0", "1"):
        vae = load_vae(SHIPPED_DIR / "vae-z16" / f"beta-{beta}")
        encodings = [probe.encode_one(vae, im[0].numpy()) for im in image]
        reads = probe.readings(torch.stack([e.recon for e in encodings]))
        out[beta] = {"nats": np.median([e.recon_nats for e in encodings]),
                     "tail": np.median([probe.prior_tail(np.linalg.norm(e.mu), 16) for e in encodings]),
                     "right": np.mean([r.digit == y for r, y in zip(reads, test.labels[:20].tolist())])}
    assert out["0"]["nats"] < out["1"]["nats"]
    assert out["0"]["tail"] < 1e-6 < 0.05 < out["1"]["tail"]
    assert out["0"]["right"] >= 0.9 and out["1"]["right"] >= 0.9


def test_a_point_far_from_every_code_is_farther_than_their_typical_spacing():
    codes = np.random.default_rng(3).normal(size=(2000, 2))
    spacing = probe.typical_code_spacing(codes)
    assert 0 < spacing < 0.2
    assert probe.nearest_code_distance(np.array([10.0, 0.0]), codes) > 20 * spacing
    assert probe.nearest_code_distance(codes[5], codes) == pytest.approx(0, abs=1e-3)
