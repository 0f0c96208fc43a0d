"""Home: what the lab is for, real MNIST digits, the device and data in use, and the runs found."""
import streamlit as st

from genlib.devices import describe, pick_device
from labui.run_cache import real_digit_grid_png, run_place, runs_table

st.title("genlib lab")
st.markdown(
    "Train small generative models yourself and **see** two things textbooks only assert:\n\n"
    "1. **What a VAE loses without its KL term.** Slide the KL weight β from exactly 0 upward and measure it: at 0 "
    "the latent space is a plain autoencoder's, its codes free to leave the prior; near 1 the KL term pulls them "
    "into it; far above 1 it can switch latent dimensions off. The VAE page says what each sweep's numbers show.\n"
    "2. **A GAN learns epoch by epoch.** Train the classic MNIST GAN, watch its losses live, and scrub "
    "and compare the fixed-noise sample grids epoch by epoch, with quality metrics beside each epoch."
)
left, right = st.columns(2)
left.page_link("app_pages/vae.py", label="Open the VAE page: slide β from 0", icon=":material/blur_on:")
right.page_link("app_pages/gan.py", label="Open the GAN page: scrub the epochs", icon=":material/movie:")

col_digits, col_info = st.columns([1, 1])
with col_digits:
    st.subheader("The data: real MNIST digits")
    st.image(real_digit_grid_png(), caption="64 test-set digits (28×28 pixels each)", output_format="PNG")
with col_info:
    st.subheader("In use")
    st.markdown(f"- **Device:** {describe(pick_device(st.session_state.get('device')))}\n"
                f"- **Dataset:** {st.session_state.get('dataset', 'mnist')}\n"
                "- **Quality judge:** the lab's own MNIST classifier; FID is computed on its features.")

st.subheader("Runs found")
runs, problems = runs_table()
if runs:
    # one row per run: where it lives under checkpoints/ (beta-0 alone would appear twice), blanks, not "None"
    st.dataframe([{"run": run_place(r.path), "kind": r.kind, "arch": r.arch, "epochs": r.epochs, "status": r.status,
                   "β": "" if r.kl_weight is None else f"{r.kl_weight:g}",
                   "latent size": "" if r.latent_dim is None else str(r.latent_dim)}
                  for r in runs], hide_index=True, key="runs_table")
else:
    st.info("No runs yet. Train one on the VAE or GAN page, or with `python -m genlib train ...`.")
for path, problem in problems:
    st.warning(f"Skipped a damaged run: {problem}")
