"""Resident memory of the app server after a browser has visited every page and opened every view.

    .venv/bin/python scripts/app_memory.py
"""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from browser import browser_page, streamlit_server  # noqa: E402

VIEWS = {"": [], "vae": ["Latent space", "Samples", "Interpolation", "Latent sliders", "Across β",
                         "Overfitting and copies"],
         "gan": ["Compare epochs", "Metrics by epoch", "Losses", "Animation", "New noise", "Interpolation",
                 "Copies?"]}
FIND_COPIES = "Find each sample's nearest training digit"


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def main() -> None:
    from playwright.sync_api import expect

    with streamlit_server() as (url, server), browser_page() as page:
        print(f"after start: {rss_mib(server.pid):.0f} MiB")
        for path, views in VIEWS.items():
            page.goto(f"{url}/{path}")
            expect(page.locator('[data-testid="stImage"] img').first).to_be_visible(timeout=120_000)
            for view in views:
                page.get_by_role("tab", name=view).click()
                page.wait_for_timeout(1500)
                if page.get_by_role("button", name=FIND_COPIES).count():
                    page.get_by_role("button", name=FIND_COPIES).click()
                    expect(page.get_by_text("nn_ratio (judge features)")).to_be_visible(timeout=120_000)
            print(f"after /{path}: {rss_mib(server.pid):.0f} MiB")


if __name__ == "__main__":
    main()
