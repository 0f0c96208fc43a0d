"""Training forms: settings in, a validated job out. Bad settings become one clear message."""
from __future__ import annotations

import streamlit as st

from genlib.checkpoints import Run
from genlib.config import GANTrainConfig, VAETrainConfig, parse_config
from genlib.errors import GenlibError
from genlib.evaluate import cached_run_metrics, epoch_metrics_hook
from genlib.models import GANConfig, VAEConfig
from genlib.train import fit_gan, fit_vae
from labui.jobs import registry
from labui.training import new_run_dir, start_job

TRAIN_SIZES = {"500": 500, "2,000": 2000, "10,000": 10000, "60,000 (all)": None}


def validated(model_cls, model_values: dict, train_cls, train_values: dict, use_sidebar: bool = True):
    """(model config, training config) from a form, or None after showing what was wrong.

    New runs train on the sidebar's device and dataset; a resumed run keeps its own."""
    sidebar = {"device": st.session_state.get("device", "auto"),
               "dataset": st.session_state.get("dataset", "mnist")} if use_sidebar else {}
    try:
        return parse_config(model_cls, model_values), parse_config(train_cls, {**train_values, **sidebar})
    except GenlibError as err:
        st.error(str(err))
        return None


def prepared_run(model_cls, model_values: dict, train_cls, train_values: dict, prefix: str, name: str):
    """(model config, training config, run folder) for a new run, or None after showing what was wrong."""
    configs = validated(model_cls, model_values, train_cls, train_values)
    if configs is None:
        return None
    try:
        return (*configs, new_run_dir(prefix, name))
    except GenlibError as err:  # a name that could leave checkpoints/user/, or one already taken
        st.error(str(err))
        return None


def vae_training_form(default_latent: int) -> None:
    with st.form("vae_train_form"):
        c1, c2, c3 = st.columns(3)
        latent_dim = c1.slider("Latent dimension", 2, 32, default_latent, key="vae_form_latent")
        beta = c2.number_input("KL weight β", min_value=0.0, max_value=1000.0, value=1.0, step=0.1, format="%g",
                               key="vae_form_beta")
        epochs = c3.number_input("Epochs", 1, 200, 10, key="vae_form_epochs")
        arch = c1.selectbox("Architecture", ["mlp", "conv"], key="vae_form_arch")
        size = c2.selectbox("Training images", list(TRAIN_SIZES), index=3, key="vae_form_size")
        warmup = c3.number_input("KL warm-up (epochs)", 0.0, 100.0, 0.0, 1.0, key="vae_form_warmup")
        name = st.text_input("Run name (optional)", key="vae_form_name", max_chars=100,
                             placeholder="letters, digits, '.', '_' or '-'")
        submitted = st.form_submit_button("Train", type="primary")
    if not submitted:
        return
    prepared = prepared_run(VAEConfig, {"latent_dim": latent_dim, "arch": arch}, VAETrainConfig,
                            {"kl_weight": beta, "epochs": epochs, "kl_warmup_epochs": warmup,
                             "train_limit": TRAIN_SIZES[size]}, f"vae-z{latent_dim}-{arch}-b{beta:g}", name)
    if prepared is None:
        return
    model, train, run_dir = prepared

    def fit(run_dir, report, stop):
        result = fit_vae(model, train, run_dir, report, stop, epoch_metrics_hook("vae", 2000))
        if result.epochs and train.dataset == "mnist":  # the judge scores MNIST digits only
            cached_run_metrics(run_dir)  # score it now, so the sweep table shows it at once
        return result

    start_job(f"vae-{run_dir.name}", run_dir, fit)


def gan_training_form() -> None:
    with st.form("gan_train_form"):
        c1, c2, c3 = st.columns(3)
        arch = c1.selectbox("Architecture", ["small", "seed"], key="gan_form_arch",
                            help="small: an MLP pair for the CPU (≈ 12 s an epoch from the CLI, ≈ 18 s here beside the "
                                 "page); seed: the infoGAN conv nets of the original homework (for a GPU)")
        epochs = c2.number_input("Epochs", 1, 500, 15, key="gan_form_epochs")
        batch = c3.number_input("Batch size", 1, 4096, 64, key="gan_form_batch")
        lr_g = c1.number_input("Learning rate G", 0.0, 1.0, 2e-4, 1e-4, format="%.5f", key="gan_form_lr_g")
        lr_d = c2.number_input("Learning rate D", 0.0, 1.0, 2e-4, 1e-4, format="%.5f", key="gan_form_lr_d")
        noise = c3.selectbox("Noise", ["uniform", "normal"], key="gan_form_noise")
        size = c1.selectbox("Training images", list(TRAIN_SIZES), index=3, key="gan_form_size")
        name = c2.text_input("Run name (optional)", key="gan_form_name", max_chars=100,
                             placeholder="letters, digits, '.', '_' or '-'")
        submitted = st.form_submit_button("Train", type="primary")
    if not submitted:
        return
    prepared = prepared_run(GANConfig, {"arch": arch, "noise": noise}, GANTrainConfig,
                            {"epochs": epochs, "batch_size": batch, "lr_g": lr_g, "lr_d": lr_d,
                             "train_limit": TRAIN_SIZES[size]}, f"gan-{arch}", name)
    if prepared is None:
        return
    model, train, run_dir = prepared
    start_job(f"gan-{run_dir.name}", run_dir,
              lambda run_dir, report, stop: fit_gan(model, train, run_dir, report, stop,
                                                    epoch_metrics_hook("gan", train.metric_samples)))


def resume_button(run_dir: str, records: list[dict]) -> None:
    """Continue a GAN run from its last finished epoch (user runs keep a resume state; shipped runs do not)."""
    run = Run(run_dir)
    if run.resume_state_path() is None or registry().busy(run.path):
        return
    last = records[-1]["epoch"]
    with st.expander("Continue training this run"):
        target = st.number_input("Train until epoch", last + 1, last + 500, last + 5, key=f"resume_to_{run_dir}")
        if not st.button("Resume", key="gan_resume"):
            return
        saved = run.expect_kind("gan")
        configs = validated(GANConfig, saved["model"], GANTrainConfig, {**saved["train"], "epochs": int(target)},
                            use_sidebar=False)
        if configs is None:
            return
        model, train = configs
        start_job(f"gan-{run.path.name}", run.path,
                  lambda run_dir, report, stop: fit_gan(model, train, run_dir, report, stop,
                                                        epoch_metrics_hook("gan", train.metric_samples)))
