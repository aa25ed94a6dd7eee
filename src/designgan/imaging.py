"""Small image helpers: composition shared by the previews, the showcase and the translate grids; sRGB ->
CIELAB, which the evaluation's colour metrics and the skirt-hem growth both measure colour in; the photo's
grain (pixel-scale noise), which composition matches where it paints; and the guided filter, with which
composition snaps a mask made at low resolution to the photo's own edges."""

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


def _highpass(rgb: np.ndarray) -> np.ndarray:
    """``rgb`` (H, W, C) float minus its 3 x 3 mean (edges repeated): the pixel-scale detail (noise, grain)."""
    padded = np.pad(rgb, ((1, 1), (1, 1), (0, 0)), mode="edge")
    h, w = rgb.shape[:2]
    mean = sum(padded[dy:dy + h, dx:dx + w] for dy in range(3) for dx in range(3)) / 9
    return rgb - mean


LEVEL_SAMPLES = 16384  # pixels the painted side's level is read from while matching it


def _robust_std(values: np.ndarray) -> np.ndarray:
    return 1.4826 * np.median(np.abs(values), axis=0)


def grain_level(rgb: np.ndarray, where: np.ndarray) -> np.ndarray:
    """The pixel-scale noise of ``rgb`` (H, W, 3) at the pixels ``where`` (bool (H, W)), per channel, in the
    image's own units: the robust std (1.4826 x median absolute value) of its 3 x 3 high-pass. The median reads
    the flat majority of the pixels (sensor noise, JPEG grain), not the edges and textures among them."""
    hp = _highpass(rgb.astype(np.float32))[where]
    return _robust_std(hp) if len(hp) else np.zeros(rgb.shape[-1], np.float32)


def matched_grain(painted: np.ndarray, photo: np.ndarray, inside: np.ndarray, outside: np.ndarray,
                  rng: np.random.Generator, min_pixels: int = 256) -> np.ndarray:
    """Noise (H, W, 3) that, added to ``painted``, gives its pixels ``inside`` the grain of ``photo``'s pixels
    ``outside`` (:func:`grain_level`; both images (H, W, 3) on one scale, masks bool (H, W)). A painted region is
    resampled from a small frame and drawn smooth, so at full size it reads as plastic beside the photo's grain;
    compositors add back what is missing. One luminance-like field (camera noise after demosaicing and JPEG is
    mostly shared by the channels), scaled per channel by bisection until the level matches: a painting is flat in
    places and textured in others, so variances do not simply add. Zero where the painting is already as grainy,
    and when either side has fewer than ``min_pixels`` pixels."""
    if inside.sum() < min_pixels or outside.sum() < min_pixels:
        return np.zeros(painted.shape, np.float32)
    want = grain_level(photo, outside)
    field = rng.standard_normal(painted.shape[:2], dtype=np.float32)[..., None]
    hp_painted = _highpass(painted.astype(np.float32))[inside]
    hp_field = _highpass(field)[inside][:, 0]
    if len(hp_field) > LEVEL_SAMPLES:  # a median of evenly spread pixels reads the same level, several times faster
        spread = np.linspace(0, len(hp_field) - 1, LEVEL_SAMPLES).astype(np.int64)
        hp_painted, hp_field = hp_painted[spread], hp_field[spread]
    amplitude = np.zeros(painted.shape[-1], np.float32)
    for c in range(painted.shape[-1]):
        low, high = 0.0, 2.0 * float(want[c]) + 1.0  # the field's high-pass keeps ~0.94 of it: high overshoots
        if _robust_std(hp_painted[:, c]) >= want[c]:
            continue
        for _ in range(14):  # to 1/16000 of the range: far below one grey level
            mid = (low + high) / 2
            low, high = (mid, high) if _robust_std(hp_painted[:, c] + mid * hp_field) < want[c] else (low, mid)
        amplitude[c] = (low + high) / 2
    return field * amplitude


