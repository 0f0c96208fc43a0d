"""Opening a downloaded run: the archive's checks (runs/archive.py) plus its settings rebuilt with the config classes,
which the run store below them may not know."""
from __future__ import annotations

from pathlib import Path

from .errors import ConfigError, RunError
from .runs import archive
from .runs.store import user_runs_dir
from .training.configs import MODEL_CONFIGS, TRAIN_CONFIGS, parse_config


def check_settings(config: dict) -> None:
    """Refuse a run whose settings this genlib would not train (e.g. a KL weight of -1)."""
    for part, classes in (("model", MODEL_CONFIGS), ("train", TRAIN_CONFIGS)):
        try:
            parse_config(classes[config["kind"]], config[part])
        except (ConfigError, TypeError, ValueError) as err:
            raise RunError(f"its {part} settings are invalid: {err}") from None


def import_run(source: Path | str | bytes, runs_dir: Path | str | None = None, label: str | None = None) -> Path:
    """Open an exported run (a zip's path or bytes) in runs_dir (default: the user-runs folder), checked as
    archive.import_run says; returns its folder."""
    return archive.import_run(source, runs_dir or user_runs_dir(), check_settings, label)
