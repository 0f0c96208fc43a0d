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
