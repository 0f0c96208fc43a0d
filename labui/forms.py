"""Training forms: settings in, a validated job out. Bad settings become one message naming the form's field."""
from __future__ import annotations

import streamlit as st

from genlib.devices import pick_device
from genlib.errors import ConfigError, GenlibError
from genlib.models import GANConfig, VAEConfig
from genlib.models.gan import LOSSES
from genlib.runs.store import Run
from genlib.training.configs import GANTrainConfig, VAETrainConfig, parse_config
from genlib.runs.lock import is_being_written
from labui.training import new_run_dir, start_job

TRAIN_SIZES = {"500": 500, "2,000": 2000, "10,000": 10000, "60,000 (all)": None}
# the forms' names for the settings, used in error messages (the CLI names its flags instead)
FIELD_LABELS = {"latent_dim": "Latent dimension", "kl_weight": "KL weight β", "epochs": "Epochs",
                "arch": "Architecture", "train_limit": "Training images", "kl_warmup_epochs": "KL warm-up (epochs)",
                "batch_size": "Batch size", "lr_g": "Learning rate G", "lr_d": "Learning rate D", "noise": "Noise",
                "device": "Training device", "dataset": "Dataset", "loss": "Loss"}
# Measured, not promised: `python -m genlib bench --device cpu` on the lab's 2-core CPU (docs/benchmarks.md,
# 2026-12-07) timed a whole infogan epoch of 60,000 images (batch 64) at 225 s from the CLI.
INFOGAN_CPU_EPOCH_S = 224.76
SLOW_RUN_WAITING = "gan_cpu_confirm"  # session key: the settings of a CPU infogan run waiting for a yes


def validated(model_cls, model_values: dict, train_cls, train_values: dict, use_sidebar: bool = True):
    """(model config, training config) from a form, or None after showing everything that was wrong.

    New runs train on the sidebar's device and dataset; a resumed run keeps its own."""
    sidebar = {"device": st.session_state.get("device", "auto"),
               "dataset": st.session_state.get("dataset", "mnist")} if use_sidebar else {}
    forms = [(model_cls, model_values), (train_cls, {**train_values, **sidebar})]
    # parse_config stops at the first bad setting: try each one alone (the others at their defaults) so that a form
    # with two bad fields names both; an error about a default beside it is not this field's
    problems = []
    for cls, values in forms:
        for name, value in values.items():
            try:
                parse_config(cls, {name: value})
            except ConfigError as err:
                if err.setting in (name, None):
                    problems.append(err)
    if not problems:  # each setting is fine alone: check them together (a batch larger than the training set)
        try:
            return tuple(parse_config(cls, values) for cls, values in forms)
        except ConfigError as err:
            problems = [err]
    named = [err.named(lambda setting: FIELD_LABELS.get(setting, setting)) for err in problems]
    st.error(named[0] if len(named) == 1 else "\n".join(f"- {text}" for text in named))
    return None


def submit(kind: str, model_cls, model_values: dict, train_cls, train_values: dict, prefix: str, name: str):
    """Validate a new run's settings, pick its folder and start its job; any problem becomes one message."""
    configs = validated(model_cls, model_values, train_cls, train_values)
    if configs is None:
        return
    try:
        run_dir = new_run_dir(prefix, name)
    except GenlibError as err:  # a name that could leave the runs folder, or one already taken
        st.error(str(err))
        return
    start_job(kind, run_dir, *configs)


def vae_training_form(default_latent: int) -> None:
    with st.form("vae_train_form"):
        c1, c2, c3 = st.columns(3)
        latent_dim = c1.slider("Latent dimension", 2, 32, default_latent, key="vae_form_latent")
        beta = c2.number_input("KL weight β", value=1.0, step=0.1, format="%g", key="vae_form_beta")
        epochs = c3.number_input("Epochs", value=10, step=1, key="vae_form_epochs")
        arch = c1.selectbox("Architecture", ["mlp", "conv"], key="vae_form_arch")
        size = c2.selectbox("Training images", list(TRAIN_SIZES), index=3, key="vae_form_size")
        warmup = c3.number_input("KL warm-up (epochs)", value=0.0, step=1.0, key="vae_form_warmup")
        name = st.text_input("Run name (optional)", key="vae_form_name", max_chars=100,
                             placeholder="letters, digits, '.', '_' or '-'")
        submitted = st.form_submit_button("Train", type="primary")
    if submitted:
        submit("vae", VAEConfig, {"latent_dim": latent_dim, "arch": arch}, VAETrainConfig,
               {"kl_weight": beta, "epochs": epochs, "kl_warmup_epochs": warmup, "train_limit": TRAIN_SIZES[size]},
               f"vae-z{latent_dim}-{arch}-b{beta:g}", name)


