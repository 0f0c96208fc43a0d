"""The homework's comparison: a GAN run's samples after epoch 10 beside those after its last epoch, with the
judge's numbers, the losses of both epochs and a sentence that says what changed (backed by those numbers).

The homework (train the infoGAN-style GAN for 50 epochs, compare epochs 10 and 50) reports its pace as
"Avg one epoch time: 19.02" on its GPU; the run's own pace is shown beside it, with where it was measured.
"""
from __future__ import annotations

import numpy as np
import streamlit as st

from labui import run_cache

HOMEWORK_EARLY = 10            # the homework compares the samples after 10 epochs with the last (50)
HOMEWORK_GPU_EPOCH_S = 19.02   # "Avg one epoch time" the homework's GAN.py printed on its GPU
# FID changes smaller than this share count as "about the same": two scorings of one generator with 2,000
# samples each differ by a few percent
FID_NOISE = 0.05


def compared_epochs(epochs: list[int]) -> tuple[int, int] | None:
    """(10, last) when the run has trained past epoch 10; None when there is nothing later to compare."""
    if HOMEWORK_EARLY not in epochs or epochs[-1] <= HOMEWORK_EARLY:
        return None
    return HOMEWORK_EARLY, epochs[-1]


def change_sentence(a: dict, b: dict) -> str:
    """What changed from epoch A's record to epoch B's, measure by measure, in the direction the numbers show."""
    ea, eb = a["epoch"], b["epoch"]
    if "fid" not in a or "fid" not in b:
        return (f"This run was trained without per-epoch metrics, so only the pictures and the losses compare "
                f"epoch {ea} with epoch {eb}.")
    parts = []
    ratio = b["fid"] / a["fid"]
    if abs(ratio - 1) <= FID_NOISE:
        parts.append(f"FID stayed about the same ({a['fid']:.0f} → {b['fid']:.0f}, within {FID_NOISE:.0%})")
    elif ratio < 1:
        parts.append(f"FID fell from {a['fid']:.0f} to {b['fid']:.0f} (to {ratio:.0%} of epoch {ea}'s: closer "
                     f"to real digits)")
    else:
        parts.append(f"FID **rose** from {a['fid']:.0f} to {b['fid']:.0f} ({ratio:.2f}×: further from real "
                     f"digits than at epoch {ea})")
    ca, cb = a["classes_covered"], b["classes_covered"]
    if ca == cb:
        parts.append(f"both cover {cb} of 10 classes")
    else:
        parts.append(f"classes covered went from {ca} to {cb} of 10" + (" (**fewer**)" if cb < ca else ""))
    ra, rb = a["confident_rate"], b["confident_rate"]
    if round(ra, 2) == round(rb, 2):
        parts.append(f"the judge is confident about {rb:.0%} of samples at both")
    else:
        parts.append(f"the judge is confident about {rb:.0%} of samples, against {ra:.0%}"
                     + (" (**fewer**)" if rb < ra else ""))
    better = [ratio < 1 - FID_NOISE, cb > ca, round(rb, 2) > round(ra, 2)]
    worse = [ratio > 1 + FID_NOISE, cb < ca, round(rb, 2) < round(ra, 2)]
    if any(worse) and not any(better):
        verdict = f"Epoch {eb} is worse than epoch {ea} on these measures"
    elif any(worse):
        verdict = f"Epoch {eb} is better than epoch {ea} on some measures and worse on others"
    elif any(better):
        verdict = f"Epoch {eb} is better than epoch {ea}"
    else:
        verdict = f"By these measures, {eb - ea} more epochs changed little"
    return f"**{verdict}:** " + "; ".join(parts) + "."


def epoch_losses(steps: dict[str, np.ndarray], epochs_done: int, epoch: int) -> dict[str, tuple[float, float, float]]:
    """D's and G's per-iteration losses in one epoch: (mean, 10th percentile, 90th percentile) of each."""
    per_epoch = len(steps["d_loss"]) // max(1, epochs_done)
    window = slice((epoch - 1) * per_epoch, epoch * per_epoch)
    return {name: (float(np.mean(v[window])), *map(float, np.percentile(v[window], [10, 90])))
            for name, v in ((n, steps[n]) for n in ("d_loss", "g_loss"))}


def pace_sentence(provenance: dict, records: list[dict]) -> str:
    """Where the run trained and its seconds per epoch, beside the homework's own GPU figure."""
    seconds = [r["seconds"] for r in records]
    where = provenance.get("cpu") or provenance.get("device", "an unrecorded device")
    device = provenance.get("device", "")
    if device and device != where:
        where = f"{where}, {device}"
    total = sum(seconds)
    total_text = f"{total / 3600:.1f} h" if total >= 3600 else f"{total / 60:.0f} min"
    return (f"This run trained on **{where}**: {np.median(seconds):.0f} s per epoch (median of {len(seconds)}), "
            f"{total_text} in all. The homework's GAN.py printed \"Avg one epoch time: "
            f"{HOMEWORK_GPU_EPOCH_S}\" s on a GPU.")


def homework_view(path: str, records: list[dict], floor: float | None) -> None:
    """Epoch 10 beside the last epoch: grids, numbers, losses and what changed."""
    epochs = [r["epoch"] for r in records]
    pair = compared_epochs(epochs)
    if pair is None:
        return
    a, b = (records[epochs.index(e)] for e in pair)
    steps = run_cache.steps(path)
    st.subheader(f"The homework's comparison: epoch {pair[0]} against epoch {pair[1]}")
    for col, record in zip(st.container(key="gan_homework").columns(2), (a, b)):
        epoch = record["epoch"]
        col.image(run_cache.grid_png(path, epoch, 3), output_format="PNG", caption=f"after epoch {epoch}")
        if "fid" in record:
            col.markdown(f"FID **{record['fid']:.0f}** · **{record['classes_covered']}** of 10 classes · "
                         f"**{record['confident_rate']:.0%}** confident")
        losses = epoch_losses(steps, len(records), epoch)
        col.caption(" · ".join(f"{label} {mean:.2f} (10-90 %: {lo:.2f}-{hi:.2f})" for label, (mean, lo, hi)
                               in zip(("D loss", "G loss"), losses.values())) + f" over epoch {epoch}'s iterations")
    st.markdown(change_sentence(a, b))
    st.caption(("FID: judge features, lower is better" + (f"; real test digits score {floor:.0f}. " if floor else ". "))
               + pace_sentence(run_cache.provenance(path), records))
