"""Server-side redraw times of the pages' interactive paths, measured with Streamlit's AppTest.

    .venv/bin/python scripts/page_latency.py

AppTest reruns the whole page script for every widget change (it does not run fragments alone), so the
numbers for the interpolation and latent sliders are upper bounds of what the fragment redraw costs.
Tabs are lazy: each figure is measured with the view's own tab open (the latent-space tab for β).
Each figure is the median of several moves after a warm-up that fills the caches. A click on the plane is
replayed as the point its callback stores (AppTest cannot click a chart), a drawn digit as an upload.
"""
import statistics
import sys
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def median_ms(action, repeats: int = 7) -> float:
    action()  # warm up: caches filled
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        times.append(1000 * (time.perf_counter() - started))
    return statistics.median(times)


def main() -> None:
    from genlib.runs.store import scan_runs

    paths = {r.kl_weight: r.path for r in scan_runs()[0] if r.kind == "vae" and r.latent_dim == 16
             and "shipped" in r.path}
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300).run()
    at.switch_page("app_pages/vae.py").run()
    for path in paths.values():  # visit every β once so each model is cached
        at.select_slider(key="vae_beta_16_mlp").set_value(path).run()
    toggle = iter([paths[0.0], paths[1.0]] * 20)
    results = {
        "switch β (cached models)": median_ms(lambda: at.select_slider(key="vae_beta_16_mlp").set_value(
            next(toggle)).run()),
    }
    at.session_state["vae_view"] = "Interpolation"
    at.run()
    ts = iter([0.1, 0.9] * 20)
    results["move the interpolation slider (whole page)"] = median_ms(
        lambda: at.slider(key="interp_t").set_value(next(ts)).run())
    at.session_state["vae_view"] = "Latent sliders"
    at.run()
    key = next(s.key for s in at.slider if s.key and s.key.startswith("z_") and s.key.endswith("_0"))
    zs = iter([-1.0, 1.0] * 20)
    results["move a latent slider (whole page)"] = median_ms(lambda: at.slider(key=key).set_value(next(zs)).run())
    results.update(hands_on_vae_views(at, paths))
    results.update(hands_on_fragments())
    at.switch_page("app_pages/gan.py").run()
    epoch_key = next(s.key for s in at.select_slider if s.key.startswith("gan_epoch_"))
    epochs = iter([1, 10] * 20)
    results["scrub the GAN epoch slider (whole page)"] = median_ms(
        lambda: at.select_slider(key=epoch_key).set_value(next(epochs)).run())
    at.session_state["gan_view"] = "Metrics by epoch"  # six curves with the collapse alarm's marks
    at.run()
    results["scrub the GAN epoch slider, metrics by epoch open (whole page)"] = median_ms(
        lambda: at.select_slider(key=epoch_key).set_value(next(epochs)).run())
    at.session_state["gan_view"] = "Variants side by side"
    at.run()
    shared = iter([1, 20] * 20)
    results["move the variants' shared epoch slider, four runs (whole page)"] = median_ms(
        lambda: at.select_slider(key="gan_variants_epoch").set_value(next(shared)).run())
    at.session_state["gan_view"] = "Slow motion"
    at.run()
    results["one slow-motion step of the small GAN (whole page)"] = median_ms(
        lambda: at.button(key="gan_slow_step").click().run())
    for name, ms in results.items():
        print(f"| {name} | {ms:.0f} ms |")


def photo(index: int) -> bytes:
    """Test digit `index` as an upload: dark ink on light paper, 8× larger (what a drawn digit becomes too)."""
    import io

    import numpy as np
    from PIL import Image

    from genlib.data import load_digits

    ink = np.kron(load_digits("mnist", "test").images[index].numpy(), np.ones((8, 8), np.uint8))
    buf = io.BytesIO()
    Image.fromarray(255 - ink).save(buf, format="PNG")
    return buf.getvalue()


def hands_on_vae_views(at, paths: dict) -> dict:
    """Draw a digit (through the upload beside the canvas: AppTest cannot draw), KL per dimension, decode anywhere.

    Every upload is a digit not seen before, so its encodings under the 10 β are computed, not cached."""
    results = {}
    at.session_state["vae_view"] = "Draw a digit"
    at.run()
    uploads = iter([photo(i) for i in range(20)])
    results["draw a new digit: encode under all 10 β (whole page)"] = median_ms(
        lambda: at.file_uploader(key="draw_upload").set_value(("d.png", next(uploads), "image/png")).run())
    toggle = iter([paths[0.0], paths[1.0]] * 20)
    results["switch β with a digit drawn (whole page)"] = median_ms(
        lambda: at.select_slider(key="vae_beta_16_mlp").set_value(next(toggle)).run())
    at.file_uploader(key="draw_upload").set_value(None).run()
    at.session_state["vae_view"] = "KL per dimension"
    at.run()
    toggle = iter([paths[0.0], paths[8.0]] * 20)
    results["switch β on KL per dimension (whole page)"] = median_ms(
        lambda: at.select_slider(key="vae_beta_16_mlp").set_value(next(toggle)).run())
    at.session_state["vae_view"] = "Decode anywhere"
    at.run()
    clicks = iter([(0.5, -0.5), (-1.0, 2.0)] * 20)

    def click():
        at.session_state[f"vae_decode_at_{at.session_state['vae_viewed_run']}"] = next(clicks)
        at.run()
    results["click the latent plane: decode and read it (whole page)"] = median_ms(click)
    return results


FRAGMENT_PAGE = """
import streamlit as st
from labui import run_cache, vae_decode, vae_draw, vae_sweeps
sweep = vae_sweeps.group_runs(run_cache.vae_runs())[(16, "mlp", None, None)]
run = next(r for r in sweep if r.kl_weight == 1.0 and run_cache.is_shipped(r))
(vae_draw.draw_view(sweep, run) if st.session_state.get("view") == "draw"
 else vae_decode.decode_view(run.path, run.latent_dim, run.kl_weight))
"""


def hands_on_fragments() -> dict:
    """The draw and decode views alone: what a stroke or a click reruns in the browser (both are fragments)."""
    at = AppTest.from_string(FRAGMENT_PAGE, default_timeout=300)
    at.session_state["view"] = "draw"
    at.run()
    uploads = iter([photo(i) for i in range(20, 40)])
    results = {"draw a new digit: the view's rerun alone (fragment)": median_ms(
        lambda: at.file_uploader(key="draw_upload").set_value(("d.png", next(uploads), "image/png")).run())}
    at.session_state["view"] = "decode"
    at.run()
    clicks = iter([(0.5, -0.5), (-1.0, 2.0)] * 20)
    path = str(ROOT / "checkpoints" / "shipped" / "vae-z16" / "beta-1")

    def click():
        at.session_state[f"vae_decode_at_{path}"] = next(clicks)
        at.run()
    results["click the latent plane: the view's rerun alone (fragment)"] = median_ms(click)
    return results


if __name__ == "__main__":
    main()
