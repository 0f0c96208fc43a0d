"""Helpers for the real-browser tests: a streamlit server on a free port and a headless Chromium page."""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"
VAE_READY = ".st-key-latent_scatter .marks"  # the VAE page's first plot, drawn (Vega-Lite's marks)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_serving(url: str, timeout_s: float) -> None:
    """Poll the server's health endpoint until it answers ok."""
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"the app at {url} did not start within {timeout_s:.0f} s")


@contextlib.contextmanager
def streamlit_server(env_extra: dict | None = None, preloaded: bool = True, port: int | None = None,
                     args: tuple[str, ...] = ()):
    """The app served on a local port (free unless given): yields (url, process). args: more streamlit options.

    preloaded: started as `python -m labui.serve` (heavy imports done before the first visit), else as
    a bare `streamlit run app.py`."""
    port = port or free_port()
    env = {**os.environ, **(env_extra or {})}
    launch = ["-m", "labui.serve"] if preloaded else ["-m", "streamlit", "run", "app.py"]
    proc = subprocess.Popen([sys.executable, *launch, "--server.headless", "true",
                             "--server.address", "127.0.0.1", "--server.port", str(port),
                             "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none", *args],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(url, 60)
        yield url, proc
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@contextlib.contextmanager
def browser_pages(count: int, width: int = 1400, height: int = 2600):
    """`count` pages of one headless Chromium, each in its own context: separate users, separate sessions."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        try:
            yield [browser.new_context(viewport={"width": width, "height": height}).new_page() for _ in range(count)]
        finally:
            browser.close()


@contextlib.contextmanager
def browser_page(width: int = 1400, height: int = 2600):
    with browser_pages(1, width, height) as (page,):
        yield page


def shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def open_page(page, url: str, ready_selector: str, timeout_s: float = 60) -> float:
    """Open a page and wait until `ready_selector` shows; returns the seconds it took."""
    from playwright.sync_api import expect

    started = time.perf_counter()
    page.goto(url)
    expect(page.locator(ready_selector).first).to_be_visible(timeout=timeout_s * 1000)
    return time.perf_counter() - started


def no_exception(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0, "a page shows an exception"


def draw_a_seven(page) -> None:
    """Two mouse strokes on the canvas: a bar across the top and a slanted leg, drawn off-centre (left)."""
    canvas = page.locator(".st-key-draw_canvas canvas").last
    canvas.wait_for(state="visible", timeout=30_000)
    box = canvas.bounding_box()
    at = lambda fx, fy: (box["x"] + fx * box["width"], box["y"] + fy * box["height"])  # noqa: E731
    for stroke in ([(0.10, 0.15), (0.55, 0.15)], [(0.55, 0.15), (0.40, 0.50), (0.28, 0.85)]):
        page.mouse.move(*at(*stroke[0]))
        page.mouse.down()
        for (x0, y0), (x1, y1) in zip(stroke, stroke[1:]):
            for t in np.linspace(0, 1, 12)[1:]:
                page.mouse.move(*at(x0 + t * (x1 - x0), y0 + t * (y1 - y0)))
        page.mouse.up()


def click_plane_at(page, chart_key: str, x: float, y: float) -> None:
    """Click the plotly plane at data coordinates (x, y), converted with the chart's own axes."""
    plot = page.locator(f".st-key-{chart_key} .js-plotly-plot")
    plot.wait_for(state="visible", timeout=30_000)
    page.wait_for_timeout(500)  # let plotly finish its first layout
    px, py = plot.evaluate(
        "(el, p) => { const xa = el._fullLayout.xaxis, ya = el._fullLayout.yaxis;"
        " const r = el.getBoundingClientRect();"
        " return [r.left + xa._offset + xa.l2p(p[0]), r.top + ya._offset + ya.l2p(p[1])]; }", [x, y])
    page.mouse.move(px, py)
    page.wait_for_timeout(200)
    page.mouse.click(px, py)
