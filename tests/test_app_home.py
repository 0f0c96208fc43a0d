from streamlit.testing.v1 import AppTest

from conftest import ROOT


def test_home_page_shows_purpose_digits_device_and_runs():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    assert not at.exception
    assert at.title[0].value == "genlib lab"
    text = " ".join(m.value for m in at.markdown)
    assert "KL weight" in text and "Device:" in text and "cpu" in text
    assert "jumpy interpolations" not in text  # not what the lab measures (issue 15, item 4)
    assert len(at.get("image")) == 1  # the grid of real digits
    assert at.sidebar.selectbox(key="dataset").value == "mnist"
    assert at.subheader[-1].value == "Runs found"


def test_runs_table_names_runs_by_their_place_without_machine_paths_or_none():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    table = at.dataframe[0].value
    assert "path" not in table.columns
    names = table["run"].tolist()
    assert "shipped/vae-z16/beta-0" in names and "shipped/vae-z2/beta-0" in names  # no longer "beta-0" twice
    assert not any(str(ROOT) in name for name in names)
    shown = table.astype(str).to_numpy().ravel().tolist()
    assert "None" not in shown and "nan" not in shown
    gan = table[table["kind"] == "gan"].iloc[0]
    assert gan["β"] == "" and gan["latent size"] == ""
