"""How long a student waits for the VAE page on a freshly started server, in a real browser.

    .venv/bin/python scripts/first_open.py [--repeats 3]

Each repeat starts a new server (nothing imported, nothing cached in memory), opens /vae directly and
records when the title, the metric strip and the first plot appear.
"""
import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from browser import VAE_READY, browser_page, streamlit_server  # noqa: E402

# what the first view of /vae is made of, in the order a student sees it
MILESTONES = {"title": "h1", "metrics": '[data-testid="stMetric"]',
              "first plot": VAE_READY}


def first_view_seconds(url: str, page, path: str = "vae") -> dict[str, float]:
    """Seconds from navigation to each milestone being visible."""
    from playwright.sync_api import expect

    started = time.perf_counter()
    page.goto(f"{url}/{path}")
    seen = {}
    for name, selector in MILESTONES.items():
        expect(page.locator(selector).first).to_be_visible(timeout=120_000)
        seen[name] = time.perf_counter() - started
    return seen


def scripts_loaded(page) -> list[str]:
    """The file names of the JavaScript the page has fetched so far (chart libraries load on first use)."""
    return page.evaluate("performance.getEntriesByType('resource').map(e => e.name.split('/').pop())"
                         ".filter(name => name.endsWith('.js'))")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    for launch, preloaded in (("streamlit run app.py", False), ("python -m labui.serve", True)):
        for _ in range(args.repeats):
            with streamlit_server(preloaded=preloaded) as (url, _), browser_page() as page:
                seen = first_view_seconds(url, page)
            print(f"{launch}: " + " · ".join(f"{name} {s:.1f} s" for name, s in seen.items()))


if __name__ == "__main__":
    main()
