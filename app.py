"""genlib lab: the router. Page config, navigation over pages/, and the shared sidebar."""
import os

import streamlit as st
import torch

from labui.sidebar import shared_sidebar

# Training threads share the cores with the UI: on a small machine leave one core for drawing.
torch.set_num_threads(max(1, (os.cpu_count() or 1) - 1))
st.set_page_config(page_title="genlib lab", page_icon=":material/science:", layout="wide")

page = st.navigation([
    st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("pages/vae.py", title="VAE: the KL weight", icon=":material/blur_on:"),
    st.Page("pages/gan.py", title="GAN: epoch by epoch", icon=":material/movie:"),
])
shared_sidebar()
page.run()
