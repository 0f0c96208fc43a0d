"""genlib lab: the router. Page config, navigation over pages/, and the shared sidebar."""
import streamlit as st

from labui.sidebar import shared_sidebar

st.set_page_config(page_title="genlib lab", page_icon=":material/science:", layout="wide")

page = st.navigation([
    st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
])
shared_sidebar()
page.run()
