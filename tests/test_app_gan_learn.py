"""AppTest of the GAN page's learning views: the variants side by side and slow motion (over the shipped runs)."""
import hashlib
import json

import pytest
from streamlit.testing.v1 import AppTest

from apptest_helpers import captions, open_view, opened_page
from conftest import ROOT
from genlib.pretrain import GAN_VARIANTS
from genlib.runs.store import SHIPPED_DIR
from genlib.runs.store import Run


@pytest.fixture(scope="module")
def gan_page():
    return opened_page("app_pages/gan.py")


def file_digests(folder) -> dict:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def charts(at) -> dict:
    return {c.proto.id: json.loads(c.proto.spec) for c in at.get("plotly_chart")}


def test_the_variants_open_side_by_side_and_follow_one_epoch_slider(gan_page):
    at = open_view(gan_page, "gan_view", "Variants side by side")
    assert not at.exception, at.exception
    chosen = at.multiselect(key="gan_variants_runs").value
    shipped = {str(SHIPPED_DIR / "gan-small")} | {str(SHIPPED_DIR / f"gan-small-{loss}") for loss in GAN_VARIANTS}
    assert set(chosen) == shipped  # the shipped variants, one per loss
    at.select_slider(key="gan_variants_epoch").set_value(7).run()
    assert captions(at).count("epoch 7") == 4
    spec = next(s for s in charts(at).values() if any(t.get("name") == "gan-small-hinge" for t in s["data"]))
    fid = {t["name"]: t["y"] for t in spec["data"] if t.get("xaxis", "x") == "x"}
    assert set(fid) == {Run(p).path.name for p in chosen}
    for path in chosen:  # each curve is the run's own history
        assert fid[Run(path).path.name] == [r["fid"] for r in Run(path).history()["epochs"]]
    assert [shape["x0"] for shape in spec["layout"]["shapes"] if shape.get("type") == "line"][:2] == [7, 7]


def test_no_run_picked_is_a_plain_hint(gan_page):
    at = open_view(gan_page, "gan_view", "Variants side by side")
    at.multiselect(key="gan_variants_runs").set_value([]).run()
    assert "Pick at least one run above." in [i.value for i in at.info]
    at.multiselect(key="gan_variants_runs").set_value([str(SHIPPED_DIR / "gan-small")]).run()
    assert not at.exception


def test_three_steps_change_losses_and_scores_and_leave_the_run_untouched(gan_page):
    run_dir = SHIPPED_DIR / "gan-small"
    before = file_digests(run_dir)
    at = open_view(gan_page, "gan_view", "Slow motion")
    at.selectbox(key=f"gan_slow_epoch_{run_dir}").set_value(5).run()
    assert "Fixed-noise samples of epoch 5, before any step" in captions(at)
    seen = []
    for click in (1, 2, 3):
        at.button(key="gan_slow_step").click().run()
        assert not at.exception, at.exception
        metrics = {m.label: m.value for m in at.metric}
        assert metrics["Updates taken"] == str(click)
        spec = next(s for s in charts(at).values() if s["layout"]["title"]["text"].startswith("D's scores"))
        assert spec["layout"]["xaxis"]["title"]["text"] == "probability 'real'"
        seen.append((metrics["D loss"], metrics["G loss"], tuple(spec["data"][0]["x"]), tuple(spec["data"][1]["x"])))
        assert f"after update {click}" in captions(at)
    assert len(set(seen)) == 3  # every click is a new batch and a new update
    at.button(key="gan_slow_restart").click().run()
    assert "Fixed-noise samples of epoch 5, before any step" in captions(at)
    assert file_digests(run_dir) == before  # nothing was written to the run


def test_a_wgan_gp_step_takes_its_critic_steps_and_says_what_its_scores_are(gan_page):
    at = gan_page
    at.selectbox(key="gan_run").set_value(str(SHIPPED_DIR / "gan-small-wgan-gp")).run()
    at = open_view(at, "gan_view", "Slow motion")
    assert any("5 critic steps, each on a fresh batch of 64" in m.value for m in at.markdown)
    at.button(key="gan_slow_step").click().run()
    spec = next(s for s in charts(at).values() if s["layout"]["title"]["text"].startswith("D's scores"))
    assert spec["layout"]["xaxis"]["title"]["text"] == "critic score (only differences mean anything)"
    at.selectbox(key="gan_run").set_value(str(SHIPPED_DIR / "gan-small")).run()


def test_a_run_without_discriminators_says_why_it_cannot_step(gan_page, tmp_path, monkeypatch):
    import shutil

    old = tmp_path / "runs" / "gan-old"
    shutil.copytree(SHIPPED_DIR / "gan-small", old, ignore=shutil.ignore_patterns("discriminator"))
    monkeypatch.setenv("GENLIB_RUNS_DIR", str(tmp_path / "runs"))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180).run()
    at.switch_page("app_pages/gan.py").run()
    at.selectbox(key="gan_run").set_value(str(old)).run()
    at = open_view(at, "gan_view", "Slow motion")
    assert any("kept no discriminator" in i.value for i in at.info)


def test_a_critics_mean_scores_are_not_called_probabilities(gan_page):
    at = gan_page
    at.selectbox(key="gan_run").set_value(str(SHIPPED_DIR / "gan-small-wgan-gp")).run()
    at = open_view(at, "gan_view", "Losses")
    spec = next(s for s in charts(at).values() if s["layout"]["title"]["text"].startswith("Mean D output"))
    assert spec["layout"]["yaxis"]["title"]["text"] == "critic score (only differences mean anything)"
    at.selectbox(key="gan_run").set_value(str(SHIPPED_DIR / "gan-small")).run()


def test_the_form_trains_the_chosen_loss():
    from apptest_helpers import rerun_until, stop_and_get_run

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180).run()
    at.switch_page("app_pages/gan.py").run()
    assert at.selectbox(key="gan_form_loss").options == ["bce", "minimax", "lsgan", "wgan-gp", "hinge"]
    at.selectbox(key="gan_form_loss").set_value("hinge")
    at.selectbox(key="gan_form_size").set_value("2,000")
    next(b for b in at.button if b.label == "Train").click().run()
    assert not at.error, [e.value for e in at.error]
    rerun_until(at, lambda at: any(b.key and b.key.startswith("gan_job_stop_") for b in at.button), timeout_s=60)
    run = stop_and_get_run(at, "gan_job_stop_")
    assert run.config()["model"]["loss"] == "hinge" and run.path.name.startswith("gan-small-hinge-")
    run.delete()


def test_the_reading_judges_the_game_by_log_4_only_under_bce():
    from labui.gan_views import reading

    record = {"epoch": 1, "d_loss": 1.2, "g_loss": 0.9, "d_real": 2.5, "d_fake": -1.0}
    assert "log 4" in reading([record], 1, None, None, "bce")
    said = reading([record], 1, None, None, "wgan-gp")
    assert "log 4" not in said and "a gap of 3.50" in said and "only differences mean anything" in said
