"""Downloading a run as a zip and opening it again; a bad zip is refused with its reason and leaves nothing behind."""
import io
import json
import os
import shutil
import stat
import struct
import subprocess
import sys
import zipfile

import pytest
import torch

from conftest import ROOT
from genlib import loading
from genlib.errors import RunError
from genlib.runs.archive import export_run
from genlib.runs.store import Run
from genlib.transfer import import_run


def exported(run_dir) -> bytes:
    buf = io.BytesIO()
    export_run(run_dir, buf)
    return buf.getvalue()


def rewritten(zip_bytes: bytes, replace: dict | None = None, add: list | None = None) -> bytes:
    """The archive with some entries' contents replaced and extra entries (ZipInfo or name, data) added."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(zip_bytes)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, (replace or {}).get(info.filename, src.read(info)))
        for name, data in add or []:
            dst.writestr(name, data)
    return out.getvalue()


def test_a_run_round_trips_with_its_history_config_and_weights(tiny_vae_run, tiny_gan_run, tmp_path):
    runs = tmp_path / "runs"
    for original in (tiny_vae_run, tiny_gan_run):
        opened = import_run(exported(original), runs)
        assert opened == runs / original.name and opened.is_dir()
        before, after = Run(original), Run(opened)
        assert after.history() == before.history() and after.config() == before.config()
        for part in ("model", "D"):
            assert after.epochs_with_weights(part) == before.epochs_with_weights(part)
            for epoch in before.epochs_with_weights(part):
                old, new = (torch.load(r.weights_path(epoch, part), weights_only=True) for r in (before, after))
                assert old.keys() == new.keys() and all(torch.equal(old[k], new[k]) for k in old)
        grids = [sorted(p.name for p in run.glob("grids/*.png")) for run in (original, opened)]
        assert grids[0] == grids[1]
        assert not list(opened.glob("state_*.pt")) and not (opened / "writer.lock").exists()  # one machine's files
    vae, gan = loading.load_vae(runs / tiny_vae_run.name), loading.load_generator(runs / tiny_gan_run.name, 2)
    assert torch.equal(vae.sample(4, torch.Generator().manual_seed(0)),
                       loading.load_vae(tiny_vae_run).sample(4, torch.Generator().manual_seed(0)))
    assert torch.equal(gan.sample(4, torch.Generator().manual_seed(0)),
                       loading.load_generator(tiny_gan_run, 2).sample(4, torch.Generator().manual_seed(0)))
    # opened again: a name of its own beside the first
    assert import_run(exported(tiny_vae_run), runs) == runs / f"{tiny_vae_run.name}-2"
    assert sorted(p.name for p in runs.iterdir()) == sorted([tiny_vae_run.name, tiny_gan_run.name,
                                                             f"{tiny_vae_run.name}-2"])


class RunsCode:
    """A pickle that, loaded without weights_only, runs a command (here: creates a marker file)."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def declaring_10_gb(zip_bytes: bytes) -> bytes:
    """The archive with its central directory claiming 10 GB unpacked, shared out over its entries."""
    data = bytearray(zip_bytes)
    end = data.rindex(b"PK\x05\x06")  # the end record: how many entries, where their directory starts
    count, at = struct.unpack_from("<H", data, end + 10)[0], struct.unpack_from("<I", data, end + 16)[0]
    for _ in range(count):
        struct.pack_into("<I", data, at + 24, 10_000_000_000 // count)  # this entry's uncompressed size
        name, extra, comment = struct.unpack_from("<HHH", data, at + 28)
        at += 46 + name + extra + comment
    return bytes(data)


def bad_archives(good: bytes, name: str, marker) -> dict:
    link = zipfile.ZipInfo(f"{name}/grids/epoch_009.png")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    evil = io.BytesIO()
    torch.save({"weight": RunsCode(marker)}, evil)
    config = json.loads(zipfile.ZipFile(io.BytesIO(good)).read(f"{name}/config.json"))
    config["train"]["kl_weight"] = -1
    return {
        "zip-slip": (rewritten(good, add=[(f"{name}/../escaped.json", b"{}")]), "points outside the run folder"),
        "absolute": (rewritten(good, add=[("/tmp/escaped.json", b"{}")]), "points outside the run folder"),
        "symlink": (rewritten(good, add=[(link, "/etc/passwd")]), "is a symbolic link"),
        "code": (rewritten(good, {f"{name}/weights/epoch_002.pt": evil.getvalue()}), "asks to run code"),
        "truncated": (good[:len(good) // 2], "not a readable zip archive"),
        "truncated weights": (rewritten(good, {f"{name}/weights/epoch_002.pt": b"PK\x03\x04 cut"}),
                              "corrupt or truncated"),
        "10 GB": (declaring_10_gb(good), "would unpack to 9.3 GiB, over the 4.0 GiB limit"),
        "kl_weight -1": (rewritten(good, {f"{name}/config.json": json.dumps(config).encode()}),
                         "its train settings are invalid: kl_weight must be in [0, 10000], got -1"),
        "unknown file": (rewritten(good, add=[(f"{name}/run.sh", b"rm -rf ~")]), "is not a file a run keeps"),
        "resume state": (rewritten(good, add=[(f"{name}/state_002.pt", b"")]), "is not a file a run keeps"),
        "two runs": (rewritten(good, add=[("other/config.json", b"{}")]), "should hold one run folder"),
        "no config": (rewritten(good, {f"{name}/config.json": b"[1]"}), "config.json does not hold a JSON object"),
    }


@pytest.mark.parametrize("case", ["zip-slip", "absolute", "symlink", "code", "truncated", "truncated weights",
                                  "10 GB", "kl_weight -1", "unknown file", "resume state", "two runs", "no config"])
def test_a_bad_archive_is_refused_and_leaves_nothing_behind(tiny_vae_run, tmp_path, case):
    marker = tmp_path / "code-ran"
    archive, message = bad_archives(exported(tiny_vae_run), tiny_vae_run.name, marker)[case]
    (tmp_path / "upload.zip").write_bytes(archive)
    runs = tmp_path / "runs"
    with pytest.raises(RunError, match="^upload.zip was not opened: ") as refused:
        import_run(tmp_path / "upload.zip", runs)
    assert message in str(refused.value)
    assert not marker.exists()  # the pickle's command never ran
    assert not runs.exists() or not any(runs.rglob("*")), "a refused archive left files behind"
    assert {p.name for p in tmp_path.iterdir()} <= {"runs", "upload.zip"}  # nothing escaped beside them


def test_an_oversized_archive_is_refused_before_it_is_read(tiny_vae_run, tmp_path):
    from genlib.runs import archive
    with pytest.raises(RunError, match="over the 10,000 bytes limit; copy the run's folder"):
        archive.import_run(exported(tiny_vae_run), tmp_path, lambda cfg: None, max_bytes=10_000)
    assert not any(tmp_path.iterdir())


def genlib(*args):
    return subprocess.run([sys.executable, "-m", "genlib", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def test_the_cli_exports_and_imports_a_run(tiny_gan_run, tmp_path):
    res = genlib("export", tiny_gan_run, "--out", tmp_path / "gan.zip")
    assert res.returncode == 0, res.stderr
    res = genlib("import", tmp_path / "gan.zip", "--runs-dir", tmp_path / "runs")
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == str(tmp_path / "runs" / tiny_gan_run.name)
    assert Run(res.stdout.strip()).history() == Run(tiny_gan_run).history()
    (tmp_path / "bad.zip").write_bytes((tmp_path / "gan.zip").read_bytes()[:1000])
    for args, message in [(["import", tmp_path / "bad.zip", "--runs-dir", tmp_path / "runs"], "bad.zip was not opened"),
                          (["export", tiny_gan_run, "--out", tmp_path / "gan.tar"], "--out must name a .zip file"),
                          (["export", tmp_path / "nothing", "--out", tmp_path / "x.zip"], "config.json is missing")]:
        res = genlib(*args)
        assert res.returncode == 2 and message in res.stderr and len(res.stderr.strip().splitlines()) == 1, res.stderr
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == [tiny_gan_run.name]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.zip", "gan.zip", "runs"]


def test_the_gan_page_opens_an_uploaded_run_and_refuses_a_bad_one(tiny_gan_run):
    from apptest_helpers import opened_page
    from genlib.runs.store import user_runs_dir

    at = opened_page("app_pages/gan.py")
    assert at.download_button(key="gan_download_run").label == "Download this run"
    before = set(user_runs_dir().iterdir()) if user_runs_dir().is_dir() else set()
    try:
        at.file_uploader(key="gan_open_run").set_value(("my-gan.zip", exported(tiny_gan_run), "application/zip")).run()
        added = set(user_runs_dir().iterdir()) - before
        assert len(added) == 1, added
        opened = added.pop()
        assert f"Opened **{opened.name}**: a GAN run with 3 epoch(s), now among your runs (on the GAN page)." in \
            [s.value for s in at.success]
        # the run list is drawn after the import: it holds the run already
        assert f"{opened.name} · small · 3 epochs · complete" in at.selectbox(key="gan_run").options
        at.run()  # a rerun does not open the same upload again
        assert set(user_runs_dir().iterdir()) - before == {opened}
        at.file_uploader(key="gan_open_run").set_value(("bad.zip", b"PK\x03\x04 not a zip", "application/zip")).run()
        assert any("bad.zip was not opened: it is not a readable zip archive" in e.value for e in at.error)
        assert not any(s.value.startswith("Opened") for s in at.success)
        assert set(user_runs_dir().iterdir()) - before == {opened}
    finally:
        for path in set(user_runs_dir().iterdir()) - before:
            shutil.rmtree(path)
