"""Resident memory of the app server after a browser visits what a student visits in a first session.

    .venv/bin/python scripts/app_memory.py

Home; the VAE page: every view at β = 0 (a digit drawn with the mouse, a point of the latent plane clicked),
every β of the latent-16 sweep (slider moved across it), the other sweep, both memorisation checks (β = 0
and 1); the GAN page: every view, the epochs scrubbed end to end, the copies check and its every-kept-epoch
curve, three slow-motion steps. The server's RSS is printed after each stage.
"""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from browser import VAE_READY, browser_page, click_plane_at, draw_a_seven, streamlit_server  # noqa: E402

VAE_VIEWS = ["Latent space", "Samples", "Interpolation", "Latent sliders", "Across β", "Overfitting and copies",
             "Draw a digit", "KL per dimension", "Decode anywhere"]
GAN_VIEWS = ["Compare epochs", "Metrics by epoch", "Losses", "Animation", "New noise", "Interpolation", "Copies?",
             "Variants side by side", "Slow motion"]
FIND_COPIES = "Find each sample's nearest training digit"
SETTLE_MS = 1500


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def open_views(page, views: list[str], report=lambda stage: None) -> None:
    from playwright.sync_api import expect

    for view in views:
        page.get_by_role("tab", name=view).click()
        page.wait_for_timeout(SETTLE_MS)
        if page.get_by_role("button", name=FIND_COPIES).count():
            page.get_by_role("button", name=FIND_COPIES).click()
            expect(page.get_by_text("nn_ratio (judge features)")).to_be_visible(timeout=120_000)
        if view == "Draw a digit":
            draw_a_seven(page)
            expect(page.get_by_text("What the models see")).to_be_visible(timeout=60_000)
        if view == "Decode anywhere":
            key = page.locator("[class*='st-key-decode_plane_']").first.get_attribute("class").split("st-key-")[1]
            click_plane_at(page, key.split()[0], 0.5, 0.5)
            page.wait_for_timeout(SETTLE_MS)
        if view == "Slow motion":
            for _ in range(3):
                page.get_by_role("button", name="One step").click()
                page.wait_for_timeout(SETTLE_MS)
        report(f"  after the {view} view")


def step_slider(page, selector: str, key: str, presses: int) -> None:
    handle = page.locator(f"{selector} input[type='range']").first
    for _ in range(presses):
        handle.focus()
        handle.press(key)
        page.wait_for_timeout(SETTLE_MS)


def main() -> None:
    from playwright.sync_api import expect

    with streamlit_server() as (url, server), browser_page() as page:
        report = lambda stage: print(f"{stage}: {rss_mib(server.pid):.0f} MiB", flush=True)  # noqa: E731
        report("after start")
        page.goto(url)
        expect(page.locator('[data-testid="stImage"] img').first).to_be_visible(timeout=120_000)
        report("after /")
        page.goto(f"{url}/vae")
        expect(page.locator(VAE_READY)).to_be_visible(timeout=120_000)
        open_views(page, VAE_VIEWS, report)             # β = 0, with its memorisation check
        report("after /vae views at β = 0")
        page.get_by_role("tab", name="Latent space").click()
        step_slider(page, ".st-key-vae_beta_16_mlp", "ArrowRight", 9)   # every β of the sweep
        step_slider(page, ".st-key-vae_beta_16_mlp", "ArrowLeft", 3)    # back to β = 1
        open_views(page, VAE_VIEWS)                     # β = 1, with its memorisation check
        report("after every β and the views at β = 1")
        page.get_by_text("latent 2 · mlp").click()
        page.wait_for_timeout(3 * SETTLE_MS)
        report("after the latent-2 sweep")
        page.goto(f"{url}/gan")
        expect(page.locator('[data-testid="stImage"] img').first).to_be_visible(timeout=120_000)
        step_slider(page, "[class*='st-key-gan_epoch_']", "ArrowLeft", 19)  # scrub from the last epoch back
        page.locator("[class*='st-key-gan_epoch_'] input[type='range']").first.press("End")
        open_views(page, GAN_VIEWS, report)
        every = page.get_by_role("button", name="Measure nn_ratio at every kept epoch")
        if every.count():
            every.click()
            expect(page.locator(".st-key-gan_memo_curve .js-plotly-plot")).to_be_visible(timeout=300_000)
        report("after /gan, every view and every kept epoch's check")


if __name__ == "__main__":
    main()
