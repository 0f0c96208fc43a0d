"""Cached, read-only resources shared by every session: data, the judge's references, loaded models."""
import streamlit as st

from genlib import checkpoints, data, images


@st.cache_data(show_spinner=False)
def real_digit_grid_png(n: int = 64, seed: int = 0) -> bytes:
    import torch

    test = data.load_digits("mnist", "test")
    pick = torch.randperm(len(test), generator=torch.Generator().manual_seed(seed))[:n]
    return images.png_bytes(images.grid(test.as_float()[pick]), scale=3)


def runs_table():
    """Runs found under checkpoints/ (not cached: users add runs while the app runs)."""
    return checkpoints.scan_runs()
