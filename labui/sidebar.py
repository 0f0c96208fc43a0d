"""The sidebar every page shares: which device trains, which dataset is in use, the training engine."""
import streamlit as st

from genlib.data import DATASETS
from genlib.devices import available_devices, describe, pick_device
from labui.errors import shown_as_message
from labui.identity import sign_in_box
from labui.jobs import engine


def shared_sidebar() -> None:
    with st.sidebar:
        st.selectbox("Training device", available_devices(), key="device",
                     help="Where new training runs go. A GPU is picked first when there is one.")
        st.caption(f"In use: {describe(pick_device(st.session_state.device))}")
        st.selectbox("Dataset", list(DATASETS), key="dataset", format_func=DATASET_NAMES.get,
                     help="MNIST ships with the lab. Fashion-MNIST needs one download.")
        sign_in_box()
        with shown_as_message("Training engine"):
            info = engine().describe()
            st.caption(f"Training on: {info['engine']} · {info['cpus']} CPU(s), {info['gpus']} GPU(s) · "
                       f"{info['running']} running, {info['waiting']} waiting")


DATASET_NAMES = {"mnist": "MNIST (bundled)", "fashion-mnist": "Fashion-MNIST (download)"}
