"""The mode-collapse alarm on the GAN page: its note beside the grid and its marks on the epoch curves.

The numbers come from genlib.evaluation.collapse; this module only words them and picks how loud to be.
"""
from __future__ import annotations

import math

import streamlit as st

from genlib.evaluation import collapse
from genlib.evaluation.metrics import COVERAGE_SHARE
from genlib.evaluation.collapse import EpochAlarm
from labui.claims import share_text

MAX_ENTROPY = math.log(10)
WHAT_COLLAPSE_IS = (
    "Mode collapse is a generator that stops drawing some of the digits it could draw: it maps more and more "
    "of its noise onto the few digits that fool the discriminator right now. Each sample can still look fine "
    "and the losses do not show it; what goes is the variety, and the judge's class histogram measures that.")


def variety(alarm: EpochAlarm) -> str:
    return (f"The class histogram's entropy is {alarm.entropy:.2f} nats of at most log 10 ≈ {MAX_ENTROPY:.2f} "
            f"(all ten digits equally common): as varied as {math.exp(alarm.entropy):.1f} equally common digits.")


def coverage(alarm: EpochAlarm) -> str:
    text = f"{alarm.covered} of 10 digits reach {COVERAGE_SHARE:.0%} of the samples"
    if alarm.coverage_dropped:
        text += f", down from {alarm.best_covered} at epoch {alarm.best_covered_epoch}"
    return text + "."


def _fate(d: collapse.Dropped, epoch: int, last_epoch: int) -> str:
    """Whether a dropped digit comes back later (nothing to say at the run's last epoch)."""
    if d.back_epoch is not None:
        return f" (back above the line at epoch {d.back_epoch})"
    return "" if epoch == last_epoch else f" (not back by epoch {last_epoch}, the last)"


def all_come_back(alarm: EpochAlarm) -> bool:
    """Whether every digit this epoch dropped is back above the line at a later epoch of the run."""
    return bool(alarm.dropped) and all(d.back_epoch is not None for d in alarm.dropped)


def _dropped(alarm: EpochAlarm, last_epoch: int, line: float) -> str:
    lost = "; ".join(f"digit {d.digit}: {share_text(d.peak_share)} at epoch {d.peak_epoch}, {share_text(d.share)} now"
                     f"{_fate(d, alarm.epoch, last_epoch)}" for d in alarm.dropped)
    headline = ("digits it drew before fell below the line and came back later" if all_come_back(alarm)
                else "digits it drew before are gone")
    lines = [f"**Mode-collapse alarm, epoch {alarm.epoch}: {headline}.** "
             + (f"Below the alarm line of {share_text(line)} (a third of the fair 10%) after having been above it: "
                f"{lost}. " if alarm.dropped else "") + coverage(alarm),
             WHAT_COLLAPSE_IS, variety(alarm)]
    if alarm.not_yet:
        lines.append("Never above the line yet (not learned rather than dropped): digits "
                     + ", ".join(f"{digit} ({share_text(share)})" for digit, share in alarm.not_yet) + ".")
    if all_come_back(alarm):
        lines.append("Every dropped digit comes back later in this run: the generator hopped between digits and "
                     "returned (common in early epochs) rather than collapsing for good.")
    elif alarm.dropped and alarm.epoch == last_epoch:
        lines.append("This is the run's last epoch: train on to see whether the dropped digits come back.")
    elif alarm.dropped:
        lines.append(f"Not every dropped digit is back by epoch {last_epoch}, the last: the variety stays lost.")
    return "\n\n".join(lines)


def _not_yet(alarm: EpochAlarm, line: float) -> str:
    rare = ", ".join(f"{digit} ({share_text(share)})" for digit, share in alarm.not_yet)
    return "\n\n".join([
        f"**Not yet learned, epoch {alarm.epoch}:** digits {rare} are below the alarm line of {share_text(line)} "
        "(a third of the fair 10%) and have not been above it at any earlier epoch. " + coverage(alarm),
        "The generator has not learned to draw them yet; that is not mode collapse, which is losing digits it "
        "drew before (the alarm says so when it happens).", variety(alarm)])


def _quiet(alarm: EpochAlarm, line: float) -> str:
    return (f"**No collapse alarm at epoch {alarm.epoch}:** every digit takes at least {share_text(line)} of the samples "
            f"(a third of the fair 10%); the rarest, {alarm.rarest_digit}, takes {share_text(alarm.rarest_share)}. "
            + coverage(alarm) + " " + variety(alarm))


def explanation(alarms: list[EpochAlarm], epoch: int) -> str:
    """The note beside the grid for one epoch, from the alarms of the whole run."""
    alarm = alarms[[a.epoch for a in alarms].index(epoch)]
    line = collapse.rare_line(len(alarm.histogram))
    if alarm.kind == "dropped":
        return _dropped(alarm, alarms[-1].epoch, line)
    return _not_yet(alarm, line) if alarm.kind == "not yet learned" else _quiet(alarm, line)


# how loud the note is: an error for digits lost for good, a warning for digits that come back (mode
# hopping), information for digits not yet learned, a success when nothing is flagged
BOXES = {"lost": (st.error, ":material/warning:"), "hopped": (st.warning, ":material/sync:"),
         "not yet learned": (st.info, ":material/school:"), None: (st.success, ":material/check_circle:")}


def alarm_note(records: list[dict], epoch: int) -> None:
    """Beside the grid: the alarm's reading of this epoch (nothing for runs without class histograms)."""
    alarms = collapse.alarms(records)
    if alarms is None:
        return
    alarm = alarms[[a.epoch for a in alarms].index(epoch)]
    loudness = ("hopped" if all_come_back(alarm) else "lost") if alarm.kind == "dropped" else alarm.kind
    box, icon = BOXES[loudness]
    box(explanation(alarms, epoch), icon=icon)


def flagged_epochs(alarms: list[EpochAlarm] | None) -> dict[str, list[int]]:
    """The marks every epoch curve carries: flagged epochs by alarm kind."""
    marks: dict[str, list[int]] = {}
    for alarm in alarms or []:
        if alarm.kind is not None:
            marks.setdefault(alarm.kind, []).append(alarm.epoch)
    return marks
