"""Real-browser test of the mode-collapse alarm: the GAN page showing a run that really collapsed."""
import json
import shutil
from pathlib import Path

import pytest

from browser import CHROMIUM, ROOT, browser_page, shot, streamlit_server
from genlib.evaluation import collapse

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Chromium at /usr/bin/chromium")]

COLLAPSED = ROOT / "tests" / "fixtures" / "gan-collapsed"


def test_the_gan_page_raises_the_alarm_on_a_collapsed_run(tmp_path):
    from playwright.sync_api import expect

    shutil.copytree(COLLAPSED, tmp_path / "gan-collapsed")
    alarms = collapse.alarms(json.loads((COLLAPSED / "history.json").read_text())["epochs"])
    last = alarms[-1]
    with streamlit_server({"GENLIB_RUNS_DIR": str(tmp_path)}) as (url, _), browser_page() as page:
        page.goto(f"{url}/gan")
        # the page opens on the shipped run: wait until it has drawn, or a rerun closes the list just opened
        expect(page.locator('[data-testid="stImage"] img').first).to_be_visible(timeout=120_000)
        page.locator(".st-key-gan_run").click()
        page.get_by_role("option", name="gan-collapsed").click(timeout=30_000)
        note = page.locator('[data-testid="stAlert"]').filter(has_text="Mode-collapse alarm")
        expect(note).to_contain_text(f"epoch {last.epoch}: digits it drew before are gone", timeout=60_000)
        expect(note).to_contain_text(f"entropy is {last.entropy:.2f} nats")
        expect(page.get_by_text(f"Fixed-noise samples after epoch {last.epoch}", exact=True)).to_be_visible()
        page.get_by_role("tab", name="Metrics by epoch").click()
        for key in ("fid", "entropy", "rarest"):
            chart = page.locator(f".st-key-gan_curve_{key} .js-plotly-plot")
            expect(chart).to_be_visible(timeout=30_000)
            expect(chart).to_contain_text("alarm: digits dropped")  # the marks' legend entry on every curve
        assert page.locator('[data-testid="stException"]').count() == 0
        shot(page, "gan_alarm_collapsed")
        handle = page.locator('[class*="st-key-gan_epoch_"] input[type="range"]')
        handle.focus()
        handle.press("Home")
        expect(page.get_by_text(f"Fixed-noise samples after epoch {alarms[0].epoch}", exact=True)).to_be_visible(
            timeout=20_000)
        expect(page.locator('[data-testid="stAlert"]').filter(has_text=f"epoch {alarms[0].epoch}")).to_be_visible()
        shot(page, "gan_alarm_first_epoch")
