from streamlit.testing.v1 import AppTest

from conftest import ROOT


def test_home_page_shows_purpose_digits_device_and_runs():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    assert not at.exception
    assert at.title[0].value == "genlib lab"
    text = " ".join(m.value for m in at.markdown)
    assert "KL weight" in text and "Device:" in text and "cpu" in text
    assert len(at.get("image")) == 1  # the grid of real digits
    assert at.sidebar.selectbox(key="dataset").value == "mnist"
    assert at.subheader[-1].value == "Runs found"