def box_mean(x: np.ndarray, radius: int) -> np.ndarray:
    """The mean of ``x`` (H, W, ...) over the (2 radius + 1)^2 window around each pixel, the window clipped to the
    image (running sums: O(1) per pixel whatever the radius)."""
    out = x.astype(np.float64)
    for axis in (0, 1):
        n = out.shape[axis]
        total = np.cumsum(out, axis=axis)
        total = np.concatenate([np.zeros_like(np.take(total, [0], axis=axis)), total], axis=axis)
        hi = np.minimum(np.arange(n) + radius + 1, n)
        lo = np.maximum(np.arange(n) - radius, 0)
        shape = [1] * out.ndim
        shape[axis] = n
        out = (np.take(total, hi, axis=axis) - np.take(total, lo, axis=axis)) / (hi - lo).reshape(shape)
    return out


def _solve_symmetric3(m: np.ndarray, v: np.ndarray) -> np.ndarray:
    """``m``^-1 ``v`` for symmetric positive definite 3 x 3 matrices ``m`` (..., 3, 3) and vectors ``v`` (..., 3),
    by cofactors: several times faster than a batched LAPACK solve for millions of tiny systems."""
    a, b, c = m[..., 0, 0], m[..., 0, 1], m[..., 0, 2]
    d, e, f = m[..., 1, 1], m[..., 1, 2], m[..., 2, 2]
    co = [d * f - e * e, c * e - b * f, b * e - c * d, a * f - c * c, b * c - a * e, a * d - b * b]
    det = a * co[0] + b * co[1] + c * co[2]
    x, y, z = v[..., 0], v[..., 1], v[..., 2]
    return np.stack([co[0] * x + co[1] * y + co[2] * z, co[1] * x + co[3] * y + co[4] * z,
                     co[2] * x + co[4] * y + co[5] * z], axis=-1) / det[..., None]


def guided_filter(guide: np.ndarray, mask: np.ndarray, radius: int, eps: float) -> np.ndarray:
    """``mask`` (H, W) in [0, 1] filtered with the colour image ``guide`` (H, W, 3) in [0, 1] as its guide (He, Sun
    and Tang, "Guided image filtering", 2010/2013): in each window the output is a linear function of the guide's
    colours fitted to the mask, so a mask made at a lower resolution takes the edges the photo shows, while where
    the window holds no edge it is the mask smoothed. ``eps``: how large a colour change counts as an edge
    (squared, guide units); ``radius`` in pixels. Only the band within 2 ``radius`` of the mask's edge can change
    (elsewhere every window is all 0 or all 1), so only the bounding boxes of its groups of rows are computed (a
    hand above and a shoe below: two small boxes, not one tall one). Returns float32 (H, W) clipped to [0, 1]."""
    p = mask.astype(np.float32)
    edge = (p > 0) & (p < 1)
    edge[:-1] |= p[:-1] != p[1:]
    edge[:, :-1] |= p[:, :-1] != p[:, 1:]
    out = np.clip(p, 0, 1)
    rows = np.flatnonzero(edge.any(axis=1))
    if not len(rows):
        return out
    m = 2 * radius + 1
    # rows of edges more than 2 m apart: the flat rows between them change in neither group's box
    for group in np.split(rows, np.flatnonzero(np.diff(rows) > 2 * m) + 1):
        xs = np.flatnonzero(edge[group[0]:group[-1] + 1].any(axis=0))
        y0, y1 = max(0, group[0] - m), min(p.shape[0], group[-1] + m + 1)
        x0, x1 = max(0, xs.min() - m), min(p.shape[1], xs.max() + m + 1)
        out[y0:y1, x0:x1] = _guided_box(guide[y0:y1, x0:x1].astype(np.float32), p[y0:y1, x0:x1], radius, eps)
    return out


def _guided_box(g: np.ndarray, p: np.ndarray, radius: int, eps: float) -> np.ndarray:
    """:func:`guided_filter` inside one box: guide ``g`` (h, w, 3), mask ``p`` (h, w)."""
    mean_g, mean_p = box_mean(g, radius), box_mean(p, radius)
    cov_gp = box_mean(g * p[..., None], radius) - mean_g * mean_p[..., None]
    outer = box_mean(g[..., :, None] * g[..., None, :], radius) - mean_g[..., :, None] * mean_g[..., None, :]
    a = _solve_symmetric3(outer + eps * np.eye(3), cov_gp)
    b = mean_p - (a * mean_g).sum(axis=-1)
    q = (box_mean(a, radius) * g).sum(axis=-1) + box_mean(b, radius)
    return np.clip(q, 0, 1)
