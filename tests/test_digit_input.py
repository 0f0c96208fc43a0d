"""A user's digit made MNIST-style: content of the 28×28 result (where the ink lands, how big, which way round)."""
import io

import numpy as np
import pytest
import torch
from PIL import Image

from genlib import digit_input
from genlib.data import load_digits
from genlib.errors import DataError
from genlib.evaluation.judge import judge_images


def canvas(strokes, size=280, background=(0, 0, 0, 255), ink=(255, 255, 255, 255)) -> np.ndarray:
    """An RGBA canvas with filled rectangles (top, left, bottom, right) as the strokes."""
    image = np.zeros((size, size, 4), dtype=np.uint8)
    image[:] = background
    for top, left, bottom, right in strokes:
        image[top:bottom, left:right] = ink
    return image


# an "L" drawn small in the top-left corner: its mass sits low-left of its box, so centring the box would miss
L_STROKES = [(10, 10, 130, 30), (110, 10, 130, 80)]


def ink_box(digit: np.ndarray) -> tuple[int, int]:
    rows, cols = np.flatnonzero(digit.any(1)), np.flatnonzero(digit.any(0))
    return rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1


def test_an_off_centre_stroke_lands_centred_with_its_larger_side_20_pixels():
    digit = digit_input.digit_from_image(canvas(L_STROKES))
    assert digit.shape == (28, 28) and digit.dtype == np.float32
    height, width = ink_box(digit)
    assert height == 20                       # the larger side (120 px tall on the canvas)
    assert width == round(70 * 20 / 120)      # aspect kept: 70 px wide → 12
    row, col = digit_input.centre_of_mass(digit)
    assert abs(row - 14) <= 0.5 and abs(col - 14) <= 0.5
    # the mass is not at the box's centre, so the box itself is off-centre (as MNIST's are)
    rows = np.flatnonzero(digit.any(1))
    assert (rows[0] + rows[-1]) / 2 < 13.5 - 0.5
    assert digit.max() == pytest.approx(1.0) and digit.min() == 0.0


def test_pen_on_paper_and_a_transparent_canvas_give_the_same_digit():
    drawn = digit_input.digit_from_image(canvas(L_STROKES))
    paper = canvas(L_STROKES, background=(230, 225, 220, 255), ink=(30, 30, 40, 255))[..., :3]  # a photo: RGB
    transparent = canvas(L_STROKES, background=(0, 0, 0, 0), ink=(0, 0, 0, 255))  # black ink, see-through paper
    np.testing.assert_allclose(digit_input.digit_from_image(paper), drawn, atol=0.02)
    np.testing.assert_allclose(digit_input.digit_from_image(transparent), drawn, atol=0.02)


@pytest.mark.parametrize("image", [
    canvas([]),                                                    # a cleared canvas
    canvas([], background=(0, 0, 0, 0)),                           # a canvas before any stroke
    np.full((100, 80, 3), 128, dtype=np.uint8),                    # a grey photo of nothing
    np.random.default_rng(0).integers(120, 135, (64, 64), dtype=np.uint8),  # sensor noise only
])
def test_an_image_without_ink_is_no_digit(image):
    assert digit_input.digit_from_image(image) is None


def test_mnist_digits_drawn_large_come_back_as_themselves():
    """Upscale test digits 10× (as if drawn on a 280-pixel canvas): the recipe returns nearly the original."""
    test = load_digits("mnist", "test")
    originals = test.as_float()[:50, 0].numpy()
    back = np.stack([digit_input.digit_from_image(np.kron((o * 255).astype(np.uint8), np.ones((10, 10), np.uint8)))
                     for o in originals])
    correlation = [np.corrcoef(a.ravel(), b.ravel())[0, 1] for a, b in zip(originals, back)]
    assert np.median(correlation) > 0.9
    predicted = judge_images(torch.tensor(back)[:, None])[1]
    assert (predicted.argmax(1) == test.labels[:50].numpy()).mean() >= 0.96


def png(array: np.ndarray, fmt: str = "PNG") -> bytes:
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, format=fmt)
    return buf.getvalue()


def test_an_uploaded_png_or_jpeg_is_read():
    image = canvas(L_STROKES)[..., :3]
    for fmt in ("PNG", "JPEG"):
        digit = digit_input.digit_from_image(digit_input.read_image(png(image, fmt)))
        assert ink_box(digit)[0] == 20


@pytest.mark.parametrize("data, says", [
    (b"not an image at all", "could not be read as a PNG or JPEG"),
    (png(np.zeros((8, 8), np.uint8), "GIF"), "GIF file"),
    (png(np.zeros((8, 8), np.uint8))[:30], "could not be read"),   # a truncated PNG
])
def test_a_bad_upload_is_a_clear_message(data, says):
    with pytest.raises(DataError, match=says):
        digit_input.read_image(data)
