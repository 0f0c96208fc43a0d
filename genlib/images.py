"""Images in and out: sample grids as uint8 arrays, PNG and GIF bytes."""
from __future__ import annotations

import io

import numpy as np
import torch
from PIL import Image


def grid(images: torch.Tensor, nrow: int = 8, pad: int = 2) -> np.ndarray:
    """Tile images (N, 1, H, W) in [0, 1] into one uint8 array with a black border between them."""
    images = images.detach().float().clamp(0, 1).cpu()
    n, _, h, w = images.shape
    ncol = min(nrow, n)
    nrows = -(-n // ncol)
    out = np.zeros((pad + nrows * (h + pad), pad + ncol * (w + pad)), dtype=np.uint8)
    pixels = (images[:, 0].numpy() * 255).round().astype(np.uint8)
    for i in range(n):
        r, c = divmod(i, ncol)
        out[pad + r * (h + pad): pad + r * (h + pad) + h, pad + c * (w + pad): pad + c * (w + pad) + w] = pixels[i]
    return out


def to_uint8(image: torch.Tensor) -> np.ndarray:
    """One image (1, H, W) or (H, W) in [0, 1] as a uint8 array."""
    return (image.detach().float().clamp(0, 1).cpu().reshape(image.shape[-2:]).numpy() * 255).round().astype(np.uint8)


def png_bytes(array: np.ndarray, scale: int = 1) -> bytes:
    """PNG bytes of a uint8 grey image, enlarged `scale` times with nearest-neighbour (crisp pixels)."""
    img = Image.fromarray(array)
    if scale > 1:
        img = img.resize((img.width * scale, img.height * scale), Image.NEAREST)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def read_png(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("L"))


def gif_bytes(frames: list[np.ndarray], ms_per_frame: int = 400, scale: int = 2) -> bytes:
    """An endlessly looping GIF of uint8 grey frames."""
    images = [Image.fromarray(f).resize((f.shape[1] * scale, f.shape[0] * scale), Image.NEAREST) for f in frames]
    buf = io.BytesIO()
    images[0].save(buf, format="GIF", save_all=True, append_images=images[1:], duration=ms_per_frame, loop=0)
    return buf.getvalue()
