"""The figures' words: readable legend names, the right axis titles, nothing hidden or overlapping."""
import numpy as np

from labui import plots


def test_live_d_outputs_are_probabilities_with_readable_names():
    fig = plots.loss_chart({"d_real": np.full(50, 0.7), "d_fake": np.full(50, 0.3)}, "D(x) and D(G(z))")
    assert fig.layout.yaxis.title.text == "probability 'real'"
    assert [t.name for t in fig.data] == ["D(x) on real digits", "D(G(z)) on generated digits"]


def test_live_losses_keep_a_loss_axis_and_name_their_series():
    fig = plots.loss_chart({"d_loss": np.ones(50), "g_loss": np.ones(50)}, "D and G loss")
    assert fig.layout.yaxis.title.text == "loss"
    assert [t.name for t in fig.data] == ["D loss", "G loss"]


def test_total_is_dashed_so_an_equal_recon_line_shows_at_beta_0():
    same = np.linspace(200, 100, 50)
    fig = plots.loss_chart({"recon": same, "kl": np.zeros(50), "total": same}, "Loss per image (nats)")
    styles = {t.name: t.line.dash for t in fig.data}
    assert styles["reconstruction"] == "solid" and styles["total (reconstruction + β · KL)"] == "dash"


def test_metric_vs_beta_has_no_legend_or_rotated_labels_to_collide_with_its_axis_title():
    betas = [0, 0.001, 0.01, 0.1, 0.25, 0.5, 1, 2, 4, 8]
    fig = plots.metric_vs_beta(betas, list(range(10)), "Prior-sample FID", 1, 5.0, "real-vs-real floor")
    assert fig.layout.showlegend is False and fig.layout.xaxis.tickangle == 0
    assert not fig.layout.yaxis.title.text  # the plot's title names the metric
    assert list(fig.layout.xaxis.ticktext) == ["0", "0.001", "0.01", "0.1", "0.25", "0.5", "1", "2", "4", "8"]


def test_live_losses_mark_each_epoch_boundary_once():
    fig = plots.loss_chart({"d_loss": np.ones(35)}, "D and G loss", steps_per_epoch=10)
    assert [(s.x0, s.x1, s.yref) for s in fig.layout.shapes] == [(10, 10, "paper"), (20, 20, "paper"),
                                                                  (30, 30, "paper")]


def test_the_latent_scatter_shows_every_code_on_equal_axes_with_the_prior_circles():
    from labui import vega

    points = np.array([[-12.0, 0.5], [3.0, 4.0], [0.0, -1.0]])
    spec = vega.latent_codes(points, np.array([0, 7, 7]), "codes", ("PC1", "PC2"))
    codes, circles = spec["layer"]
    assert [(c["x"], c["y"], c["digit"]) for c in codes["data"]["values"]] == [(-12.0, 0.5, "0"), (3.0, 4.0, "7"),
                                                                              (0.0, -1.0, "7")]
    x, y = codes["encoding"]["x"], codes["encoding"]["y"]
    assert x["scale"]["domain"] == y["scale"]["domain"]
    assert np.allclose(x["scale"]["domain"], [-12.6, 12.6])  # every point with a 5 % margin, on both axes
    assert spec["width"] == spec["height"] and (x["title"], y["title"]) == ("PC1", "PC2")
    colours = codes["encoding"]["color"]["scale"]
    assert colours["domain"][7] == "7" and colours["range"][7] == plots.DIGIT_COLOURS[7]  # as on the other plots
    radii = {c["circle"]: round(np.hypot(c["x"], c["y"]), 6) for c in circles["data"]["values"]}
    assert radii == {"1σ": 1.0, "2σ": 2.0}
