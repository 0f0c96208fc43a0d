"""genlib lab: the router. Page config, navigation over app_pages/, and the shared sidebar.

(The page files are not in a folder called pages/: Streamlit 1.67 serves such a folder's files on their own,
without this router, to the first visitor of a fresh server who opens /vae or /gan directly.)"""
import streamlit as st

from labui.identity import is_teacher
from labui.memory import release_freed_memory
from labui.sidebar import shared_sidebar

# Training threads keep torch's default of every core, as the CLI does: leaving one core to the UI made an
# in-app GAN epoch take 1.8x the CLI's instead of 1.35x, the page open in Chromium (scripts/app_training_pace.py).
st.set_page_config(page_title="genlib lab", page_icon=":material/science:", layout="wide")

pages = [
    st.Page("app_pages/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("app_pages/vae.py", title="VAE: the KL weight", icon=":material/blur_on:"),
    st.Page("app_pages/gan.py", title="GAN: epoch by epoch", icon=":material/movie:"),
]
if is_teacher():  # students never get the page in their navigation (and the page refuses them itself)
    pages.append(st.Page("app_pages/teacher.py", title="Teacher: every job", icon=":material/school:"))
page = st.navigation(pages)
shared_sidebar()
page.run()
release_freed_memory()
