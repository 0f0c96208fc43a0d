import gzip
import shutil

import pytest
import torch

from genlib import data
from genlib.errors import DataError


def test_mnist_splits_are_resident_uint8_tensors():
    train, test = data.load_digits("mnist", "train"), data.load_digits("mnist", "test")
    assert train.images.shape == (60000, 28, 28) and train.images.dtype == torch.uint8
    assert test.images.shape == (10000, 28, 28) and test.labels.dtype == torch.int64
    assert set(train.labels.unique().tolist()) == set(range(10))
    x = test.as_float()
    assert x.shape == (10000, 1, 28, 28) and 0 <= x.min() and x.max() == 1


def test_train_limit_keeps_the_first_images():
    full = data.load_digits("mnist", "train")
    part = data.load_digits("mnist", "train", train_limit=100)
    assert len(part) == 100 and torch.equal(part.images, full.images[:100])


@pytest.fixture
def mnist_copy(tmp_path):
    for name, _ in data.MNIST_FILES.values():
        shutil.copy(data.MNIST_DIR / name, tmp_path / name)
    return tmp_path


def test_integrity_check_catches_a_flipped_byte(mnist_copy):
    path = mnist_copy / "t10k-labels-idx1-ubyte.gz"
    raw = bytearray(gzip.decompress(path.read_bytes()))
    raw[100] ^= 0x01
    path.write_bytes(gzip.compress(bytes(raw)))
    with pytest.raises(DataError, match="t10k-labels-idx1-ubyte.gz is corrupt"):
        data.load_mnist("test", root=mnist_copy)


def test_missing_file_is_named(mnist_copy):
    (mnist_copy / "train-images-idx3-ubyte.gz").unlink()
    with pytest.raises(DataError, match="train-images-idx3-ubyte.gz is missing"):
        data.load_mnist("train", root=mnist_copy)


def test_fashion_mnist_offline_fails_with_one_sentence(monkeypatch, tmp_path):
    import torchvision.datasets

    class Offline:
        def __init__(self, *args, **kwargs):
            raise OSError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(torchvision.datasets, "FashionMNIST", Offline)
    with pytest.raises(DataError) as err:
        data.load_fashion_mnist("train", root=tmp_path)
    assert "no network is reachable" in str(err.value) and "\n" not in str(err.value)


def test_unknown_dataset_is_named():
    with pytest.raises(DataError, match="'cifar'"):
        data.load_digits("cifar")
