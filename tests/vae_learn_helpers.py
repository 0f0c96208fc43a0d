"""Shared by the AppTest and browser tests of the hands-on VAE views."""
import functools

import numpy as np


@functools.lru_cache(maxsize=1)
def z2_hole() -> tuple[float, float]:
    """A point well inside the shipped β = 0, latent-2 codes' spread that lies far from every drawn code.

    Found from the codes themselves (the 2,000 the page draws), not hand-picked, and checked to be a hole by the
    page's own rule: at least 5 typical code spacings from the nearest code."""
    from genlib.data import load_digits
    from genlib.evaluation.evaluate import encode_all
    from genlib.evaluation.probe import nearest_code_distance, typical_code_spacing
    from genlib.loading import load_vae
    from genlib.runs.store import SHIPPED_DIR

    vae = load_vae(SHIPPED_DIR / "vae-z2" / "beta-0")
    codes = encode_all(vae, load_digits("mnist", "test").as_float())[0][:2000]
    spread = np.percentile(np.abs(codes), 60, axis=0)
    xs, ys = np.meshgrid(np.linspace(-spread[0], spread[0], 25), np.linspace(-spread[1], spread[1], 25))
    candidates = np.stack([xs.ravel(), ys.ravel()], 1)
    far = np.array([nearest_code_distance(c, codes) for c in candidates])
    assert far.max() > 5 * typical_code_spacing(codes)
    best = candidates[int(far.argmax())]
    return round(float(best[0]), 2), round(float(best[1]), 2)
