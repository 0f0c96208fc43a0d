"""The project's judge: a small MNIST CNN whose penultimate layer gives the features for FID."""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import torch
from torch import nn

FEATURE_DIM = 128


@dataclass
class ClassifierConfig:
    """The judge has one fixed architecture: nothing to set (the run store still records this empty config)."""

    def validate(self) -> None:
        pass


class JudgeOutput(NamedTuple):
    features: torch.Tensor  # penultimate activations (N, 128)
    logits: torch.Tensor    # class logits (N, 10)


class Classifier(nn.Module):
    def __init__(self, cfg: ClassifierConfig | None = None):
        super().__init__()
        # pooling before ReLU: the two commute exactly, and ReLU then touches a quarter of the values (the judge
        # scores every epoch of every run); the layers keep their indices, so saved weights load unchanged
        self.body = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.MaxPool2d(2), nn.ReLU(),   # 14x14
            nn.Conv2d(32, 64, 3, padding=1), nn.MaxPool2d(2), nn.ReLU(),  # 7x7
            nn.Flatten(), nn.Linear(64 * 7 * 7, FEATURE_DIM), nn.ReLU(),
        )
        self.dropout = nn.Dropout(0.3)
        self.head = nn.Linear(FEATURE_DIM, 10)

    def forward(self, x: torch.Tensor) -> JudgeOutput:
        """x: images (N, 1, 28, 28) in [0, 1]."""
        features = self.body(x)
        return JudgeOutput(features, self.head(self.dropout(features)))
