"""Drawing landmarks on photos (overlays for predict, docs and checks)."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from designgan.landmarks.schema import BODY_NAMES, INDEX, LOWER_GARMENT_NAMES, SKELETON, UPPER_GARMENT_NAMES

COLOURS = {"left": (255, 64, 64), "right": (64, 128, 255), "centre": (64, 220, 64)}
LOWER_COLOUR = (255, 200, 0)
UPPER_COLOUR = (230, 0, 230)
LOWER_OUTLINE = ("right_waistline", "left_waistline", "left_hem", "left_inner_hem", "crotch", "right_inner_hem",
                 "right_hem")
UPPER_OUTLINE = ("right_collar", "left_collar", "left_sleeve_end", "left_upper_hem", "right_upper_hem",
                 "right_sleeve_end")


def _side(name: str) -> str:
    return "left" if name.startswith("left_") else "right" if name.startswith("right_") else "centre"


def draw_landmarks(image: Image.Image, points: np.ndarray, min_confidence: float = 0.3,
                   radius: float | None = None) -> Image.Image:
    """A copy of ``image`` with the skeleton (red = person's left, blue = right) and garment landmarks
    (yellow = lower garment, magenta = upper garment, joined in outline order) drawn on it.

    ``points``: (K, 3) x, y, confidence in ``LANDMARK_NAMES`` order.
    """
    out = image.convert("RGB").copy()
    draw = ImageDraw.Draw(out)
    r = radius or max(2.0, 0.006 * max(out.size))
    width = max(1, round(r / 1.5))

    def seen(name: str) -> tuple[float, float] | None:
        p = points[INDEX[name]]
        return (float(p[0]), float(p[1])) if p[2] >= min_confidence else None

    for a, b in SKELETON:
        pa, pb = seen(a), seen(b)
        if pa and pb:
            draw.line([pa, pb], fill=COLOURS[_side(b)], width=width)
    for outline, colour in ((LOWER_OUTLINE, LOWER_COLOUR), (UPPER_OUTLINE, UPPER_COLOUR)):
        pts = [seen(n) for n in outline]
        pts = [p for p in pts if p is not None]
        if len(pts) >= 2:
            draw.line([*pts, pts[0]], fill=colour, width=width)
    for name in BODY_NAMES:
        p = seen(name)
        if p:
            draw.ellipse([p[0] - r, p[1] - r, p[0] + r, p[1] + r], fill=COLOURS[_side(name)], outline=(0, 0, 0))
    for names, colour in ((LOWER_GARMENT_NAMES, LOWER_COLOUR), (UPPER_GARMENT_NAMES, UPPER_COLOUR)):
        for name in names:
            p = seen(name)
            if p:
                s = 1.3 * r
                draw.rectangle([p[0] - s, p[1] - s, p[0] + s, p[1] + s], fill=colour, outline=(0, 0, 0))
    return out


def tile(images: list[Image.Image], height: int = 480) -> Image.Image:
    """Side by side at a common height."""
    scaled = [im.resize((round(im.width * height / im.height), height), Image.LANCZOS) for im in images]
    canvas = Image.new("RGB", (sum(im.width for im in scaled), height), (255, 255, 255))
    x = 0
    for im in scaled:
        canvas.paste(im, (x, 0))
        x += im.width
    return canvas
