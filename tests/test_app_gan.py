"""AppTest of the GAN page over the shipped GAN history."""
import io
import shutil
import json

import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from apptest_helpers import (chart_titles, job_button, open_view, opened_page,
                             progress_shows, rerun_until, stop_and_get_run)
from conftest import ROOT
from genlib import images
from genlib.runs.store import Run
from genlib.runs.store import SHIPPED_DIR


def shipped_gan() -> Run:
    return Run(SHIPPED_DIR / "gan-small")  # the homework's bce run, which the page opens with


@pytest.fixture(scope="module")
def gan_page():
    return opened_page("app_pages/gan.py")


def epoch_key(at) -> str:
    return next(s.key for s in at.select_slider if s.key.startswith("gan_epoch_"))


def test_epoch_slider_switches_the_grid_and_its_metrics(gan_page):
    at = gan_page
    key = epoch_key(at)
    epochs = shipped_gan().epochs_done()
    assert at.select_slider(key=key).value == epochs  # opens on the last epoch
    at.select_slider(key=key).set_value(1).run()
    captions = [img.proto.imgs[0].caption for img in at.get("image")]
    assert "Fixed-noise samples after epoch 1" in captions
    assert "epoch 1" in " ".join(m.value for m in at.markdown)
    assert {m.label for m in at.metric} >= {"FID", "Classes covered", "Confident rate", "D loss", "G loss"}
    at.select_slider(key=key).set_value(epochs).run()
    assert not at.exception


def test_compare_two_epochs(gan_page):
    at = open_view(gan_page, "gan_view", "Compare epochs")
    at.selectbox(key="gan_compare_a").set_value(2).run()
    table = at.dataframe[0].value
    assert list(table.columns)[1:3] == ["epoch 2", f"epoch {shipped_gan().epochs_done()}"]
    assert "FID (classifier features)" in table["metric"].tolist()


def test_curves_losses_and_downloads_render(gan_page):
    charts, labels = [], []
    for view in ("Metrics by epoch", "Losses", "Animation"):
        open_view(gan_page, "gan_view", view)
        assert not gan_page.exception
        charts += chart_titles(gan_page)
        labels += [b.proto.label for b in gan_page.get("download_button")]
    for title in ("FID (classifier features)", "Classes covered", "Confident-sample rate",
                  "D and G loss per iteration", "Mean D output on real and fake batches"):
        assert title in charts
    assert any(t.startswith("Digits the judge sees at epoch") for t in charts)
    assert "Download this grid (PNG)" in labels and "Download the animation (GIF)" in labels


def test_gif_has_one_frame_per_epoch():
    run = shipped_gan()
    frames = [images.read_png(run.grid_path(e).read_bytes()) for e in range(1, run.epochs_done() + 1)]
    gif = Image.open(io.BytesIO(images.gif_bytes(frames)))
    assert gif.format == "GIF" and gif.n_frames == run.epochs_done()


def test_new_noise_gives_new_samples(gan_page):
    at = open_view(gan_page, "gan_view", "New noise")
    before = [img.proto.imgs[0].caption for img in at.get("image")]
    at.button(key="gan_new_noise").click().run()
    after = [img.proto.imgs[0].caption for img in at.get("image")]
    assert any("noise draw 1" in c for c in after) and not any("noise draw 1" in c for c in before)


def test_gan_training_starts_reports_and_stops():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180).run()
    at.switch_page("app_pages/gan.py").run()
    at.number_input(key="gan_form_epochs").set_value(20)
    at.selectbox(key="gan_form_size").set_value("2,000")
    next(b for b in at.button if b.label == "Train").click().run()
    rerun_until(at, progress_shows(r"Epoch ([2-9]|1\d|20)/20"))
    titles = [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]
    assert "D and G loss" in titles and "D(x) and D(G(z))" in titles
    assert any("average epoch" in c.value for c in at.caption)
    run = stop_and_get_run(at, "gan_job_stop_")
    assert run.history()["status"] == "stopped" and run.resume_state_path() is not None  # resumable
    run.delete()


def test_copies_tab_prints_one_number_once_and_shows_progress_over_epochs(gan_page):
    at = open_view(gan_page, "gan_view", "Copies?")
    at.button(key="gan_memo_go").click().run()
    assert not at.exception
    close = {m.label: m.value for m in at.metric}["Suspiciously close"]
    verdict = next(m.value for m in at.markdown if "suspiciously close" in m.value)
    assert f"{close} are suspiciously close" in verdict  # the same rounding as the metric above it
    at.button(key="gan_memo_all").click().run()
    kept = shipped_gan().epochs_with_weights()
    done = [p.proto.text for p in at.get("progress")]
    assert any(t.startswith(f"Checked {len(kept)} epochs in ") for t in done), done
    assert "nn_ratio (≈ 1: as new as test digits)" in chart_titles(at)


