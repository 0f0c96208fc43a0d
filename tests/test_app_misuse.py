"""The app under misuse: damaged runs, a second user, a full server."""
import shutil

import pytest
from streamlit.testing.v1 import AppTest

from apptest_helpers import open_view
from conftest import ROOT
from genlib.runs.store import CHECKPOINTS_DIR, USER_RUNS_DIR, Run

USER = USER_RUNS_DIR


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
    at = app("pages/gan.py")
    at.selectbox(key="gan_run").set_value(str(damaged_gan_run)).run()
    open_view(at, "gan_view", "New noise")  # the view that loads the damaged generator
    assert not at.exception
    tabs_text = " ".join(e.value for e in at.error)
    assert "corrupt or truncated" in tabs_text and "zz-test-damaged-gan" in tabs_text
    shipped = next(o for o in at.selectbox(key="gan_run").options if "shipped" in o or "gan-small" in o)
    assert shipped  # the other runs are still offered
    assert (damaged_gan_run / "history.json").is_file()  # nothing was deleted


def test_a_second_user_is_told_the_server_is_busy_and_cannot_see_the_first_job():
    first, second = app("pages/vae.py"), app("pages/gan.py")
    first.slider(key="vae_form_latent").set_value(2)
    first.number_input(key="vae_form_epochs").set_value(50)
    first.selectbox(key="vae_form_size").set_value("2,000")
    next(b for b in first.button if b.label == "Train").click().run()
    try:
        assert not first.error
        next(b for b in second.button if b.label == "Train").click().run()
        assert "Another user's training run is going" in second.error[0].value
        assert not any(m.value.startswith("**Training run**") for m in second.markdown)  # not their job
        assert not [b for b in second.button if b.key and b.key.endswith("_stop")]
    finally:
        from labui.jobs import registry
        for job in registry().running():
            job.stop()
            job.join(60)
            shutil.rmtree(job.run_dir, ignore_errors=True)


@pytest.mark.parametrize("name", ["../../etc/evil", "a/b", "bad\x07name", ".hidden"])
def test_unsafe_run_names_are_refused_in_the_form(name):
    at = app("pages/gan.py")
    at.text_input(key="gan_form_name").set_value(name)
    next(b for b in at.button if b.label == "Train").click().run()
    assert "is not allowed" in at.error[0].value
    assert not list(CHECKPOINTS_DIR.parent.glob("etc")) and not (USER / "a").exists()
    from labui.jobs import registry
    assert not registry().running()
