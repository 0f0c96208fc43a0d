"""Driving a page's background training through AppTest (run_every never fires there: poll with run())."""
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

from genlib.runs.store import Run, user_runs_dir

APP = Path(__file__).resolve().parent.parent / "app.py"


def opened_page(page: str) -> AppTest:
    """The app run once and switched to one of its pages (torch makes the 3 s default timeout too short)."""
    at = AppTest.from_file(str(APP), default_timeout=180).run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def rerun_until(at, done, timeout_s: float = 120) -> None:
    deadline = time.time() + timeout_s
    while not done(at) and time.time() < deadline:
        time.sleep(1)
        at.run()
    assert done(at), "the page never reached the expected state"


def progress_shows(text: str):
    """A page state: some progress bar's text contains `text`, or matches it as a regular expression (polls
    are seconds apart, so "Epoch 2/30" can be missed where r"Epoch ([2-9]|[12]\d)/30" is not)."""
    import re
    return lambda at: any(text in (p.proto.text or "") or re.search(text, p.proto.text or "")
                          for p in at.get("progress"))


def job_button(at, prefix: str):
    """The one job button whose key starts with prefix (the panel keys each job's Stop/Cancel by its id)."""
    found = [b for b in at.button if b.key and b.key.startswith(prefix)]
    assert len(found) == 1, [b.key for b in found]
    return found[0]


def stop_and_get_run(at, stop_key: str) -> Run:
    """Click the only job's Stop, wait for the page to say so, and return the stopped run (from the panel's name)."""
    job_button(at, stop_key).click().run()
    rerun_until(at, lambda at: at.warning, timeout_s=60)
    assert "Stopped during epoch" in at.warning[0].value
    name = next(m.value for m in at.markdown if m.value.startswith("**Training run**")).split("`")[1]
    return Run(user_runs_dir() / name)


def open_view(at, tabs_key: str, label: str):
    """Select a lazy tab (st.tabs with a key and on_change="rerun") and rerun: only that tab's view runs."""
    at.session_state[tabs_key] = label
    return at.run()


def captions(at) -> list[str]:
    return [img.proto.imgs[0].caption for img in at.get("image")]


def chart_titles(at) -> list[str]:
    """The titles of the plotly and Vega-Lite charts on the page."""
    import json
    return ([json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]
            + [json.loads(c.proto.spec)["title"] for c in at.get("vega_lite_chart")])
