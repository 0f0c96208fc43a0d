"""VAE runs grouped into sweeps (same settings, different β), and picking the run to view.

The widgets here keep their selection when a run is added: a Streamlit widget remembers its value as the
option's label, so every label is fixed by the settings alone (never by how many runs a group holds).
"""
from __future__ import annotations

import streamlit as st

from genlib.models import VAEConfig
from genlib.pretrain import SWEEP_BETAS
from genlib.runs.store import Run
from genlib.training.configs import VAETrainConfig
from labui import forms, run_cache, vae_sentences

VIEWED = "vae_viewed_run"  # the run shown last, so a group that grows keeps showing it


YOURS = "yours"  # the last part of a group's key: the user's runs (None: the shipped reference runs)


def group_runs(runs: list) -> dict[tuple, list]:
    """Runs by (latent size, architecture, training images, whose): the β sweeps. A user's runs form groups of
    their own beside the shipped ones, never inside them: the reference sweep stays the one every page
    sentence and test was measured on."""
    groups: dict[tuple, list] = {}
    for run in runs:
        whose = None if run_cache.is_shipped(run) else YOURS
        groups.setdefault((run.latent_dim, run.arch, run.extra.get("train_limit"), whose), []).append(run)
    return {key: sorted(group, key=lambda r: (r.kl_weight, r.extra["name"])) for key, group in groups.items()}


def group_label(key: tuple) -> str:
    latent, arch, images, whose = key
    return ("your runs · " if whose == YOURS else "") + f"latent {latent} · {arch} · {images or 60000:,} images"


def group_caption(group: list) -> str:
    if len(group) == 1:
        return f"one run (β = {group[0].kl_weight:g})"
    return f"{len(group)} runs, β {group[0].kl_weight:g} to {group[-1].kl_weight:g}"


def run_label(run) -> str:
    """β, and for a user's run its name: unique within a group, and the same whatever else is added."""
    return f"{run.kl_weight:g}" + ("" if run_cache.is_shipped(run) else f" ({run.extra['name']})")


def smaller_sweeps(groups: dict[tuple, list], key: tuple) -> list[str]:
    """The labels of the sweeps trained on fewer images than this one, with two runs or more to compare."""
    images = key[2] or 60000
    return [group_label(k) for k, group in groups.items() if (k[2] or 60000) < images and len(group) > 1]


def pick_group(groups: dict[tuple, list]) -> tuple:
    # latent 16 on all the data first: the lesson shows in the numbers there
    keys = sorted(groups, key=lambda k: (k[3] == YOURS, k[0] != 16, k[2] is not None, k[0], k[1], k[2] or 0))
    return st.radio("Runs with the same settings", keys, horizontal=True, key="vae_sweep",
                    format_func=group_label, captions=[group_caption(groups[k]) for k in keys])


def pick_run(key: tuple, group: list):
    """The β slider over a sweep, or the single run of a group with one; it starts on the run viewed last."""
    viewed = st.session_state.get(VIEWED)
    paths = [r.path for r in group]
    if len(group) == 1:
        path = paths[0]
        st.markdown(f"**One run** with these settings: β = {group[0].kl_weight:g}, `{group[0].extra['name']}`. "
                    "Comparing β needs its neighbours trained the same way:")
        neighbour_offer(group[0])
    else:
        labels = {r.path: run_label(r) for r in group}
        path = st.select_slider("KL weight β", options=paths, format_func=labels.get,
                                value=viewed if viewed in paths else paths[0],
                                key="vae_beta_" + "_".join(str(k) for k in key if k is not None))
    st.session_state[VIEWED] = path
    return next(r for r in group if r.path == path)


def neighbour_offer(run) -> None:
    """Train another β with this run's settings (architecture, latent size, images, epochs), so it gets a sweep.
    The choice starts on the other side of the lesson: β = 1 beside a run without the KL term, else β = 0."""
    choices = [b for b in SWEEP_BETAS if b != run.kl_weight]  # the shipped sweep's β: the neighbours offered
    default = 1.0 if run.kl_weight == 0.0 else 0.0
    left, right = st.columns([1, 2])
    beta = left.selectbox("β to train beside it", choices, index=choices.index(default), format_func="{:g}".format,
                          key="vae_neighbour_beta")
    saved = Run(run.path).expect_kind("vae")
    epochs = vae_sentences.plural(saved["train"]["epochs"], "epoch")
    right.caption(f"Same settings as `{run.extra['name']}`: {epochs}, "
                  f"{saved['train'].get('train_limit') or 60000:,} training images.")
    if right.button(f"Train β = {beta:g} with the same settings", key="vae_neighbour_go"):
        # the sidebar's device and dataset replace the saved ones, as for any new run
        forms.submit("vae", VAEConfig, saved["model"], VAETrainConfig, {**saved["train"], "kl_weight": beta},
                     f"vae-z{run.latent_dim}-{run.arch}-b{beta:g}", "")