def test_the_homework_architecture_on_the_cpu_asks_first_with_the_measured_pace():
    from labui.forms import INFOGAN_CPU_EPOCH_S

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180).run()
    at.switch_page("app_pages/gan.py").run()
    at.selectbox(key="gan_form_arch").set_value("infogan")
    at.number_input(key="gan_form_epochs").set_value(10)
    next(b for b in at.button if b.label == "Train").click().run()
    warning = at.warning[0].value
    assert f"{INFOGAN_CPU_EPOCH_S:.0f} s" in warning and "measured" in warning
    assert f"about **{10 * INFOGAN_CPU_EPOCH_S / 60:.0f} min**" in warning
    assert not any(m.value.startswith("**Training run**") for m in at.markdown)  # nothing started yet
    at.button(key="gan_cpu_no").click().run()
    assert not at.warning and not any(b.key == "gan_cpu_yes" for b in at.button)
    assert not any(m.value.startswith("**Training run**") for m in at.markdown)
    next(b for b in at.button if b.label == "Train").click().run()
    at.button(key="gan_cpu_yes").click().run()  # an explicit yes starts it
    assert not at.error, [e.value for e in at.error]
    rerun_until(at, lambda at: any(b.key and b.key.startswith("gan_job_stop_") for b in at.button), timeout_s=60)
    run = stop_and_get_run(at, "gan_job_stop_")
    assert run.config()["model"]["arch"] == "infogan"
    run.delete()


def test_loss_charts_name_their_series_and_axes(gan_page):
    at = open_view(gan_page, "gan_view", "Losses")
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    specs = {spec["layout"]["title"]["text"]: spec for spec in specs}
    outputs = specs["Mean D output on real and fake batches"]
    assert outputs["layout"]["yaxis"]["title"]["text"] == "probability 'real'"
    assert [t["name"] for t in outputs["data"]] == ["D(x) on real digits", "D(G(z)) on generated digits"]
    assert [t["name"] for t in specs["D and G loss per iteration"]["data"]] == ["D loss", "G loss"]


def test_the_page_compares_epoch_10_with_the_last_beside_their_numbers(gan_page):
    at = gan_page
    run = shipped_gan()
    last = run.epochs_done()
    assert f"The homework's comparison: epoch 10 against epoch {last}" in [h.value for h in at.subheader]
    captions = [img.proto.imgs[0].caption for img in at.get("image")]
    assert "after epoch 10" in captions and f"after epoch {last}" in captions
    ten, final = run.history()["epochs"][9], run.history()["epochs"][-1]
    text = " ".join(m.value for m in at.markdown)
    for r in (ten, final):  # each grid's numbers, and the sentence quoting both FIDs
        assert f"FID **{r['fid']:.0f}** · **{r['classes_covered']}** of 10 classes" in text
    assert f"{ten['fid']:.0f} to {final['fid']:.0f}" in text or f"{ten['fid']:.0f} → {final['fid']:.0f}" in text
    assert "Avg one epoch time: 19.02" in " ".join(c.value for c in at.caption)


def test_a_second_job_never_hides_the_first():
    """One running and one waiting job of the same session: both listed, each with its own Stop or Cancel."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180).run()
    at.switch_page("app_pages/gan.py").run()
    at.number_input(key="gan_form_epochs").set_value(50)
    at.selectbox(key="gan_form_size").set_value("2,000")
    for name in ("zz-first-job", "zz-second-job"):
        at.text_input(key="gan_form_name").set_value(name)
        next(b for b in at.button if b.label == "Train").click().run()
        assert not at.error, [e.value for e in at.error]
    try:
        rerun_until(at, progress_shows(r"Epoch \d+/50"))
        panels = [m.value for m in at.markdown if m.value.startswith("**Training run**")]
        assert [p.split("`")[1] for p in panels] == ["zz-first-job", "zz-second-job"]  # running, then waiting
        assert any("Waiting: next in line" in (p.proto.text or "") for p in at.get("progress"))
        job_button(at, "gan_job_cancel_").click().run()  # cancelling the waiting job leaves the first in view
        panels = [m.value for m in at.markdown if m.value.startswith("**Training run**")]
        assert [p.split("`")[1] for p in panels] == ["zz-first-job", "zz-second-job"]
        assert at.warning and "ancel" in at.warning[0].value  # the cancelled one says so, below the first
        job_button(at, "gan_job_stop_").click().run()
        rerun_until(at, lambda at: not [b for b in at.button if b.key and b.key.startswith("gan_job_stop_")])
    finally:
        from genlib.runs.store import user_runs_dir
        for name in ("zz-first-job", "zz-second-job"):
            shutil.rmtree(user_runs_dir() / name, ignore_errors=True)
