import json

from test_cli import genlib


def test_quick_bench_runs_and_matches_the_references():
    res = genlib("bench", "--quick", "--device", "cpu", timeout=600)
    assert res.returncode == 0, res.stderr
    table, payload = res.stdout.strip().split("\n")[:-1], res.stdout.strip().split("\n")[-1]
    rows = json.loads(payload)
    tasks = [r["task"] for r in rows]
    assert any(t.startswith("VAE 784-400-20") for t in tasks) and any(t.startswith("GAN infogan") for t in tasks)
    assert any(t.startswith("GAN small") for t in tasks) and sum(t.startswith("interactive") for t in tasks) == 3
    assert all(r["match"] for r in rows)
    for r in rows:
        if r["reference_s"] is not None:
            assert r["ratio"] == r["reference_s"] / r["ours_s"]
    assert table[0].startswith("| task | reference s/epoch | ours s/epoch | ratio")


def test_an_epoch_is_timed_phase_by_phase():
    """What the bench's breakdown reads: each epoch's steps, evaluation, grid, metrics and save, adding up to
    the epoch's own clock."""
    from genlib.bench import bench
    from genlib.models import VAEConfig
    from genlib.training.configs import VAETrainConfig

    cfg = VAETrainConfig(train_limit=512, metric_samples=200, device="cpu")
    epochs = bench._fit_epochs("vae", VAEConfig(latent_dim=4, hidden=32), cfg, 2)
    assert len(epochs) == 2
    for epoch in epochs:
        assert set(epoch) == {"seconds", "steps", "eval", "grid", "metrics", "save"}
        assert epoch["steps"] > 0 and epoch["eval"] > 0 and epoch["metrics"] > 0  # the judge scored 200 samples
        assert min(epoch[p] for p in bench.PHASES) >= 0
        # the record keeps milliseconds: four rounded phases and the save against the unrounded whole
        assert abs(sum(epoch[p] for p in bench.PHASES) - epoch["seconds"]) < 0.003
    parts = bench.breakdown([epochs])
    assert list(parts) == list(bench.PHASES)
    assert parts["eval"] == sum(e["eval"] for e in epochs) / 2


def test_the_two_core_speedup_probe_restores_the_thread_count():
    import torch

    from genlib.bench import bench

    threads = torch.get_num_threads()
    speedup = bench.in_fresh_thread(bench.two_core_speedup, 20)
    assert 0.3 < speedup < threads + 0.5  # a ratio of two timings of the same product, not a time
    assert bench.in_fresh_thread(torch.get_num_threads) == threads == torch.get_num_threads()
