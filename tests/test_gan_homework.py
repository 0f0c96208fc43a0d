"""The homework's comparison (epoch 10 against the last): each sentence follows the numbers it stands beside."""
import numpy as np

from labui.gan_homework import change_sentence, compared_epochs, epoch_losses, pace_sentence


def record(epoch, fid, classes, confident):
    return {"epoch": epoch, "fid": fid, "classes_covered": classes, "confident_rate": confident}


def test_the_comparison_needs_an_epoch_after_the_tenth():
    assert compared_epochs(list(range(1, 10))) is None
    assert compared_epochs(list(range(1, 11))) is None
    assert compared_epochs(list(range(1, 51))) == (10, 50)
    assert compared_epochs(list(range(1, 24))) == (10, 23)


def test_a_later_epoch_better_on_every_measure_is_called_better():
    text = change_sentence(record(10, 40.0, 9, 0.70), record(50, 12.0, 10, 0.86))
    assert text.startswith("**Epoch 50 is better than epoch 10:**")
    assert "FID fell from 40 to 12 (to 30% of epoch 10's" in text
    assert "from 9 to 10 of 10" in text and "86% of samples, against 70%" in text
    assert "fewer" not in text and "worse" not in text


def test_a_later_epoch_that_got_worse_is_said_to_be_worse():
    text = change_sentence(record(10, 12.0, 10, 0.86), record(50, 30.0, 8, 0.60))
    assert text.startswith("**Epoch 50 is worse than epoch 10 on these measures:**")
    assert "FID **rose** from 12 to 30 (2.50×" in text
    assert "from 10 to 8 of 10 (**fewer**)" in text and "60% of samples, against 86% (**fewer**)" in text


def test_mixed_changes_name_both_directions():
    text = change_sentence(record(10, 20.0, 10, 0.80), record(30, 15.0, 9, 0.80))
    assert text.startswith("**Epoch 30 is better than epoch 10 on some measures and worse on others:**")
    assert "FID fell from 20 to 15" in text and "from 10 to 9 of 10 (**fewer**)" in text
    assert "80% of samples at both" in text


def test_changes_within_the_noise_are_told_as_little_change():
    text = change_sentence(record(10, 20.0, 10, 0.801), record(50, 20.6, 10, 0.799))
    assert text.startswith("**By these measures, 40 more epochs changed little:**")
    assert "FID stayed about the same (20 → 21, within 5%)" in text and "both cover 10 of 10" in text


def test_a_run_without_metrics_compares_pictures_and_losses_only():
    text = change_sentence({"epoch": 10}, {"epoch": 12})
    assert "without per-epoch metrics" in text and "epoch 10 with epoch 12" in text


def test_each_epochs_losses_come_from_its_own_iterations():
    steps = {"d_loss": np.repeat([1.0, 2.0, 3.0], 100), "g_loss": np.tile(np.arange(100.0), 3)}
    losses = epoch_losses(steps, 3, 2)
    assert losses["d_loss"] == (2.0, 2.0, 2.0)
    mean, low, high = losses["g_loss"]
    assert mean == 49.5 and low < 11 and high > 88


def test_the_pace_says_where_the_run_trained_beside_the_homeworks_gpu():
    records = [{"seconds": s} for s in (180.0, 200.0, 190.0)]
    text = pace_sentence({"cpu": "AMD EPYC", "device": "cpu (2 threads)"}, records)
    assert "**AMD EPYC, cpu (2 threads)**: 190 s per epoch (median of 3), 10 min in all" in text
    assert '"Avg one epoch time: 19.02" s on a GPU' in text
    older = pace_sentence({"device": "cuda (NVIDIA H100)"}, [{"seconds": 190.0}] * 50)
    assert "**cuda (NVIDIA H100)**: 190 s per epoch (median of 50), 2.6 h in all" in older
