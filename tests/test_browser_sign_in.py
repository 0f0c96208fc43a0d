"""Sign-in for a class, for real: Streamlit's own OIDC login against a real OpenID Connect provider (the
oidc-provider-mock server, started here), two students in two browser contexts."""
import re
import secrets
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from browser import CHROMIUM, ROOT, browser_pages, free_port, shot, streamlit_server

pytestmark = [pytest.mark.browser, pytest.mark.slow,  # about 2.5 minutes: CI runs it, `./lab test` leaves it out
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Chromium at /usr/bin/chromium")]
STUDENTS = ("alice", "bob")


@pytest.fixture(scope="module")
def oidc_provider():
    """The provider, with one predefined user per student; stopped (by its PID) after the module."""
    port = free_port()
    claims = [arg for sub in STUDENTS for arg in ("--user-claims", f'{{"sub": "{sub}", "email": "{sub}@school.example"}}')]
    proc = subprocess.Popen([sys.executable, "-m", "oidc_provider_mock", "--port", str(port), *claims],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/.well-known/openid-configuration", timeout=2).close()
                break
            except OSError:
                assert time.monotonic() < deadline and proc.poll() is None, "the OIDC provider did not start"
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.fixture(scope="module")
def class_url(oidc_provider, tmp_path_factory):
    """The app with an [auth] section pointing at the provider (the secrets file lives outside the checkout)."""
    port = free_port()
    secrets_file = tmp_path_factory.mktemp("secrets") / "secrets.toml"
    secrets_file.write_text(f"""[auth]
redirect_uri = "http://127.0.0.1:{port}/oauth2callback"
cookie_secret = "{secrets.token_hex(16)}"
client_id = "genlib-lab"
client_secret = "{secrets.token_hex(16)}"
server_metadata_url = "{oidc_provider}/.well-known/openid-configuration"
""")
    with streamlit_server(port=port, args=("--secrets.files", str(secrets_file))) as (url, _):
        yield url


def sign_in(page, url: str, sub: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{url}/gan")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("button", name=sub, exact=True).click()  # the provider's page: one button per predefined user
    expect(page.get_by_text(f"Signed in as {sub}@school.example")).to_be_visible(timeout=60_000)
    page.goto(f"{url}/gan")
    expect(page.get_by_text(f"Signed in as {sub}@school.example")).to_be_visible(timeout=60_000)


def train(page, name: str) -> None:
    page.locator(".st-key-gan_form_epochs input").fill("50")
    page.locator(".st-key-gan_form_name input").fill(name)
    page.get_by_role("button", name="Train", exact=True).click()


def test_students_sign_in_and_their_jobs_follow_them_not_the_url(class_url):
    from playwright.sync_api import expect

    with browser_pages(2) as (alice, other):
        sign_in(alice, class_url, "alice")
        train(alice, "zz-alice-first")
        expect(alice.get_by_text("zz-alice-first")).to_be_visible(timeout=60_000)
        # a second tab of the same student: her job is there, and the same limit holds
        second_tab = alice.context.new_page()
        second_tab.goto(f"{class_url}/gan")
        expect(second_tab.get_by_text("zz-alice-first")).to_be_visible(timeout=60_000)
        train(second_tab, "zz-alice-second")
        expect(second_tab.get_by_text("zz-alice-second")).to_be_visible(timeout=60_000)
        train(second_tab, "zz-alice-third")
        expect(second_tab.get_by_text(re.compile("You already have 2 training run"))).to_be_visible(timeout=60_000)
        shot(second_tab, "sign_in_second_tab_same_limit")
        # her URL opened in another browser carries no identity
        other.goto(second_tab.url)
        expect(other.get_by_role("button", name="Log in")).to_be_visible(timeout=60_000)
        expect(other.get_by_text("zz-alice-first")).to_have_count(0)
        # the other student signs in there and sees only her own (none yet)
        sign_in(other, class_url, "bob")
        expect(other.get_by_text("zz-alice-first")).to_have_count(0)
        shot(other, "sign_in_bob_sees_none_of_alices_jobs")
    # Alice's jobs end with the server at the end of the module (their runs are in the suite's own folder)
