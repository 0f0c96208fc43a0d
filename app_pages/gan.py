"""GAN page: the classic MNIST GAN, epoch by epoch."""
import streamlit as st

from genlib.evaluation.references import BLURRED_ROW, REAL_ROW
from labui import collapse_alarm, gan_compare, gan_homework, gan_slow_motion, gan_views, run_cache
from labui.errors import shown_as_message
from labui.forms import gan_training_form, resume_button
from labui.run_transfer import share_panel
from labui.training import live_panel

VIEWS = ["Compare epochs", "Metrics by epoch", "Losses", "Animation", "New noise", "Interpolation", "Copies?",
         "Variants side by side", "Slow motion"]

st.title("GAN: epoch by epoch")
st.markdown(
    "The classic MNIST GAN: a generator G turns noise into digits, a discriminator D tells them from real ones; "
    "each iteration takes a D step, then a G step. The same fixed noise is drawn after every epoch, so the grids "
    "below show one set of samples growing up. Scrub the epochs, compare them, and read the numbers beside them."
)

# the homework's own run first (the page opens on it), then the other shipped runs, then the user's
runs = sorted(run_cache.gan_runs(), key=lambda r: (not run_cache.is_homework(r), not run_cache.is_shipped(r), r.path))
if not runs:
    st.info("No GAN runs yet: train one below.")
else:
    path = st.selectbox("Run", [r.path for r in runs], key="gan_run",
                        format_func=lambda p: next(f"{r.extra['name']} · {r.arch} · {r.epochs} epochs · {r.status}"
                                                   for r in runs if r.path == p))
    with shown_as_message("This run cannot be shown"):
        history = run_cache.history(path)
        records = history["epochs"]
        if history["status"] == "interrupted":  # its process died: say so, and offer the resume below
            st.warning(history["message"])
        epochs = [r["epoch"] for r in records]
        refs = run_cache.reference_fids()
        floor, blurred = refs[REAL_ROW], refs[BLURRED_ROW]
        gan_homework.homework_view(path, records, floor)

        epoch = st.select_slider("Epoch", options=epochs, value=epochs[-1], key=f"gan_epoch_{path}")
        record = records[epochs.index(epoch)]
        left, right = st.columns([3, 2])
        with left:
            st.image(run_cache.grid_png(path, epoch, 3), output_format="PNG",
                     caption=f"Fixed-noise samples after epoch {epoch}")
        with right:
            gan_views.epoch_metrics_line(record, floor)
            st.markdown(gan_views.reading(records, epoch, floor, blurred, run_cache.gan_loss(path)))
            collapse_alarm.alarm_note(records, epoch)
            st.download_button("Download this grid (PNG)", run_cache.grid_png(path, epoch, 1),
                               file_name=f"epoch_{epoch:03d}.png", mime="image/png", key="gan_download_png")
            resume_button(path, records)

        # only the open tab runs (on_change="rerun"): scrubbing epochs redraws the grid and one view
        (compare_tab, curves_tab, loss_tab, anim_tab, noise_tab, interp_tab, copies_tab, variants_tab,
         slow_tab) = st.tabs(VIEWS, key="gan_view", on_change="rerun")
        if compare_tab.open:
            with compare_tab:
                gan_views.compare_view(path, records)
        if curves_tab.open:
            with curves_tab:
                gan_views.curves_view(records, epoch, floor, blurred)
        if loss_tab.open:
            with loss_tab:
                steps = run_cache.steps(path)
                gan_views.loss_view(steps, len(steps["d_loss"]) // max(1, len(records)), run_cache.gan_loss(path))
        if anim_tab.open:
            with anim_tab:
                speed = st.slider("Milliseconds per epoch", 100, 2000, 400, 100, key="gan_gif_speed")
                gif = run_cache.animation_gif(path, tuple(epochs), speed)
                st.image(gif, caption=f"Epochs {epochs[0]}-{epochs[-1]}, looping")
                st.download_button("Download the animation (GIF)", gif, file_name="epochs.gif", mime="image/gif",
                                   key="gan_download_gif")
        if noise_tab.open:
            with noise_tab:
                gan_views.new_noise_view(path, epoch)
        if interp_tab.open:
            with interp_tab:
                gan_views.interpolation_view(path, epoch)
        if copies_tab.open:
            with copies_tab:
                gan_views.copies_view(path, epoch)
        if variants_tab.open:
            with variants_tab:
                gan_compare.comparison_view(runs, floor)
        if slow_tab.open:
            with slow_tab:
                gan_slow_motion.slow_motion_view(path)
    share_panel(path, key="gan")  # download this run, or open one

st.header("Train a GAN")
st.caption("The run trains in the background: use the page meanwhile, or reload; pick it in the Run list above.")
gan_training_form()
live_panel("gan", [("D and G loss", ["d_loss", "g_loss"]), ("D(x) and D(G(z))", ["d_real", "d_fake"])],
           key="gan_job")
