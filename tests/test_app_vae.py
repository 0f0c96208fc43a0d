"""AppTest of the VAE page over the shipped sweep."""
import json
import time

import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT
from genlib.pretrain import SHIPPED_DIR

SWEEP_KEY = "vae_beta_16_mlp"  # the shipped sweep: latent 16, MLP, all training images


@pytest.fixture(scope="module")
def vae_page():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180).run()
    at.switch_page("pages/vae.py").run()
    assert not at.exception, at.exception
    return at


def beta_path(beta: str) -> str:
    """The shipped latent-16 run of one β, as the page lists it."""
    return str(SHIPPED_DIR / "vae-z16" / f"beta-{beta}")


def test_kl_slider_spans_the_sweep_from_exactly_zero(vae_page):
    options = vae_page.select_slider(key=SWEEP_KEY).options
    assert options[0] == "0"
    assert options[:10] == ["0", "0.001", "0.01", "0.1", "0.25", "0.5", "1", "2", "4", "8"]


@pytest.mark.parametrize("beta", ["0", "1"])
def test_every_view_renders(vae_page, beta):
    at = vae_page
    at.select_slider(key=SWEEP_KEY).set_value(beta_path(beta)).run()
    assert not at.exception, at.exception
    metric_labels = [m.label for m in at.metric]
    assert "Prior-sample FID" in metric_labels and "Active units" in metric_labels
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    titles = [c["layout"]["title"]["text"] for c in charts]
    assert any("Test-set codes" in t for t in titles)                    # 1. latent scatter
    assert any("Step sizes" in t for t in titles)                         # 5. interpolation steps
    from labui.vae_views import ACROSS_BETA
    assert {label for _, label in ACROSS_BETA} <= set(titles)             # across β
    assert "Test − train reconstruction (nats)" in titles                  # the generalisation gap
    captions = [img.proto.imgs[0].caption for img in at.get("image")]
    for expected in ("Prior samples", "Gaussian fitted", "decoder over", "Reconstructions", "decoded at t",
                     "evenly spaced steps", "decoded from the sliders"):
        assert any(expected in c for c in captions), expected
    assert len([s for s in at.slider if s.key and s.key.startswith("z_")]) == 16   # 6. latent sliders
    text = " ".join(m.value for m in at.markdown)
    assert f"Selected β = {beta}:" in text and "plain autoencoder" in text


def test_interpolation_slider_moves_the_decoded_point(vae_page):
    at = vae_page
    at.slider(key="interp_t").set_value(0.2).run()
    captions = [img.proto.imgs[0].caption for img in at.get("image")]
    assert "decoded at t = 0.20" in captions and not at.exception


def test_training_starts_reports_progress_and_stops():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180).run()
    at.switch_page("pages/vae.py").run()
    at.slider(key="vae_form_latent").set_value(2)
    at.number_input(key="vae_form_epochs").set_value(30)
    at.selectbox(key="vae_form_size").set_value("2,000")
    next(b for b in at.button if b.label == "Train").click().run()
    assert not at.error, [e.value for e in at.error]
    deadline = time.time() + 120
    while time.time() < deadline and not any("Epoch 2/30" in (p.proto.text or "") for p in at.get("progress")):
        time.sleep(0.5)
        at.run()
    assert any("left" in p.proto.text for p in at.get("progress"))
    assert any("Loss per image" in json.loads(c.proto.spec)["layout"]["title"]["text"]
               for c in at.get("plotly_chart"))
    at.button(key="vae_job_stop").click().run()
    deadline = time.time() + 60
    while time.time() < deadline and not at.warning:
        time.sleep(0.5)
        at.run()
    assert "Stopped during epoch" in at.warning[0].value
    run_name = next(m.value for m in at.markdown if m.value.startswith("**Training run**")).split("`")[1]
    from genlib.checkpoints import CHECKPOINTS_DIR, Run
    run = Run(CHECKPOINTS_DIR / "user" / run_name)
    assert run.history()["status"] == "stopped" and run.epochs_done() >= 1
    run.delete()


def test_overfitting_and_copies_tab(vae_page):
    at = vae_page
    at.select_slider(key=SWEEP_KEY).set_value(beta_path("0")).run()
    text = " ".join(m.value for m in at.markdown)
    assert "the measured gap at β = 0 is" in text and ("is **larger**" in text or "is **not larger**" in text)
    at.button(key="vae_memo_go").click().run()
    assert not at.exception
    labels = {m.label: m.value for m in at.metric}
    assert 0.5 < float(labels["nn_ratio (judge features)"]) < 3
    assert "No sign of copying" in " ".join(m.value for m in at.markdown)
