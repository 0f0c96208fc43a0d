"""Datasets held in memory as one uint8 tensor (N, 28, 28) plus int64 labels.

MNIST ships with the project (data/mnist) and is checked byte for byte before use.
Fashion-MNIST comes through torchvision and needs a network the first time.
"""
from __future__ import annotations

import functools
import gzip
import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .errors import DataError

MNIST_DIR = Path(__file__).resolve().parent.parent / "data" / "mnist"
DOWNLOAD_DIR = Path(__file__).resolve().parent.parent / "data" / "downloads"

# MD5 of each decompressed file: the canonical MNIST values.
MNIST_FILES = {
    ("train", "images"): ("train-images-idx3-ubyte.gz", "6bbc9ace898e44ae57da46a324031adb"),
    ("train", "labels"): ("train-labels-idx1-ubyte.gz", "a25bea736e30d166cdddb491f175f624"),
    ("test", "images"): ("t10k-images-idx3-ubyte.gz", "2646ac647ad5339dbf082846283269ea"),
    ("test", "labels"): ("t10k-labels-idx1-ubyte.gz", "27ae3e4e09519cfbb04c329615203637"),
}
SPLITS = ("train", "test")


@dataclass(frozen=True)
class Digits:
    """A split of a dataset: images (N, 28, 28) uint8 and labels (N,) int64, on the CPU."""

    images: torch.Tensor
    labels: torch.Tensor

    def __len__(self) -> int:
        return len(self.labels)

    def as_float(self, device="cpu") -> torch.Tensor:
        """Images as float32 (N, 1, 28, 28) in [0, 1] on `device`."""
        return self.images.to(device).unsqueeze(1).float().div_(255)


def read_idx(path: Path, expected_md5: str | None) -> np.ndarray:
    """Decompress an IDX file, check its MD5 and return its array (uint8)."""
    if not path.is_file():
        raise DataError(f"Dataset file {path} is missing; restore it from a clean clone of the project.")
    try:
        raw = gzip.decompress(path.read_bytes())
    except (OSError, EOFError) as err:
        raise DataError(f"Dataset file {path} is corrupt ({err}); restore it from a clean clone.") from err
    if expected_md5 is not None and hashlib.md5(raw).hexdigest() != expected_md5:
        raise DataError(f"Dataset file {path} is corrupt (MD5 mismatch); restore it from a clean clone.")
    magic = int.from_bytes(raw[0:4], "big")
    ndim = magic & 0xFF
    if magic >> 8 != 0x08 or ndim not in (1, 3):
        raise DataError(f"Dataset file {path} is not an IDX file of unsigned bytes.")
    shape = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)  # after the magic number and the sizes
    if data.size != int(np.prod(shape)):
        raise DataError(f"Dataset file {path} is truncated: expected {int(np.prod(shape))} bytes of data.")
    return data.reshape(shape)


@functools.lru_cache(maxsize=4)
def _mnist_split(root: str, split: str) -> Digits:
    files = {part: MNIST_FILES[(split, part)] for part in ("images", "labels")}
    images = read_idx(Path(root) / files["images"][0], files["images"][1])
    labels = read_idx(Path(root) / files["labels"][0], files["labels"][1])
    return Digits(torch.from_numpy(images.copy()), torch.from_numpy(labels.astype(np.int64)))


def load_mnist(split: str = "train", root: Path | str | None = None) -> Digits:
    return _mnist_split(str(root or MNIST_DIR), split)


def load_fashion_mnist(split: str = "train", root: Path | str | None = None) -> Digits:
    """Fashion-MNIST through torchvision; downloads once, so the first use needs a network."""
    from torchvision.datasets import FashionMNIST  # imported late: only this dataset needs it

    try:
        ds = FashionMNIST(str(root or DOWNLOAD_DIR), train=(split == "train"), download=True)
    except Exception as err:  # torchvision raises URLError, RuntimeError, OSError... when offline
        raise DataError(
            "Fashion-MNIST must be downloaded once and no network is reachable: use MNIST, "
            "or connect to the internet and try again."
        ) from err
    return Digits(ds.data.clone(), ds.targets.clone().long())


DATASETS = {"mnist": load_mnist, "fashion-mnist": load_fashion_mnist}


def load_digits(dataset: str = "mnist", split: str = "train", train_limit: int | None = None) -> Digits:
    """One split of a dataset; `train_limit` keeps the first N images of the training split."""
    if dataset not in DATASETS:
        raise DataError(f"Unknown dataset {dataset!r}; choose one of {', '.join(DATASETS)}.")
    if split not in SPLITS:
        raise DataError(f"Unknown split {split!r}; choose 'train' or 'test'.")
    digits = DATASETS[dataset](split)
    if split == "train" and train_limit is not None:
        if train_limit < 1:
            raise DataError(f"train_limit must be at least 1, got {train_limit}.")
        digits = Digits(digits.images[:train_limit], digits.labels[:train_limit])
    return digits


def shuffled_batches(n: int, batch_size: int, generator: torch.Generator, drop_last: bool = False):
    """Index tensors for one epoch in a random order (the data itself stays resident)."""
    order = torch.randperm(n, generator=generator)
    stop = n - n % batch_size if drop_last else n
    for start in range(0, stop, batch_size):
        yield order[start:start + batch_size]
