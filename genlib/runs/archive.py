"""A run as one zip file, to download or copy elsewhere, and opening such a zip as a run again.

The zip holds one folder, named as the run, with the files a run keeps for good: its records (config, history,
saved evaluations), its loss series, and each epoch's grid and kept weights. The resume state and the writer's
lock stay behind: they belong to the machine that trained it.

An archive is untrusted input (a student's upload, a file mailed around), so import_run checks everything before
a run appears: sizes, every entry's name and type, every file's content (weights load with weights_only=True, so
loading never runs code from the file) and the settings. It unpacks into a hidden folder inside the runs folder and
renames the run into place only when all of it passed; on any refusal that folder is removed and nothing remains.
"""
from __future__ import annotations

import errno
import io
import os
import re
import shutil
import stat
import tempfile
import zipfile
from pathlib import Path
from typing import BinaryIO, Callable

import numpy as np
import torch

from ..errors import GenlibError, RunError
from .files import read_json_object
from .lock import is_being_written
from .store import WEIGHT_FOLDERS, Run, safe_run_name

# the largest archive, and the most its files may unpack to: a 50-epoch infogan run, which keeps every epoch's G
# and D in fp32 (26 MB each), is 2.7 GB
MAX_RUN_BYTES = 4 * 2**30
# a run's top-level files as store.py writes them: its loss series and its JSON records (config.json,
# history.json and saved evaluations NAME.json); the epoch files' names are asked of Run (see _is_kept_file)
STEPS_FILE = "steps.npz"
CONFIG_FILE = "config.json"
_RECORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}\.json")
_PROBE = Path("run")  # a Run used only to name paths: nothing is read
MADE_BY = "open only runs saved with 'Download this run' or `python -m genlib export`"


def _is_kept_file(rel: str) -> bool:
    """Whether rel (a '/'-separated path inside a run folder) is a file a run keeps for good."""
    if "/" not in rel:
        return rel == STEPS_FILE or bool(_RECORD.fullmatch(rel))
    number = re.search(r"(\d{1,9})\.\w+$", rel)
    if not number:
        return False
    run, epoch = Run(_PROBE), int(number.group(1))
    named = [run.grid_path(epoch), *(run.weights_path(epoch, part) for part in WEIGHT_FOLDERS)]
    return rel in {p.relative_to(_PROBE).as_posix() for p in named}


def export_run(run_dir: Path | str, out: Path | str | BinaryIO) -> None:
    """Write the run as a zip to out (a file path, written whole or not at all, or a binary file object)."""
    run = Run(run_dir)
    run.config()  # a folder that is not a readable run is refused here, not at import
    run.history()
    safe_run_name(run.path.name)
    if is_being_written(run.path):
        raise RunError(f"Run {run.path} is training now; download or export it when its training ends.")
    files = sorted(p for p in run.path.rglob("*")
                   if p.is_file() and _is_kept_file(p.relative_to(run.path).as_posix()))
    if not isinstance(out, (str, Path)):
        _write_zip(run.path, files, out)
        return
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            _write_zip(run.path, files, f)
        os.chmod(tmp, 0o644)  # mkstemp makes files private; an exported run is meant to be shared
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_zip(root: Path, files: list[Path], out: BinaryIO) -> None:
    with zipfile.ZipFile(out, "w") as zf:
        for path in files:
            # JSON compresses well; weights, grids and steps barely do, and deflating them costs seconds
            method = zipfile.ZIP_DEFLATED if path.suffix == ".json" else zipfile.ZIP_STORED
            zf.write(path, f"{root.name}/{path.relative_to(root).as_posix()}", compress_type=method)


def import_run(source: Path | str | bytes, runs_dir: Path | str, validate_config: Callable[[dict], None],
               label: str | None = None, max_bytes: int = MAX_RUN_BYTES) -> Path:
    """Open an exported run (a zip file's path or its bytes) as a new run in runs_dir and return its folder.

    validate_config(config) raises a GenlibError for settings this genlib would not train (the caller builds it
    from the config classes: runs/ does not know them). A name already taken gets -2, -3, ...
    Every refusal is a RunError saying what was wrong; it leaves nothing in runs_dir."""
    label = label or (Path(source).name if isinstance(source, (str, Path)) else "The uploaded file")

    def refused(problem: str, advice: str = MADE_BY) -> RunError:
        return RunError(f"{label} was not opened: {problem.rstrip('.')}; {advice}.")

    try:
        size = len(source) if isinstance(source, bytes) else Path(source).stat().st_size
    except OSError as err:
        raise RunError(f"{label} cannot be read ({err.strerror}); check the path.") from None
    if size > max_bytes:
        raise refused(f"it is {_size(size)}, over the {_size(max_bytes)} limit",
                      "copy the run's folder into the runs folder instead")
    try:
        with zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source) as zf:
            name, entries = _checked_entries(zf, refused, max_bytes)
            runs_dir = Path(runs_dir)
            runs_dir.mkdir(parents=True, exist_ok=True)
            if shutil.disk_usage(runs_dir).free < sum(e.file_size for e in entries):
                raise refused("the runs folder's disk has not enough free space for it", "free some space first")
            staging = Path(tempfile.mkdtemp(prefix=".opening-", dir=runs_dir))
            try:
                staged = staging / name
                try:
                    _unpack_and_check(zf, entries, staged, validate_config)
                except GenlibError as err:  # the store's messages name the staging folder: name the run instead
                    raise refused(str(err).replace(str(staged), name)) from None
                return _move_into_place(staged, runs_dir, name)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError, RuntimeError, ValueError) as err:
        # unreadable, truncated, a bad checksum, an unknown compression or a password (RuntimeError)
        raise refused(f"it is not a readable zip archive ({err})", "it may be truncated: download or export it "
                      "again") from None


