"""How much slower does a GAN epoch train inside the app, with its page open in a browser, than from the CLI?

    python scripts/app_training_pace.py [--epochs 2]

One run of each, one after the other on this machine: `python -m genlib train gan` (the CLI, every core), then
the app (`python -m labui.serve`) with the GAN page open in headless Chromium, its Train button pressed and the
live panel redrawing until the run ends. Prints both runs' epoch times and their ratio (issue: at most 1.5x).
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from browser import browser_page, streamlit_server  # noqa: E402


def epoch_seconds(run_dir: Path) -> list[float]:
    return [r["seconds"] for r in json.loads((run_dir / "history.json").read_text())["epochs"]]


def cli_run(epochs: int) -> list[float]:
    out = Path(tempfile.mkdtemp()) / "gan"
    subprocess.run([sys.executable, "-m", "genlib", "train", "gan", "--epochs", str(epochs), "--out", str(out)],
                   cwd=ROOT, check=True, capture_output=True)
    return epoch_seconds(out)


def app_run(epochs: int) -> list[float]:
    from playwright.sync_api import expect

    from genlib.runs.store import Run, user_runs_dir

    with streamlit_server() as (url, _), browser_page() as page:
        page.goto(url)
        expect(page.get_by_text("Training on:")).to_be_visible(timeout=120_000)
        page.goto(f"{url}/gan")
        field = page.locator(".st-key-gan_form_epochs input")
        field.fill(str(epochs))
        field.press("Enter")
        page.get_by_role("button", name="Train", exact=True).click()
        expect(page.get_by_text(re.compile("Finished"))).to_be_visible(timeout=epochs * 180_000)
        name = page.locator("code").filter(has_text="gan-small-").first.inner_text()
        run = Run(user_runs_dir() / name)
        seconds = epoch_seconds(run.path)
        run.delete()
        return seconds


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=2)
    args = parser.parse_args()
    started = time.time()
    cli, app = cli_run(args.epochs), app_run(args.epochs)
    ratio = (sum(app) / len(app)) / (sum(cli) / len(cli))
    print("| where | epoch seconds (steps, evaluation, metrics) | mean | ratio to the CLI |")
    print("| --- | --- | ---: | ---: |")
    for name, times in (("CLI (`python -m genlib train gan`)", cli), ("app, GAN page open in Chromium", app)):
        print(f"| {name} | {', '.join(f'{t:.1f}' for t in times)} | {sum(times) / len(times):.1f} | "
              f"{(sum(times) / len(times)) / (sum(cli) / len(cli)):.2f} |")
    print(f"(took {time.time() - started:.0f} s)", file=sys.stderr)
    return 0 if ratio <= 1.5 else 1


if __name__ == "__main__":
    sys.exit(main())
