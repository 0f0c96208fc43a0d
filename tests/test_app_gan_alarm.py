"""AppTest of the mode-collapse alarm on the GAN page: the note beside the grid and the marks on the curves."""
import json
import shutil

import pytest
from streamlit.testing.v1 import AppTest

from apptest_helpers import open_view
from conftest import ROOT
from genlib.evaluation import collapse

COLLAPSED = ROOT / "tests" / "fixtures" / "gan-collapsed"


@pytest.fixture(scope="module")
def collapsed_page(tmp_path_factory):
    """The GAN page with the real collapsed run (copied into a user-runs folder) selected."""
    runs = tmp_path_factory.mktemp("user-runs")
    run = shutil.copytree(COLLAPSED, runs / "gan-collapsed")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GENLIB_RUNS_DIR", str(runs))
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180).run()
        at.switch_page("app_pages/gan.py").run()
        at.selectbox(key="gan_run").set_value(str(run)).run()
        assert not at.exception, at.exception
        yield at, run


def alarms_of(run) -> list:
    return collapse.alarms(json.loads((run / "history.json").read_text())["epochs"])


def epoch_key(at) -> str:
    return next(s.key for s in at.select_slider if s.key.startswith("gan_epoch_"))


def test_the_note_beside_the_grid_explains_the_collapse(collapsed_page):
    at, run = collapsed_page
    last = alarms_of(run)[-1]
    assert at.select_slider(key=epoch_key(at)).value == last.epoch
    (note,) = at.error
    assert f"Mode-collapse alarm, epoch {last.epoch}: digits it drew before are gone" in note.value
    assert "Mode collapse is a generator that stops drawing" in note.value
    for d in last.dropped:  # every dropped digit named with its share now and its best earlier share
        assert f"digit {d.digit}: {d.peak_share:.1%} at epoch {d.peak_epoch}, {d.share:.1%} now" in note.value
    assert f"entropy is {last.entropy:.2f} nats" in note.value
    assert f"{last.covered} of 10 digits reach 2%" in note.value


def test_an_early_epoch_says_not_yet_learned_or_quiet(collapsed_page):
    at, run = collapsed_page
    first = alarms_of(run)[0]
    at.select_slider(key=epoch_key(at)).set_value(first.epoch).run()
    boxes = {"not yet learned": at.info, None: at.success}[first.kind]
    assert any(f"epoch {first.epoch}" in b.value for b in boxes)
    assert not at.error


def test_every_curve_marks_the_flagged_epochs(collapsed_page):
    at, run = collapsed_page
    at.select_slider(key=epoch_key(at)).set_value(alarms_of(run)[-1].epoch).run()
    open_view(at, "gan_view", "Metrics by epoch")
    dropped = [a.epoch for a in alarms_of(run) if a.kind == "dropped"]
    figures = {c.proto.id: json.loads(c.proto.spec) for c in at.get("plotly_chart")}
    curves = [f for f in figures.values() if f["layout"]["xaxis"]["title"]["text"] == "epoch"]
    titles = {f["layout"]["title"]["text"] for f in curves}
    assert {"FID (classifier features)", "Classes covered", "Confident-sample rate", "Class entropy (nats)",
            "Rarest digit's share"} <= titles
    for fig in curves:
        marks = [t for t in fig["data"] if t["name"] == "alarm: digits dropped"]
        assert len(marks) == 1 and marks[0]["x"] == dropped, fig["layout"]["title"]["text"]
    entropy = next(f for f in curves if f["layout"]["title"]["text"] == "Class entropy (nats)")
    assert entropy["data"][0]["y"] == pytest.approx([a.entropy for a in alarms_of(run)])


def test_the_shipped_healthy_run_is_quiet_at_its_last_epoch():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180).run()
    at.switch_page("app_pages/gan.py").run()
    assert not at.error and not at.warning
    (note,) = at.success
    assert note.value.startswith("**No collapse alarm at epoch") and "the rarest," in note.value
