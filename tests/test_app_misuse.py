"""The app under misuse: damaged runs, a second user, a full server."""
import shutil

import pytest
from streamlit.testing.v1 import AppTest

from apptest_helpers import open_view
from conftest import ROOT
from genlib.runs.store import CHECKPOINTS_DIR, Run, user_runs_dir

USER = user_runs_dir()


def app(page: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180).run()
    return at.switch_page(page).run()


@pytest.fixture
def damaged_gan_run(tiny_gan_run):
    """A copy of a GAN run whose newest generator file is truncated, placed among the user's runs."""
    path = USER / "zz-test-damaged-gan"
    shutil.rmtree(path, ignore_errors=True)
    shutil.copytree(tiny_gan_run, path)
    weights = Run(path).weights_path(3)
    weights.write_bytes(weights.read_bytes()[:100])
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_a_damaged_run_shows_a_message_and_spares_the_others(damaged_gan_run):
    at = app("app_pages/gan.py")
    at.selectbox(key="gan_run").set_value(str(damaged_gan_run)).run()
    open_view(at, "gan_view", "New noise")  # the view that loads the damaged generator
    assert not at.exception
    tabs_text = " ".join(e.value for e in at.error)
    assert "corrupt or truncated" in tabs_text and "zz-test-damaged-gan" in tabs_text
    shipped = next(o for o in at.selectbox(key="gan_run").options if "shipped" in o or "gan-small" in o)
    assert shipped  # the other runs are still offered
    assert (damaged_gan_run / "history.json").is_file()  # nothing was deleted


def stop_every_job() -> None:
    """End what a test started on the app's (process-wide) engine and remove its runs."""
    import time
    from labui.jobs import engine
    jobs = list(engine().table.jobs.values())
    for job in jobs:
        engine().stop(job.id, job.owner)
    deadline = time.monotonic() + 120
    while engine().describe()["running"]:
        assert time.monotonic() < deadline, "a stopped job kept running for 2 minutes"
        time.sleep(0.2)
    for job in jobs:
        shutil.rmtree(job.run_dir, ignore_errors=True)


def test_a_second_user_is_queued_not_turned_away_and_cannot_see_the_first_job():
    first, second = app("app_pages/vae.py"), app("app_pages/gan.py")
    first.slider(key="vae_form_latent").set_value(2)
    first.number_input(key="vae_form_epochs").set_value(50)
    first.selectbox(key="vae_form_size").set_value("2,000")
    next(b for b in first.button if b.label == "Train").click().run()
    try:
        assert not first.error
        next(b for b in second.button if b.label == "Train").click().run()
        assert not second.error  # accepted: this server trains one job at a time, so it waits its turn
        assert any("Waiting: next in line" in (p.proto.text or "") for p in second.get("progress"))
        assert [b for b in second.button if b.key and b.key.startswith("gan_job_cancel_")]  # theirs to cancel
        assert not [b for b in second.button if b.key and "_stop_" in b.key]  # not the first user's job
        shown = [m.value for m in second.markdown if m.value.startswith("**Training run**")]
        assert len(shown) == 1 and "gan-small-" in shown[0]
    finally:
        stop_every_job()


@pytest.mark.parametrize("name", ["../../etc/evil", "a/b", "bad\x07name", ".hidden"])
def test_unsafe_run_names_are_refused_in_the_form(name):
    at = app("app_pages/gan.py")
    at.text_input(key="gan_form_name").set_value(name)
    next(b for b in at.button if b.label == "Train").click().run()
    assert "is not allowed" in at.error[0].value
    assert not list(CHECKPOINTS_DIR.parent.glob("etc")) and not (USER / "a").exists()
    from labui.jobs import engine
    assert engine().describe()["running"] == engine().describe()["waiting"] == 0
