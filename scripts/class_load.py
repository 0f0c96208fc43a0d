"""A class on one machine: simulated students submit small VAE jobs to the Ray engine and poll like the page.

    python scripts/class_load.py [--students 30] [--cpus 2]

Each student submits one job (2,000 images, 2 epochs, scored at the end as in the app) at a random moment in the
first 10 s, then polls its jobs every 2 s (what the page's live panel does) until the job ends. Prints one
markdown table (for docs/benchmarks.md) and exits non-zero if a job failed, a run folder is incomplete, or a job
started before one submitted earlier (with one job each, fair order is submission order).
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from genlib.models import VAEConfig  # noqa: E402
from genlib.runs.store import Run  # noqa: E402
from genlib.training.configs import VAETrainConfig  # noqa: E402
from genlib.training.ray_engine import RayEngine, start_local  # noqa: E402

EPOCHS, IMAGES, POLL_S = 2, 2000, 2.0


def student(engine, name: str, root: Path, delay: float, out: dict) -> None:
    time.sleep(delay)
    job = engine.submit(name, "vae", root / name, VAEConfig(latent_dim=16, hidden=256),
                        VAETrainConfig(epochs=EPOCHS, train_limit=IMAGES, device="cpu"))
    polls = []
    while True:
        started = time.perf_counter()
        (state,) = engine.jobs(name)
        polls.append(time.perf_counter() - started)
        if state.status not in ("waiting", "running"):
            break
        time.sleep(POLL_S)
    out[name] = {"job": state, "polls": polls, "first_place": job.position}


def ray_memory_mib() -> float:
    """Resident memory of every Ray process on this machine (head services, the board, the workers)."""
    total = 0
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ")
            if b"ray" in cmd and (b"raylet" in cmd or b"gcs_server" in cmd or b"default_worker" in cmd
                                  or cmd.startswith(b"ray::")):
                rss = next(line for line in (proc / "status").read_text().splitlines() if line.startswith("VmRSS"))
                total += int(rss.split()[1])
        except (OSError, StopIteration):
            continue
    return total / 1024


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--cpus", type=int, default=2)
    args = parser.parse_args()
    started = time.time()
    start_local(args.cpus)
    engine = RayEngine()
    root = Path(tempfile.mkdtemp(prefix="class-load-"))
    results: dict = {}
    rng = random.Random(0)
    threads = [threading.Thread(target=student, args=(engine, f"student{i:02d}", root, rng.uniform(0, 10), results))
               for i in range(args.students)]
    peak = [0.0]

    def watch_memory():
        while any(t.is_alive() for t in threads):
            peak[0] = max(peak[0], ray_memory_mib())
            time.sleep(2)

    for t in threads:
        t.start()
    watcher = threading.Thread(target=watch_memory)
    watcher.start()
    for t in threads:
        t.join()
    watcher.join()
    jobs = [r["job"] for r in results.values()]
    complete = [j for j in jobs if j.status == "complete"]
    whole = [j for j in complete if Run(j.run_dir).epochs_done() == EPOCHS]
    waits = [j.started - j.submitted for j in jobs if j.started]
    polls = [p for r in results.values() for p in r["polls"]]
    by_submission = sorted(jobs, key=lambda j: j.submitted)
    fair = all(a.started <= b.started for a, b in zip(by_submission, by_submission[1:]))
    lengths = [j.ended - j.started for j in complete]
    print("| students | complete | run folders whole | wait p50 / p95 (s) | job length p50 (s) | "
          "poll p50 / p99 (ms) | started in fair order | Ray memory peak (MiB) | wall (s) |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |")
    print(f"| {len(jobs)} | {len(complete)} | {len(whole)} | {percentile(waits, 50):.0f} / {percentile(waits, 95):.0f} "
          f"| {statistics.median(lengths):.1f} | {1000 * percentile(polls, 50):.1f} / {1000 * percentile(polls, 99):.1f} "
          f"| {fair} | {peak[0]:.0f} | {time.time() - started:.0f} |")
    import ray
    ray.shutdown()
    return 0 if len(whole) == len(jobs) == args.students and fair else 1


if __name__ == "__main__":
    sys.exit(main())
