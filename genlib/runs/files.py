"""Writing files so that a crash never leaves half of one, and reading weights without running code.

Each write goes to a temporary name in the same folder and is renamed into place; the run store
(store.py) builds on these and decides which files a run has.
"""
from __future__ import annotations

import io
import json
import os
import tempfile
from pathlib import Path

import torch

from ..errors import RunError


def atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.chmod(tmp, 0o644)  # mkstemp makes files private; runs are meant to be shared and copied
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: Path, obj) -> None:
    atomic_write(path, json.dumps(obj, indent=1, allow_nan=False).encode())


def save_tensors(path: Path, obj) -> None:
    """torch.save through a temporary file; obj holds only tensors, numbers, strings, lists and dicts."""
    buf = io.BytesIO()
    torch.save(obj, buf)
    atomic_write(path, buf.getvalue())


def read_json_object(path: Path, what: str, shown_as: str | None = None) -> dict:
    """A JSON file that must hold an object, or a RunError naming it (as `shown_as`, else its path) and ending in
    `what`, what the reader cannot do without it."""
    name = shown_as or path
    try:
        obj = json.loads(path.read_text())
    except (ValueError, UnicodeDecodeError) as err:
        raise RunError(f"{name} is not valid JSON ({err}){what}") from None
    if not isinstance(obj, dict):
        raise RunError(f"{name} does not hold a JSON object{what}")
    return obj


def load_tensors(path: Path):
    """Load a weights file without ever unpickling code (weights_only=True)."""
    if not path.is_file():
        raise RunError(f"Weights file {path} is missing; the run is incomplete. Delete it or train it again.")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # corrupt zip, truncated file, or a pickle that asks for code
        reason = "it asks to run code, which is refused" if "weights_only" in str(err) else "it is corrupt or truncated"
        raise RunError(f"Weights file {path} cannot be loaded: {reason}. Delete the run or train it again.") from err
