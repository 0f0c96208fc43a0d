"""VAE page: slide the KL weight β from exactly 0 and watch the latent space break, then heal."""
import streamlit as st

from labui import claims, run_cache, vae_decode, vae_draw, vae_gap, vae_kl, vae_sentences, vae_sweeps, vae_views
from labui.errors import shown_as_message
from labui.forms import vae_training_form
from labui.run_transfer import share_panel
from labui.training import live_panel

VIEWS = ["Latent space", "Samples", "Interpolation", "Latent sliders", "Across β", "Overfitting and copies",
         "Draw a digit", "KL per dimension", "Decode anywhere"]

st.title("VAE: what the KL term does")
st.markdown(
    "A VAE's loss is **reconstruction + β · KL**. With β = 0 it is a plain autoencoder: nothing pulls the codes "
    "towards the prior N(0, I), so they are free to spread away from it, and samples drawn from the prior can land "
    "where no code is. Slide β up from 0 and watch the codes move into the prior; push it far and the KL term can "
    "switch latent dimensions off. What each sweep shows is said beside its numbers."
)
sweep_reading = st.empty()  # what this sweep's β = 0 prior samples look like, once a sweep is picked

groups = vae_sweeps.group_runs(run_cache.vae_runs())
if not groups:
    st.info("No VAE runs yet: train one below.")
else:
    group_key = vae_sweeps.pick_group(groups)
    sweep = groups[group_key]
    run = vae_sweeps.pick_run(group_key, sweep)
    path = run.path
    ends = {r.kl_weight: r.path for r in sweep if r.kl_weight in (0.0, 1.0)}
    if 0.0 in ends:
        with shown_as_message("This sweep's β = 0 and β = 1 runs cannot be compared"):
            sweep_reading.markdown(vae_sentences.prior_samples(
                run_cache.run_metrics(ends[0.0]), run_cache.run_metrics(ends[1.0]) if 1.0 in ends else None))
    with shown_as_message("This run cannot be shown"):
        metrics = run_cache.run_metrics(path)
        vae_views.metric_strip(metrics)

        # only the open tab runs (on_change="rerun"), so moving a slider redraws one view, not all of them
        latent_tab, samples_tab, interp_tab, sliders_tab, beta_tab, claims_tab, draw_tab, kl_tab, decode_tab = st.tabs(
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
                if len(sweep) == 1:
                    st.info("This run has no β neighbours with the same settings yet: train one with the "
                            "button above the views, then compare them here.")
                else:
                    st.markdown(vae_views.explanation(sweep, run.kl_weight, run.latent_dim))
                    vae_views.across_beta_view(sweep, run.kl_weight)
        if claims_tab.open:
            with claims_tab:
                st.subheader("Does the decoder overfit without the KL term?")
                vae_gap.overfitting_view(sweep, run, vae_sweeps.smaller_sweeps(groups, group_key))
                st.subheader("Are prior samples new digits or copies?")
                report = claims.memorisation_view("vae", path, None, key="vae_memo")
                if report:
                    st.markdown(claims.verdict(report))
        if draw_tab.open:
            with draw_tab:
                vae_draw.draw_view(sweep, run)
        if kl_tab.open:
            with kl_tab:
                vae_kl.kl_view(sweep, run)
        if decode_tab.open:
            with decode_tab:
                vae_decode.decode_view(path, run.latent_dim, run.kl_weight)
    share_panel(path, key="vae")  # download this run, or open one

st.header("Train a VAE")
st.caption("The run trains in the background: use the page meanwhile, or reload; it joins its sweep when done.")
vae_training_form(default_latent=16)
live_panel("vae", [("Loss per image (nats)", ["recon", "kl", "total"])], key="vae_job")
