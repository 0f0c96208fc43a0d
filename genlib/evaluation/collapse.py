"""The mode-collapse alarm: per-epoch variety of a GAN's samples, read from the judge's class histograms.

Each GAN epoch record holds `class_histogram`, the share of the epoch's fixed-seed samples the judge
assigns to each digit. From it, per epoch: the entropy (nats; log 10 ≈ 2.30 when all ten digits are equally
common), the rarest digit's share, and whether the epoch is flagged. An epoch is flagged when a digit falls
below a third of its fair share (1/30 of the samples) or when fewer digits are covered than at an earlier
epoch. A flagged digit either never reached that line before ("not yet learned", normal in the first
epochs) or held it at an earlier epoch and lost it ("dropped": the generator stopped drawing it, which is
what mode collapse looks like from outside).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

RARE_FRACTION = 1 / 3   # a digit is rare below this fraction of its fair share (1 / number of classes)


def entropy_nats(hist) -> float:
    """Entropy of a histogram of shares in nats: 0 for one class, log K for K equally common classes."""
    p = np.asarray(hist, dtype=np.float64)
    p = p[p > 0] / p.sum()
    return max(0.0, float(-(p * np.log(p)).sum()))  # one class: 0, not -0.0


def rarest(hist) -> tuple[int, float]:
    """The rarest class and its share (the lowest class on a tie)."""
    p = np.asarray(hist, dtype=np.float64)
    digit = int(np.argmin(p))
    return digit, float(p[digit])


def rare_line(n_classes: int) -> float:
    """The share below which a class counts as rare: a third of its fair share (1/30 for ten digits)."""
    return RARE_FRACTION / n_classes


@dataclass
class Dropped:
    """A digit rare at this epoch that held at least the rare line at an earlier epoch."""
    digit: int
    share: float        # its share now
    peak_share: float   # its largest share at an earlier epoch
    peak_epoch: int
    back_epoch: int | None  # the first later epoch where it is back above the line, if the run has one


@dataclass
class EpochAlarm:
    epoch: int
    histogram: list[float]
    entropy: float                 # nats
    rarest_digit: int
    rarest_share: float
    covered: int                   # classes holding at least the coverage share (the record's classes_covered)
    best_covered: int              # the most classes covered at any earlier epoch (0 at the first)
    best_covered_epoch: int | None
    not_yet: list[tuple[int, float]]   # (digit, share): rare now and never above the line before
    dropped: list[Dropped]

    @property
    def coverage_dropped(self) -> bool:
        return self.covered < self.best_covered

    @property
    def flagged(self) -> bool:
        return bool(self.not_yet or self.dropped or self.coverage_dropped)

    @property
    def kind(self) -> str | None:
        """'dropped' (lost digits it drew before), 'not yet learned', or None when the epoch is not flagged."""
        if self.dropped or self.coverage_dropped:
            return "dropped"
        return "not yet learned" if self.not_yet else None


def alarms(records: list[dict]) -> list[EpochAlarm] | None:
    """One EpochAlarm per epoch record, in order; None when the run kept no class histograms."""
    if not records or any("class_histogram" not in r for r in records):
        return None
    hists = np.asarray([r["class_histogram"] for r in records], dtype=np.float64)
    line = rare_line(hists.shape[1])
    epochs = [r["epoch"] for r in records]
    out = []
    for i, record in enumerate(records):
        hist = hists[i]
        not_yet, dropped = [], []
        for digit in np.flatnonzero(hist < line):
            before = hists[:i, digit]
            if before.size and before.max() >= line:
                peak = int(np.argmax(before))
                later = np.flatnonzero(hists[i + 1:, digit] >= line)
                dropped.append(Dropped(int(digit), float(hist[digit]), float(before[peak]), epochs[peak],
                                       epochs[i + 1 + later[0]] if later.size else None))
            else:
                not_yet.append((int(digit), float(hist[digit])))
        earlier = [r["classes_covered"] for r in records[:i]]
        best = max(earlier, default=0)
        digit, share = rarest(hist)
        out.append(EpochAlarm(record["epoch"], hist.tolist(), entropy_nats(hist), digit, share,
                              record["classes_covered"], best, epochs[earlier.index(best)] if earlier else None,
                              not_yet, dropped))
    return out
