"""Small image helpers: composition shared by the previews, the showcase and the translate grids, and sRGB ->
CIELAB, which the evaluation's colour metrics and the skirt-hem growth both measure colour in."""

from __future__ import annotations

import numpy as np
from PIL import Image

# sRGB (IEC 61966-2-1) linear RGB -> XYZ, D65 white
_RGB_TO_XYZ = np.array([
    [0.4124564, 0.3575761, 0.1804375],
    [0.2126729, 0.7151522, 0.0721750],
    [0.0193339, 0.1191920, 0.9503041],
])
_WHITE_D65 = np.array([0.95047, 1.0, 1.08883])


def srgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """(..., 3) sRGB, uint8 in [0, 255] or float in [0, 1] -> (..., 3) float64 L*, a*, b* (D65)."""
    rgb = np.asarray(rgb)
    x = rgb.astype(np.float64) / 255.0 if rgb.dtype == np.uint8 else rgb.astype(np.float64)
    linear = np.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055) ** 2.4)
    xyz = linear @ _RGB_TO_XYZ.T / _WHITE_D65
    eps, kappa = 216 / 24389, 24389 / 27
    f = np.where(xyz > eps, np.cbrt(xyz), (kappa * xyz + 16) / 116)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], axis=-1)


def fit_height(image: Image.Image, height: int) -> Image.Image:
    """``image`` scaled to ``height`` pixels, aspect kept."""
    if image.height == height:
        return image
    return image.resize((max(1, round(image.width * height / image.height)), height), Image.BILINEAR)


def contact_sheet(rows: list[list[Image.Image]], height: int,
                  background: tuple[int, int, int] = (0, 0, 0)) -> Image.Image:
    """Rows of images, each scaled to ``height``, pasted left to right and top to bottom."""
    scaled = [[fit_height(im, height) for im in row] for row in rows if row]
    sheet = Image.new("RGB", (max(sum(t.width for t in row) for row in scaled), height * len(scaled)), background)
    for y, row in enumerate(scaled):
        x = 0
        for tile in row:
            sheet.paste(tile, (x, y * height))
            x += tile.width
    return sheet
