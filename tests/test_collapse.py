"""The mode-collapse alarm: its numbers on known histograms, and its verdicts on real runs' histories."""
import json
import math

import pytest

from conftest import ROOT
from genlib.evaluation import collapse
from genlib.runs.store import SHIPPED_DIR

COLLAPSED = ROOT / "tests" / "fixtures" / "gan-collapsed"


def record(epoch: int, hist: list[float]) -> dict:
    return {"epoch": epoch, "class_histogram": hist, "classes_covered": sum(p >= 0.02 for p in hist)}


def test_entropy_of_known_histograms():
    assert collapse.entropy_nats([0.1] * 10) == pytest.approx(math.log(10))
    assert str(collapse.entropy_nats([1.0] + [0.0] * 9)) == "0.0"  # printed as 0.00, never -0.00
    assert collapse.entropy_nats([0.5, 0.5] + [0.0] * 8) == pytest.approx(math.log(2))


def test_rarest_share_and_the_alarm_line():
    assert collapse.rarest([0.2, 0.05, 0.3, 0.01, 0.44]) == (3, 0.01)
    assert collapse.rarest([0.1] * 10) == (0, 0.1)  # a tie names the lowest digit
    assert collapse.rare_line(10) == pytest.approx(1 / 30)


def test_not_yet_learned_differs_from_dropped():
    balanced = [0.1] * 10
    late_zero = [0.0] + [1 / 9] * 9        # digit 0 never drawn yet
    lost_nine = [1 / 9] * 9 + [0.0]        # digit 9 drawn before, now gone
    alarms = collapse.alarms([record(1, late_zero), record(2, balanced), record(3, lost_nine), record(4, balanced)])
    assert [a.kind for a in alarms] == ["not yet learned", None, "dropped", None]
    assert alarms[0].not_yet == [(0, 0.0)] and not alarms[0].dropped
    lost = alarms[2].dropped[0]
    assert (lost.digit, lost.share, lost.peak_epoch, lost.back_epoch) == (9, 0.0, 1, 4)  # its best: 1/9 at epoch 1
    assert lost.peak_share == pytest.approx(1 / 9)
    assert alarms[2].coverage_dropped and alarms[2].best_covered == 10 and alarms[2].best_covered_epoch == 2


def test_a_digit_just_above_the_line_is_not_flagged():
    hist = [0.034] + [(1 - 0.034) / 9] * 9
    (alarm,) = collapse.alarms([record(1, hist)])
    assert alarm.kind is None and alarm.rarest_share == pytest.approx(0.034)


def test_runs_without_histograms_have_no_alarm():
    assert collapse.alarms([{"epoch": 1, "d_loss": 1.0}]) is None


def test_alarm_fires_on_the_really_collapsed_run():
    """A real run (tests/fixtures/gan-collapsed/README.md has its command) whose generator draws a few digits
    and hops between them: every epoch after its widest coverage is flagged 'dropped', and at the last epoch
    digits it drew before are missing with no later epoch to bring them back."""
    records = json.loads((COLLAPSED / "history.json").read_text())["epochs"]
    alarms = collapse.alarms(records)
    widest = max(alarms, key=lambda a: a.covered)
    later = [a for a in alarms if a.epoch > widest.epoch]
    assert len(later) >= 5 and all(a.kind == "dropped" for a in later)
    assert all(a.entropy < 1.5 for a in later)  # under 4.5 equally common digits' worth of variety
    last = alarms[-1]
    assert last.coverage_dropped and last.covered <= 5 and any(d.back_epoch is None for d in last.dropped)
    assert records[-1]["confident_rate"] > 0.3  # the judge recognises its samples: collapse, not noise


def test_alarm_stays_quiet_on_the_shipped_runs_later_epochs():
    """The shipped healthy run may be flagged while it learns; the later half of its epochs is not flagged."""
    records = json.loads((SHIPPED_DIR / "gan-small" / "history.json").read_text())["epochs"]
    alarms = collapse.alarms(records)
    later = alarms[len(alarms) // 2:]
    assert [a.epoch for a in later if a.flagged] == []
    assert all(a.rarest_share >= collapse.rare_line(10) and a.entropy > 2.2 for a in later)
    assert alarms[0].kind == "not yet learned"  # epoch 1 has not learned every digit yet: said, not hidden


def test_the_note_words_each_kind_with_its_numbers():
    from labui.collapse_alarm import explanation

    records = [record(1, [0.0] + [1 / 9] * 9), record(2, [0.1] * 10), record(3, [1 / 9] * 9 + [0.0]),
               record(4, [0.1] * 10), record(5, [0.2] * 5 + [0.0] * 5)]
    alarms = collapse.alarms(records)
    assert explanation(alarms, 1).startswith("**Not yet learned, epoch 1:** digits 0 (0.0%)")
    assert explanation(alarms, 2).startswith("**No collapse alarm at epoch 2:**")
    assert "entropy is 2.30 nats" in explanation(alarms, 2) and "10.0 equally common digits" in explanation(alarms, 2)
    hopped = explanation(alarms, 3)
    assert "fell below the line and came back later" in hopped and "back above the line at epoch 4" in hopped
    lost = explanation(alarms, 5)
    assert "digits it drew before are gone" in lost and "5 of 10 digits reach 2% of the samples, down from 10" in lost
    assert "digit 9: 11.1% at epoch 1, 0.0% now." in lost and "This is the run's last epoch" in lost
    assert "as varied as 5.0 equally common digits" in lost
