"""Streamlit helpers shared by the pages: the sidebar, cached loaders and the background-job registry."""
