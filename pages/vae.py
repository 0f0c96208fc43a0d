"""VAE page: slide the KL weight β from exactly 0 and watch the latent space break, then heal."""
import streamlit as st

from labui import claims, run_cache, vae_views
from labui.errors import shown_as_message
from labui.forms import vae_training_form
from labui.training import live_panel

VIEWS = ["Latent space", "Samples", "Interpolation", "Latent sliders", "Across β", "Overfitting and copies"]

st.title("VAE: what the KL term does")
st.markdown(
    "A VAE's loss is **reconstruction + β · KL**. With β = 0 it is a plain autoencoder: nothing pulls the codes "
    "towards the prior N(0, I), so they spread out with gaps, samples drawn from the prior decode to garbage and "
    "interpolations jump. Slide β up from 0 and watch the latent space fill in; push it far and everything blurs."
)

runs = run_cache.vae_runs()
sweeps: dict[tuple, list] = {}
for run in runs:
    sweeps.setdefault((run.latent_dim, run.arch, run.extra.get("train_limit")), []).append(run)

if not sweeps:
    st.info("No VAE runs yet: train one below.")
else:
    # latent 16 on all the data first: the lesson shows in the numbers there
    keys = sorted(sweeps, key=lambda k: (k[0] != 16, k[2] is not None, k[0], k[1], k[2] or 0))
    sweep_key = st.radio("Sweep", keys, horizontal=True, key="vae_sweep",
                         format_func=lambda k: f"latent {k[0]} · {k[1]} · {k[2] or 60000:,} images "
                                               f"({len(sweeps[k])} runs)")
    sweep = sorted(sweeps[sweep_key], key=lambda r: (r.kl_weight, not run_cache.is_shipped(r)))
    labels = {r.path: f"{r.kl_weight:g}" + ("" if run_cache.is_shipped(r) else f" ({r.extra['name'][:24]})")
              for r in sweep}
    path = st.select_slider("KL weight β", options=[r.path for r in sweep], format_func=labels.get,
                            key="vae_beta_" + "_".join(str(k) for k in sweep_key if k is not None))
    with shown_as_message("This run cannot be shown"):
        run = next(r for r in sweep if r.path == path)
        metrics = run_cache.run_metrics(path)
        vae_views.metric_strip(metrics)

        # only the open tab runs (on_change="rerun"), so moving a slider redraws one view, not six
        latent_tab, samples_tab, interp_tab, sliders_tab, beta_tab, claims_tab = st.tabs(
            VIEWS, key="vae_view", on_change="rerun")
        if latent_tab.open:
            with latent_tab:
                vae_views.latent_view(path, run.latent_dim)
        if samples_tab.open:
            with samples_tab:
                seed = st.number_input("Sample seed", 0, 10_000, 0, key="vae_sample_seed")
                vae_views.samples_view(path, int(seed))
        if interp_tab.open:
            with interp_tab:
                vae_views.interpolation_view(path)
        if sliders_tab.open:
            with sliders_tab:
                vae_views.latent_sliders_view(path, run.latent_dim)
        if beta_tab.open:
            with beta_tab:
                st.markdown(vae_views.explanation(sweep, run.kl_weight))
                vae_views.across_beta_view(sweep, run.kl_weight)
        if claims_tab.open:
            with claims_tab:
                st.subheader("Does the decoder overfit without the KL term?")
                claims.overfitting_view(sweep, run, run.kl_weight)
                st.subheader("Are prior samples new digits or copies?")
                report = claims.memorisation_view("vae", path, None, key="vae_memo")
                if report:
                    st.markdown(claims.verdict(report["nn_ratio"], report["share_closer"]))

st.header("Train a VAE")
st.caption("The run trains in the background: use the page meanwhile, or reload; it joins its sweep when done.")
vae_training_form(default_latent=16)
live_panel("vae", [("Loss per image (nats)", ["recon", "kl", "total"])], key="vae_job")
