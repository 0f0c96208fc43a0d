"""Serve the lab: `python -m labui.serve [streamlit options]` runs `streamlit run app.py [options]` with the
heavy imports done while the server starts, not while the first student waits for a page.

Streamlit runs the page scripts inside this process, so what is imported here is already loaded when app.py
and the pages import it: on a fresh server the first visitor of /vae no longer waits for torch (about 1.3 s
on 2 cores; scripts/first_open.py measures it). Only modules without Streamlit caches are imported here.

It also tunes glibc's malloc so memory freed after judge passes and image batches goes back to the system
(scripts/app_memory.py measures the server), and, without a GPU, keeps Triton out of it.
"""
import os
import sys
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app.py"
# Two arenas instead of one per session thread. Blocks of 4 MiB and more (judge passes, evaluation batches,
# decoded grids) straight from and back to the OS: glibc otherwise raises that threshold as tensors are freed,
# and the freed batches stay in the heap. Smaller blocks, a training step's tensors, stay in the heap, with
# up to 64 MiB kept free at its top: mapping each step's batch afresh (a 64 KiB threshold) made an in-app
# GAN epoch take twice the CLI's.
MALLOC_SETTINGS = {"MALLOC_ARENA_MAX": "2", "MALLOC_MMAP_THRESHOLD_": str(4 << 20),
                   "MALLOC_TRIM_THRESHOLD_": str(64 << 20)}


def preload() -> None:
    import plotly.graph_objects  # noqa: F401
    import torch

    if not torch.cuda.is_available():
        skip_triton()

    import genlib.evaluation.evaluate  # noqa: F401  (the judge, metrics, models and data with it)
    import genlib.evaluation.latent  # noqa: F401
    import genlib.loading  # noqa: F401


def skip_triton() -> None:
    """Import Triton, a compiler of GPU kernels, as absent: on a machine without a GPU it can do nothing.

    The lab never compiles, yet an optimiser's first step (training, a slow-motion step) imports torch._dynamo,
    which imports Triton only to see that it is there: 75 of the step's 174 MiB of new resident memory here.
    Torch checks with a guarded import, so it then behaves as a CPU-only build does."""
    sys.modules["triton"] = None  # an import of a name mapped to None raises ImportError


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
