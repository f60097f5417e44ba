"""The patch's PNG deflated by zlib-ng (when installed) holds the pixels zlib's would: the
bands are raw deflate either way, joined into one zlib stream that zlib itself checks."""

from __future__ import annotations

import io
import zlib

import numpy as np
from PIL import Image


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))


def test_bands_deflated_by_zlib_ng_or_zlib_give_the_same_pixels(monkeypatch):
    import helpers.widgets.explorer as module

    rng = np.random.default_rng(8)
    pixels = np.full((90, 60, 4), 255, dtype=np.uint8)
    pixels[5:70, 10:50, :3] = rng.integers(0, 255, (65, 40, 3))
    moved = pixels.copy()
    moved[:, 31] = (10, 20, 30, 255)  # a vertical line: every band changes
    used = module._deflate
    images = {}
    for name, deflate in (("used", used), ("zlib", zlib)):
        monkeypatch.setattr(module, "_deflate", deflate)
        encoder = module.BandedPng()
        images[name] = [encoder.encode(p) for p in (pixels, moved, pixels)]
    for expected, kept in zip((pixels, moved, pixels), images["used"], strict=True):
        np.testing.assert_array_equal(_pixels(kept), expected)
        idat = kept[kept.index(b"IDAT") + 4 : kept.index(b"IEND") - 8]
        zlib.decompress(idat)  # zlib reads the stream and checks its Adler-32
    for ours, plain in zip(images["used"], images["zlib"], strict=True):
        np.testing.assert_array_equal(_pixels(ours), _pixels(plain))
    assert used is not zlib, "zlib-ng is in requirements.txt: the fast deflate is installed"
