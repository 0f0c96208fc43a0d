"""genlib lab: the router. Page config, navigation over app_pages/, and the shared sidebar.

(The page files are not in a folder called pages/: Streamlit 1.67 serves such a folder's files on their own,
without this router, to the first visitor of a fresh server who opens /vae or /gan directly.)"""
import os

import streamlit as st
import torch

from labui.sidebar import shared_sidebar

# Training threads share the cores with the UI: on a small machine leave one core for drawing.
torch.set_num_threads(max(1, (os.cpu_count() or 1) - 1))
st.set_page_config(page_title="genlib lab", page_icon=":material/science:", layout="wide")

page = st.navigation([
    st.Page("app_pages/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("app_pages/vae.py", title="VAE: the KL weight", icon=":material/blur_on:"),
    st.Page("app_pages/gan.py", title="GAN: epoch by epoch", icon=":material/movie:"),
])
shared_sidebar()
page.run()