def _checked_entries(zf: zipfile.ZipFile, refused, max_bytes: int) -> tuple[str, list[zipfile.ZipInfo]]:
    """The run's name (the archive's one folder) and its file entries, once every entry passed the checks that
    need no unpacking: no links, no path out of the run folder, only a run's files, no oversized total."""
    infos = zf.infolist()
    names = [info.filename for info in infos]
    for info in infos:
        if stat.S_ISLNK(info.external_attr >> 16):
            raise refused(f"its entry {info.filename!r} is a symbolic link")
        parts = info.filename.rstrip("/").split("/")
        if info.filename.startswith("/") or "\\" in info.filename or ":" in parts[0] or \
                any(part in ("", ".", "..") for part in parts):
            raise refused(f"its entry {info.filename!r} points outside the run folder (an absolute path or '..')")
    if len(set(names)) != len(names):
        raise refused("it lists a file twice")
    tops = sorted({name.split("/")[0] for name in names})
    if len(tops) != 1:
        raise refused(f"it should hold one run folder; it holds {', '.join(tops[:5]) or 'nothing'}")
    name = tops[0]
    try:
        safe_run_name(name)
    except RunError as err:
        raise refused(str(err)) from None
    entries = [info for info in infos if not info.is_dir()]
    for info in entries:
        rel = info.filename.split("/", 1)[1] if "/" in info.filename else ""
        if not _is_kept_file(rel):
            raise refused(f"{info.filename!r} is not a file a run keeps")
    total = sum(info.file_size for info in entries)
    if total > max_bytes:
        raise refused(f"its files would unpack to {_size(total)}, over the {_size(max_bytes)} limit")
    return name, entries


def _size(n: int) -> str:
    return f"{n / 2**30:.1f} GiB" if n >= 2**30 else f"{n / 2**20:.1f} MiB" if n >= 2**20 else f"{n:,} bytes"


def _unpack_and_check(zf: zipfile.ZipFile, entries: list[zipfile.ZipInfo], staged: Path,
                      validate_config: Callable[[dict], None]) -> None:
    # the config lands last: until then no scan of the runs folder takes the staging folder for a run
    for info in sorted(entries, key=lambda e: e.filename.endswith("/" + CONFIG_FILE)):
        path = staged / info.filename.split("/", 1)[1]
        path.parent.mkdir(parents=True, exist_ok=True)
        # zipfile stops each file at its declared size and checks its CRC, so an entry cannot unpack to more
        with zf.open(info) as src, open(path, "wb") as dst:
            shutil.copyfileobj(src, dst)
        _check_file(path, info.filename)
    run = Run(staged)
    run.history()
    validate_config(run.config())


def _check_file(path: Path, entry: str) -> None:
    """Refuse a file whose content is not what its name says; weights never run code while loading."""
    if path.suffix == ".pt":
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as err:
            asks_code = "weights_only" in str(err)  # torch's refusal to unpickle anything but tensors and plain data
            raise RunError(f"{entry} asks to run code when loaded, which is refused" if asks_code else
                           f"{entry} cannot be loaded: it is corrupt or truncated") from None
        if not (isinstance(state, dict) and all(isinstance(v, torch.Tensor) for v in state.values())):
            raise RunError(f"{entry} does not hold a network's weights")
    elif path.suffix == ".json":
        read_json_object(path, "", shown_as=entry)
    elif path.suffix == ".npz":
        try:
            with np.load(path, allow_pickle=False) as steps:
                [steps[k] for k in steps.files]
        except Exception as err:
            raise RunError(f"{entry} is not a readable series of losses ({type(err).__name__})") from None
    elif path.suffix == ".png" and not path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n":
        raise RunError(f"{entry} is not a PNG image")


def _move_into_place(staged: Path, runs_dir: Path, name: str) -> Path:
    """Rename the checked run into runs_dir under its name, or name-2, name-3, ... when that is taken."""
    for n in range(1, 10_000):
        target = runs_dir / (name if n == 1 else f"{name}-{n}")
        if target.exists():
            continue
        try:
            os.rename(staged, target)  # one step: the run appears whole or not at all
            return target
        except OSError as err:  # another import took the name meanwhile
            if err.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                raise
    raise RunError(f"{runs_dir} already holds runs named {name} to {name}-9999; rename or delete some.")
