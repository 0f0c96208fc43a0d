"""Real-browser tests: the app served by streamlit, driven by Playwright in the system Chromium."""
import time
from pathlib import Path

import pytest

from browser import CHROMIUM, browser_page, shot, streamlit_server

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Chromium at /usr/bin/chromium")]

PAGE_READY_S = 5  # issue: every view shows real content within 5 s of opening a page


@pytest.fixture(scope="module")
def app_url():
    with streamlit_server() as (url, _):
        yield url


@pytest.fixture
def page():
    with browser_page() as p:
        yield p


def open_page(page, url: str, ready_selector: str, timeout_s: float = 60) -> float:
    """Open a page and wait until `ready_selector` shows; returns the seconds it took."""
    from playwright.sync_api import expect

    started = time.perf_counter()
    page.goto(url)
    expect(page.locator(ready_selector).first).to_be_visible(timeout=timeout_s * 1000)
    return time.perf_counter() - started


def no_exception(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0, "a page shows an exception"


def test_home_page_in_a_browser(app_url, page):
    from playwright.sync_api import expect

    open_page(page, app_url, '[data-testid="stImage"] img')
    assert page.get_by_text("Runs found").is_visible()
    expect(page.locator('[data-testid="stDataFrame"]')).to_be_visible(timeout=30_000)
    no_exception(page)
    shot(page, "home")


def test_drag_the_kl_slider_and_the_interpolation_slider(app_url, page):
    from playwright.sync_api import expect

    open_page(page, f"{app_url}/vae", '.st-key-latent_scatter .js-plotly-plot', timeout_s=120)
    seconds = open_page(page, f"{app_url}/vae", '.st-key-latent_scatter .js-plotly-plot')
    assert seconds < PAGE_READY_S, f"VAE page took {seconds:.1f} s to show its views"
    no_exception(page)
    shot(page, "vae_beta_0")
    # move β from 0 to 1 with the keyboard: 0, 0.001, 0.01, 0.1, 0.25, 0.5, 1 is six steps right
    handle = page.locator('.st-key-vae_beta_16_mlp input[type="range"]')
    handle.focus()
    for _ in range(6):
        handle.press("ArrowRight")
    expect(handle).to_have_attribute("aria-valuetext", "1", timeout=10_000)
    page.get_by_role("tab", name="Across β").click()
    expect(page.get_by_text("Selected β = 1:")).to_have_count(1, timeout=30_000)
    no_exception(page)
    shot(page, "vae_beta_1")
    page.get_by_role("tab", name="Interpolation").click()
    t_handle = page.locator('.st-key-interp_t input[type="range"]')
    t_handle.focus()
    for _ in range(20):
        t_handle.press("ArrowLeft")
    expect(page.get_by_text("decoded at t = 0.30")).to_be_visible(timeout=30_000)
    no_exception(page)
    shot(page, "vae_interpolation")


def test_scrub_the_gan_epochs(app_url, page):
    from playwright.sync_api import expect

    open_page(page, f"{app_url}/gan", '.st-key-gan_run', timeout_s=120)
    seconds = open_page(page, f"{app_url}/gan", '[data-testid="stImage"] img')
    assert seconds < PAGE_READY_S, f"GAN page took {seconds:.1f} s to show its views"
    handle = page.locator('[class*="st-key-gan_epoch_"] input[type="range"]')
    handle.focus()
    handle.press("Home")
    expect(page.get_by_text("Fixed-noise samples after epoch 1", exact=True)).to_be_visible(timeout=20_000)
    shot(page, "gan_epoch_1")
    for _ in range(4):
        handle.press("ArrowRight")
    expect(page.get_by_text("Fixed-noise samples after epoch 5", exact=True)).to_be_visible(timeout=20_000)
    no_exception(page)
    shot(page, "gan_epoch_5")
    handle.press("End")
    page.get_by_role("tab", name="Metrics by epoch").click()
    expect(page.locator(".st-key-gan_curve_fid .js-plotly-plot")).to_be_visible(timeout=30_000)
    no_exception(page)
    shot(page, "gan_last_epoch")


def test_walk_every_page_and_start_then_stop_a_training_run(app_url, page):
    from playwright.sync_api import expect

    for path, ready in (("", '[data-testid="stImage"] img'), ("vae", ".st-key-latent_scatter .js-plotly-plot"),
                        ("gan", '[data-testid="stImage"] img')):
        open_page(page, f"{app_url}/{path}", ready, timeout_s=120)
        no_exception(page)
    page.get_by_role("button", name="Train", exact=True).click()
    expect(page.get_by_text("Epoch 1/15")).to_be_visible(timeout=60_000)
    shot(page, "gan_training")
    run_name = page.locator("code").filter(has_text="gan-small-").first.inner_text()
    page.reload()  # a reload (or a closed and reopened tab with the same address) re-attaches to the job
    expect(page.get_by_text(run_name)).to_be_visible(timeout=60_000)
    expect(page.locator(".st-key-gan_job_stop button")).to_be_visible(timeout=60_000)
    page.locator(".st-key-gan_job_stop button").click()
    expect(page.get_by_text("Stopped during epoch")).to_be_visible(timeout=60_000)
    no_exception(page)
    shot(page, "gan_stopped")
    from genlib.runs.store import USER_RUNS_DIR, Run
    run = Run(USER_RUNS_DIR / run_name)
    assert run.history()["status"] == "stopped"
    run.delete()
