"""AppTest of the VAE page's hands-on views: an uploaded digit under every β, KL per dimension, decode anywhere.

(The drawing canvas itself is driven in the real browser: tests/test_browser_vae_learn.py.)"""
import base64
import io
import json
import re

import numpy as np
import pytest
from PIL import Image

from apptest_helpers import captions, open_view, opened_page
from vae_learn_helpers import z2_hole
from genlib.data import load_digits
from genlib.runs.store import SHIPPED_DIR

SWEEP_KEY = "vae_beta_16_mlp"
Z2_SWEEP_KEY = "vae_beta_2_mlp"
BETAS_16 = ["0", "0.001", "0.01", "0.1", "0.25", "0.5", "1", "2", "4", "8"]


@pytest.fixture(scope="module")
def vae_page():
    return opened_page("app_pages/vae.py")


def beta_path(beta: str, sweep: str = "vae-z16") -> str:
    return str(SHIPPED_DIR / sweep / f"beta-{beta}")


def photo_of_test_digit(index: int) -> tuple[bytes, int]:
    """A test digit as a user's photo would be: dark ink on light paper, 8× larger, PNG."""
    test = load_digits("mnist", "test")
    ink = np.kron(test.images[index].numpy(), np.ones((8, 8), np.uint8))
    buf = io.BytesIO()
    Image.fromarray(255 - ink).save(buf, format="PNG")
    return buf.getvalue(), int(test.labels[index])


def chart(at, key: str) -> dict:
    """The spec of the plotly chart with this key (its element id ends with the key)."""
    found = [c for c in at.get("plotly_chart") if c.proto.id.endswith(key) or key in c.proto.id]
    assert found, f"no chart {key}"
    return json.loads(found[0].proto.spec)


def array(values) -> np.ndarray:
    """A plotly array from a chart spec: a list, or plotly's base64 typed array for numpy data."""
    if isinstance(values, dict):
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"])
    return np.asarray(values)


def test_the_draw_view_asks_for_a_digit_first(vae_page):
    at = open_view(vae_page, "vae_view", "Draw a digit")
    assert not at.exception, at.exception
    assert any(i.value.startswith("Draw a digit first") for i in at.info)


def test_an_uploaded_digit_is_encoded_under_every_beta(vae_page):
    at = open_view(vae_page, "vae_view", "Draw a digit")
    data, label = photo_of_test_digit(0)
    at.file_uploader(key="draw_upload").set_value(("seven.png", data, "image/png")).run()
    assert not at.exception, at.exception
    shown = captions(at)
    assert any(c.startswith("What the models see") for c in shown)
    recon_captions = [c for c in shown if c.startswith("β = ")]
    assert [c.split(":")[0] for c in recon_captions] == [f"β = {b}" for b in BETAS_16]
    assert recon_captions[0].startswith(f"β = 0: {label} (")   # the autoencoder gives it back
    table = at.dataframe[0].value
    assert len(table) == 10
    row0, row1 = table.iloc[0], table.iloc[6]
    assert row0["β"] == 0 and row1["β"] == 1
    assert float(row0["P(prior sample this far out)"]) < 1e-6 < 0.01 < float(row1["P(prior sample this far out)"])
    assert row0["judge reads"] == row1["judge reads"] == label  # both give it back; only β = 1 near the prior
    lesson = next(m.value for m in at.markdown if m.value.startswith("**β = 0**"))
    assert "far outside the prior" in lesson
    assert float(re.search(r"\|z\| = ([\d.]+)", lesson).group(1)) == pytest.approx(row0["|code|"], abs=0.06)
    assert "**β = 1**" in lesson and "within the prior's reach" in lesson
    landings = chart(at, "draw_landings")
    assert [a["text"] for a in landings["layout"]["annotations"]] == [f"β = {b}" for b in BETAS_16]
    marks = [t for t in landings["data"] if t.get("marker", {}).get("symbol") == "x"]
    assert len(marks) == 10
    nearest = next(c for c in shown if c.startswith("Your digit, then its nearest training digits"))
    assert nearest.count(f"a {label} at distance") >= 2


