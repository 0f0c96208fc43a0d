"""Real-browser tests of the GAN page's learning views: the shared epoch slider of the variants, and slow motion."""
from pathlib import Path

import pytest

from browser import CHROMIUM, shot

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Chromium at /usr/bin/chromium")]




def open_gan_view(page, app_url: str, tab: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{app_url}/gan")
    expect(page.locator('[data-testid="stImage"] img').first).to_be_visible(timeout=120_000)
    page.get_by_role("tab", name=tab).click()


def test_the_shared_epoch_slider_moves_every_variant(app_url, page):
    from playwright.sync_api import expect

    open_gan_view(page, app_url, "Variants side by side")
    expect(page.locator(".st-key-gan_variants_curves .js-plotly-plot")).to_be_visible(timeout=60_000)
    handle = page.locator('.st-key-gan_variants_epoch input[type="range"]')
    handle.focus()
    handle.press("Home")
    grids = page.locator(".st-key-gan_variants_grids")
    expect(grids.get_by_text("epoch 1", exact=True)).to_have_count(4, timeout=20_000)
    for _ in range(4):
        handle.press("ArrowRight")
    expect(grids.get_by_text("epoch 5", exact=True)).to_have_count(4, timeout=20_000)
    handle.press("End")
    expect(grids.get_by_text("epoch 20", exact=True)).to_have_count(4, timeout=20_000)
    assert page.locator('[data-testid="stException"]').count() == 0
    shot(page, "gan_variants_epoch_20")


def test_one_step_three_times_in_slow_motion(app_url, page):
    from playwright.sync_api import expect

    open_gan_view(page, app_url, "Slow motion")
    step = page.locator(".st-key-gan_slow_step button")
    expect(step).to_be_visible(timeout=60_000)
    readings = []
    for click in (1, 2, 3):
        step.click()
        taken = page.locator('.st-key-gan_slow_metrics [data-testid="stMetric"]').filter(has_text="Updates taken")
        expect(taken.locator('[data-testid="stMetricValue"]')).to_have_text(str(click), timeout=30_000)
        expect(page.get_by_text(f"after update {click}", exact=True)).to_be_visible(timeout=30_000)
        expect(page.locator(".st-key-gan_slow_scores .js-plotly-plot").first).to_be_visible(timeout=30_000)
        losses = [page.locator('.st-key-gan_slow_metrics [data-testid="stMetric"]').filter(has_text=name)
                  .locator('[data-testid="stMetricValue"]').inner_text() for name in ("D loss", "G loss")]
        legend = page.locator(".st-key-gan_slow_scores .legendtext").all_inner_texts()  # the batches' means
        readings.append((*losses, *legend))
        shot(page, f"gan_slow_motion_step_{click}")
    assert len(set(readings)) == 3, readings  # each click: new losses and new score histograms
    assert page.locator('[data-testid="stException"]').count() == 0
