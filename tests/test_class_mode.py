"""Class mode for real: `./lab class` (a Ray head and the app connected to it), two students in two browsers."""
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

from browser import (ARTIFACTS, CHROMIUM, ROOT, browser_pages, free_port, shot, streamlit_server,
                     wait_until_serving)

pytestmark = [pytest.mark.browser, pytest.mark.slow,  # about 2 minutes: CI runs it, `./lab test` leaves it out
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Chromium at /usr/bin/chromium")]


@pytest.fixture(scope="module")
def class_app():
    """`./lab class` as the README says, on free ports, with one CPU so a second job has to queue."""
    port, ray_port = free_port(), free_port()
    env = {**os.environ, "GENLIB_RAY_CPUS": "1", "GENLIB_RAY_PORT": str(ray_port)}
    ARTIFACTS.mkdir(exist_ok=True)
    log = open(ARTIFACTS / "class_mode_server.log", "w")  # read it when this test fails
    proc = subprocess.Popen(["./lab", "class", "--server.headless", "true", "--server.address", "127.0.0.1",
                             "--server.port", str(port), "--server.fileWatcherType", "none"],
                            cwd=ROOT, env=env, start_new_session=True, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(url, 180)
        yield {"url": url, "started": time.time(), "ray_port": ray_port}
    finally:
        os.killpg(proc.pid, signal.SIGINT)  # the app ends, and the script's trap stops its Ray head
        proc.wait(timeout=60)
        log.close()


def test_two_students_one_cpu_the_second_job_queues_then_runs(class_app):
    from playwright.sync_api import expect

    url = class_app["url"]
    with browser_pages(2) as (ann, bob):
        ann.goto(url)  # the router first: a fresh server sends a direct /gan past it (a Streamlit quirk)
        expect(ann.get_by_text("Ray at")).to_be_visible(timeout=120_000)  # the sidebar names the engine
        ann.goto(f"{url}/gan")
        ann.get_by_role("button", name="Train", exact=True).click()
        expect(ann.get_by_text(re.compile(r"Epoch 1/15|Loading the data"))).to_be_visible(timeout=120_000)
        bob.goto(f"{url}/gan")
        bob.get_by_role("button", name="Train", exact=True).click()
        expect(bob.get_by_text("Waiting: next in line")).to_be_visible(timeout=60_000)  # accepted, queued
        shot(bob, "class_second_student_waits")
        runs = [page.locator("code").filter(has_text="gan-small-").first.inner_text() for page in (ann, bob)]
        ann_session = re.search(r"session=(\w+)", ann.url).group(1)
        ann.locator("[class*='st-key-gan_job_stop_'] button").click()
        expect(ann.get_by_text("Stopped during epoch")).to_be_visible(timeout=120_000)
        expect(bob.get_by_text(re.compile(r"Epoch 1/15 · step [1-9]"))).to_be_visible(timeout=180_000)
        shot(bob, "class_second_student_trains")

        # a second app process on the same cluster (as after a restart) re-attaches to the running job
        with streamlit_server({"GENLIB_RAY_ADDRESS": f"{_host()}:{class_app['ray_port']}",
                               "RAY_AUTH_MODE": "token"}) as (other_url, _):
            bob_session = re.search(r"session=(\w+)", bob.url).group(1)
            ann.goto(other_url)
            expect(ann.get_by_text("Ray at")).to_be_visible(timeout=120_000)
            ann.goto(f"{other_url}/gan?session={bob_session}")
            expect(ann.locator("[class*='st-key-gan_job_stop_'] button")).to_be_visible(timeout=120_000)
        bob.locator("[class*='st-key-gan_job_stop_'] button").click()
        expect(bob.get_by_text("Stopped during epoch")).to_be_visible(timeout=120_000)

        # the Ray bug this design avoids ended the server about 60 s after a script thread started Ray
        time.sleep(max(0.0, class_app["started"] + 65 - time.time()))
        bob.goto(f"{url}/gan?session={ann_session}")
        expect(bob.get_by_text("Stopped during epoch")).to_be_visible(timeout=60_000)
        assert bob.locator('[data-testid="stException"]').count() == 0
        shot(bob, "class_after_65_s")
    from genlib.runs.store import Run, user_runs_dir
    for name in runs:
        assert Run(user_runs_dir() / name).history()["status"] == "stopped"
        Run(user_runs_dir() / name).delete()


def _host() -> str:
    return subprocess.run(["hostname", "-I"], capture_output=True, text=True).stdout.split()[0]


def test_sigterm_stops_the_app_and_the_ray_head_leaving_nothing_running():
    """`./lab class` ended by SIGTERM (a service manager, `kill`): the app and its Ray head end within seconds,
    and no process of its session is left."""
    port, ray_port = free_port(), free_port()
    env = {**os.environ, "GENLIB_RAY_CPUS": "1", "GENLIB_RAY_PORT": str(ray_port)}
    proc = subprocess.Popen(["./lab", "class", "--server.headless", "true", "--server.address", "127.0.0.1",
                             "--server.port", str(port), "--server.fileWatcherType", "none"],
                            cwd=ROOT, env=env, start_new_session=True, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        wait_until_serving(f"http://127.0.0.1:{port}", 180)
        proc.terminate()  # SIGTERM to the script alone, not its process group
        proc.wait(timeout=60)
        deadline = time.monotonic() + 30
        while _session_processes(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert _session_processes(proc.pid) == [], "processes of ./lab class outlived it"
        printed = proc.stdout.read()
        assert re.search(rf"Teacher's page \(keep this link to yourself\): http://[\d.]+:{port}/teacher\?teacher=\S+",
                         printed), printed[-2000:]
    finally:
        for pid in _session_processes(proc.pid):  # only if the test failed: never leave them behind
            os.kill(int(pid.split()[0]), signal.SIGKILL)


def _session_processes(sid: int) -> list[str]:
    """The processes (pid and command) still in the process session that sid started."""
    out = subprocess.run(["ps", "-s", str(sid), "-o", "pid=,args="], capture_output=True, text=True).stdout
    return [line.strip() for line in out.splitlines() if line.strip()]
