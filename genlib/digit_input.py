"""A user's digit (drawn on a canvas or uploaded as a photo) made into a 28×28 image the way MNIST's were made.

MNIST's recipe (LeCun et al.): white ink on black, the digit's bounding box scaled so its larger side is
20 pixels (keeping the aspect ratio, with anti-aliasing), then placed in a 28×28 field so that its centre of
mass sits at the field's centre. Measured on the 60,000 training digits: the mean centre of mass is at
(row 14.0, column 14.0) and the median larger side of the ink's box is 20 pixels.
"""
from __future__ import annotations

import io

import numpy as np
from PIL import Image, UnidentifiedImageError

from .errors import DataError

FIELD = 28          # MNIST images are 28×28
BOX = 20            # the digit's larger side after scaling
CENTRE = 14.0       # where MNIST digits' centre of mass sits (row and column index)
INK_FLOOR = 0.15    # ink fainter than this (paper grain, JPEG noise) is background
MIN_CONTRAST = 0.1  # an image whose ink is never this much brighter than its paper is empty
MAX_UPLOAD_PIXELS = 4000 * 4000


def read_image(data: bytes) -> np.ndarray:
    """Decode PNG or JPEG bytes into an (H, W) or (H, W, C) uint8 array; anything else is a DataError."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.format not in ("PNG", "JPEG"):
                raise DataError(f"this is a {img.format} file: upload a PNG or JPEG image of one digit.")
            if img.width * img.height > MAX_UPLOAD_PIXELS:
                raise DataError(f"the image is {img.width}×{img.height} pixels: upload one under "
                                f"{MAX_UPLOAD_PIXELS // 10**6} megapixels (a digit needs far fewer).")
            return np.asarray(img.convert("RGBA" if "A" in img.getbands() else "RGB"))
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, ValueError) as err:
        raise DataError(f"this file could not be read as a PNG or JPEG image ({type(err).__name__}).") from err


def ink(image: np.ndarray) -> np.ndarray:
    """Ink in [0, 1] (1 = full ink), white-on-black, from a grey, RGB or RGBA uint8 image.

    A transparent image's ink is what was painted (its alpha). An opaque one's is its brightness, inverted
    when the paper is light (a pen on paper); the paper's own level is subtracted and the rest stretched, so
    a grey photo of a digit gets the same contrast as a clean drawing.
    """
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[2] == 4 and image[..., 3].min() < 255:
        return image[..., 3].astype(np.float32) / 255
    grey = image.astype(np.float32) / 255
    if grey.ndim == 3:
        grey = grey[..., :3] @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    paper = float(np.median(border))
    if paper > 0.5:
        grey, paper = 1 - grey, 1 - paper
    top = float(grey.max())
    if top - paper < MIN_CONTRAST:
        return np.zeros_like(grey)
    return np.clip((grey - paper) / (top - paper), 0, 1)


def mnist_style(ink_image: np.ndarray) -> np.ndarray | None:
    """A 28×28 float32 image in [0, 1] made from ink (H, W) as MNIST was made; None when there is no ink.

    The box is placed by whole pixels (as the centre-of-mass shift of the original), and kept inside the
    field: a digit whose mass sits at one end of its box lands as near the centre as the field allows.
    """
    ink_image = np.where(ink_image >= INK_FLOOR, ink_image, 0).astype(np.float32)
    rows, cols = np.flatnonzero(ink_image.any(1)), np.flatnonzero(ink_image.any(0))
    if len(rows) == 0:
        return None
    crop = ink_image[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    h, w = crop.shape
    scale = BOX / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))  # PIL wants (width, height)
    small = np.asarray(Image.fromarray(crop).resize(size, Image.BILINEAR), dtype=np.float32)
    small = np.clip(small, 0, None)
    small /= max(float(small.max()), 1e-6)
    com_row, com_col = centre_of_mass(small)
    top = int(np.clip(round(CENTRE - com_row), 0, FIELD - small.shape[0]))
    left = int(np.clip(round(CENTRE - com_col), 0, FIELD - small.shape[1]))
    field = np.zeros((FIELD, FIELD), dtype=np.float32)
    field[top:top + small.shape[0], left:left + small.shape[1]] = small
    return field


def centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    """(row, column) of the image's intensity-weighted mean pixel."""
    total = float(image.sum())
    rows, cols = np.indices(image.shape)
    return float((rows * image).sum() / total), float((cols * image).sum() / total)


def digit_from_image(image: np.ndarray) -> np.ndarray | None:
    """A canvas's RGBA array or a decoded upload, as a 28×28 MNIST-style digit (None when nothing is drawn)."""
    return mnist_style(ink(image))
