"""Serve the lab: `python -m labui.serve [streamlit options]` runs `streamlit run app.py [options]` with the
heavy imports done while the server starts, not while the first student waits for a page.

Streamlit runs the page scripts inside this process, so what is imported here is already loaded when app.py
and the pages import it: on a fresh server the first visitor of /vae no longer waits for torch (about 1.3 s
on 2 cores; scripts/first_open.py measures it). Only modules without Streamlit caches are imported here.

It also tunes glibc's malloc so memory freed after judge passes and image batches goes back to the system
(scripts/app_memory.py measures the server).
"""
import os
import sys
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app.py"
# Two arenas instead of one per session thread; blocks of 64 KiB and more straight from and back to the OS
# (glibc otherwise raises that threshold as tensors are freed, and the freed batches stay in the heap).
MALLOC_SETTINGS = {"MALLOC_ARENA_MAX": "2", "MALLOC_MMAP_THRESHOLD_": "65536"}


def preload() -> None:
    import plotly.graph_objects  # noqa: F401
    import torch  # noqa: F401

    import genlib.evaluation.evaluate  # noqa: F401  (the judge, metrics, models and data with it)
    import genlib.evaluation.latent  # noqa: F401
    import genlib.runs.loading  # noqa: F401


def main() -> None:
    if not MALLOC_SETTINGS.items() <= os.environ.items():  # glibc reads them at process start: start again
        os.environ.update(MALLOC_SETTINGS)
        os.execv(sys.executable, [sys.executable, "-m", "labui.serve", *sys.argv[1:]])
    preload()
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", str(APP), *sys.argv[1:]]
    sys.exit(cli.main())


if __name__ == "__main__":
    main()
