"""Streamlit helpers shared by the pages: the sidebar, cached run access, views, forms and the training-job panel."""