def gan_training_form() -> None:
    with st.form("gan_train_form"):
        c1, c2, c3 = st.columns(3)
        arch = c1.selectbox("Architecture", ["small", "infogan"], key="gan_form_arch",
                            help="small: an MLP pair for the CPU (measured on 2 cores: 6.5 s an epoch of 60,000 images "
                                 "from the CLI, 8-10 s here with this page open); infogan: the conv nets of the "
                                 "original homework (for a GPU)")
        epochs = c2.number_input("Epochs", value=15, step=1, key="gan_form_epochs")
        batch = c3.number_input("Batch size", value=64, step=1, key="gan_form_batch")
        lr_g = c1.number_input("Learning rate G", value=2e-4, step=1e-4, format="%.5f", key="gan_form_lr_g")
        lr_d = c2.number_input("Learning rate D", value=2e-4, step=1e-4, format="%.5f", key="gan_form_lr_d")
        noise = c3.selectbox("Noise", ["uniform", "normal"], key="gan_form_noise")
        size = c1.selectbox("Training images", list(TRAIN_SIZES), index=3, key="gan_form_size")
        loss = c2.selectbox("Loss", list(LOSSES), key="gan_form_loss",
                            help="bce: the homework's; minimax: the GAN paper's G loss, log(1 − D(G(z))), which stalls "
                                 "while D wins; lsgan: least squares; wgan-gp: Wasserstein with a gradient "
                                 f"penalty ({LOSSES['wgan-gp'].critic_steps} critic steps per G step); hinge: "
                                 "margins at ±1. The same G and D, and the same fixed noise, for every loss")
        name = c3.text_input("Run name (optional)", key="gan_form_name", max_chars=100,
                             placeholder="letters, digits, '.', '_' or '-'")
        submitted = st.form_submit_button("Train", type="primary")
    if submitted:
        st.session_state.pop(SLOW_RUN_WAITING, None)
        args = ("gan", GANConfig, {"arch": arch, "noise": noise, "loss": loss}, GANTrainConfig,
                {"epochs": epochs, "batch_size": batch, "lr_g": lr_g, "lr_d": lr_d, "train_limit": TRAIN_SIZES[size]},
                f"gan-{arch}-{loss}" if loss != "bce" else f"gan-{arch}", name)
        if arch != "infogan" or not _trains_on_cpu():
            submit(*args)
        elif validated(*args[1:5]) is not None:  # valid settings: ask before an hours-long CPU run
            st.session_state[SLOW_RUN_WAITING] = args
    if SLOW_RUN_WAITING in st.session_state:
        _confirm_slow_cpu_run(st.session_state[SLOW_RUN_WAITING])


def _trains_on_cpu() -> bool:
    try:
        return pick_device(st.session_state.get("device")).type == "cpu"
    except ConfigError:
        return False  # an unusable device is reported when the run is submitted


def infogan_cpu_estimate_s(epochs: int, train_limit: int | None) -> float:
    """Expected CPU training time of the infogan architecture, from the measured pace per image."""
    return epochs * INFOGAN_CPU_EPOCH_S * (train_limit or 60000) / 60000


def _confirm_slow_cpu_run(args: tuple) -> None:
    train_values = args[4]
    epochs, images = int(train_values["epochs"]), train_values["train_limit"] or 60000
    seconds = infogan_cpu_estimate_s(epochs, train_values["train_limit"])
    expected = f"{seconds / 60:.0f} min" if seconds >= 90 else f"{seconds:.0f} s"
    st.warning(f"**The infogan architecture is meant for a GPU, and this run would train on the CPU.** On the lab's "
               f"2-core CPU one epoch of 60,000 images takes {INFOGAN_CPU_EPOCH_S:.0f} s (a whole epoch measured "
               f"with `python -m genlib bench`, docs/benchmarks.md), so {epochs} epoch(s) of {images:,} images would "
               f"take about **{expected}**, longer while the page shares the cores. The small architecture is "
               "sized for the CPU.")
    yes, no = st.columns(2)
    if yes.button(f"Train infogan on the CPU anyway (about {expected})", key="gan_cpu_yes"):
        del st.session_state[SLOW_RUN_WAITING]
        submit(*args)
    if no.button("Cancel", key="gan_cpu_no"):
        del st.session_state[SLOW_RUN_WAITING]
        st.rerun()


def resume_button(run_dir: str, records: list[dict]) -> None:
    """Continue a GAN run from its last finished epoch (user runs keep a resume state; shipped runs do not)."""
    run = Run(run_dir)
    if run.resume_state_path() is None or is_being_written(run.path):
        return
    last, planned = records[-1]["epoch"], run.config()["train"].get("epochs", 0)
    interrupted = run.history()["status"] == "interrupted"
    with st.expander("Continue training this run", expanded=interrupted):
        # an interrupted run continues to the epochs it was started for; a finished one, five more
        target = st.number_input("Train until epoch", last + 1, last + 500, planned if planned > last else last + 5,
                                 key=f"resume_to_{run_dir}")
        if not st.button("Resume", key="gan_resume"):
            return
        saved = run.expect_kind("gan")
        configs = validated(GANConfig, saved["model"], GANTrainConfig, {**saved["train"], "epochs": int(target)},
                            use_sidebar=False)
        if configs is not None:
            start_job("gan", run.path, *configs)