def test_a_bad_upload_is_a_message_not_a_traceback(vae_page):
    at = open_view(vae_page, "vae_view", "Draw a digit")
    at.file_uploader(key="draw_upload").set_value(("digit.png", b"this is not a picture", "image/png")).run()
    assert not at.exception, at.exception
    assert any("This upload cannot be used" in e.value and "PNG or JPEG" in e.value for e in at.error)
    at.file_uploader(key="draw_upload").set_value(None).run()


@pytest.mark.parametrize("beta", ["0", "4", "8"])
def test_kl_per_dimension_counts_one_kind_of_dimension(vae_page, beta):
    """The strip, the bars' colours, the sentence and the heat map count the same inactive dimensions (at β = 4 a
    threshold on the KL itself would say 5 of 16 beside 13 active units)."""
    at = vae_page
    at.select_slider(key=SWEEP_KEY).set_value(beta_path(beta)).run()
    open_view(at, "vae_view", "KL per dimension")
    assert not at.exception, at.exception
    active_units = int(next(m.value for m in at.metric if m.label == "Active units"))
    saved = json.loads((SHIPPED_DIR / "vae-z16" / f"beta-{beta}" / "eval.json").read_text())["active_units"]
    assert active_units == saved
    bars = [t for t in chart(at, "kl_bars")["data"] if t["type"] == "bar"]
    coloured = {t["name"].split(" ")[0]: [row[1] for row in t.get("customdata", [])] for t in bars}  # variances
    assert len(coloured.get("active", [])) == active_units and len(coloured.get("inactive", [])) == 16 - active_units
    assert all(v > 0.01 for v in coloured.get("active", [])) and all(v <= 0.01 for v in coloured.get("inactive", []))
    sentence = next(m.value for m in at.markdown if m.value.startswith(f"**At β = {beta}"))
    idle = 16 - active_units
    if idle:
        assert f"{idle} of 16 dimensions carry no information: posterior collapse" in sentence
        assert f"The other {active_units} are the active units" in sentence
    else:
        assert "all 16 dimensions are active units" in sentence
    heat = chart(at, "kl_heatmap")["data"][0]
    assert len(heat["y"]) == 10 and f"β = {beta} ({idle} inactive)" in heat["y"]
    assert "β = 8 (9 inactive)" in heat["y"]  # measured on the shipped sweep: β = 8 switches 9 of 16 dimensions off


def test_decode_anywhere_decodes_the_clicked_point_and_reads_it(vae_page):
    at = vae_page
    at.radio(key="vae_sweep").set_value((2, "mlp", None, None)).run()
    at.select_slider(key=Z2_SWEEP_KEY).set_value(beta_path("0", "vae-z2")).run()
    open_view(at, "vae_view", "Decode anywhere")
    assert not at.exception, at.exception
    assert any("Click a point of the plane" in i.value for i in at.info)
    plane = chart(at, "decode_plane_2")
    grid = plane["data"][0]
    assert grid["name"] == "plane" and grid["marker"]["opacity"] == 0 and len(array(grid["x"])) >= 60 * 60
    hole = z2_hole()
    at.session_state[f"vae_decode_at_{beta_path('0', 'vae-z2')}"] = hole
    at.run()
    assert not at.exception, at.exception
    assert any(c.startswith(f"decoded at ({hole[0]:.2f}, {hole[1]:.2f}), β = 0") for c in captions(at))
    reading = next(m.value for m in at.markdown if m.value.startswith("**The judge reads"))
    assert re.search(r"with \d+% confidence", reading)
    where = next(m.value for m in at.markdown if m.value.startswith("The nearest of the 2,000 test codes drawn is"))
    assert "a hole between the codes" in where
    marked = [t for t in chart(at, "decode_plane_2")["data"] if t.get("name") == "decoded here"]
    assert marked and marked[0]["x"] == [hole[0]]
