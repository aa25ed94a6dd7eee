"""Landmarks -> attention for the translator and body-part regions for the skin loss. Pure numpy functions.

Inputs are landmark arrays ``points`` of shape (K, 3) — x, y, confidence in ``LANDMARK_NAMES`` order, in the
pixel frame of the image the outputs are for (after any resize or crop) — and the output size (height, width).
Landmarks under ``min_confidence`` are ignored.

* :func:`landmark_heatmaps`: one Gaussian per landmark (scaled by its confidence): the heatmap stack the
  discriminator weights its features with.
* :func:`garment_attention`: a soft mask of where the garment is or could be after the change: the polygon of
  the garment landmarks together with the body part it covers (hips, knees, ankles for the lower body; shoulders,
  elbows, wrists for the upper body), so a jeans -> skirt or skirt -> trousers edit sees the whole legs.
* :func:`body_part_regions` and :func:`skin_candidates`: limb regions (legs, arms) as capsules along the bones,
  and those parts of them not covered by a garment: where the skin loss samples exposed skin.
* :func:`joint_boxes`: square patches around joints (knees, elbows...) for skin-texture patches.
"""

from __future__ import annotations

import itertools

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from designgan.landmarks.schema import INDEX, LOWER_GARMENT_NAMES, UPPER_GARMENT_NAMES

MIN_CONFIDENCE = 0.3

LIMBS: dict[str, tuple[tuple[str, ...], ...]] = {
    "left_leg": (("left_hip", "left_knee", "left_ankle"),),
    "right_leg": (("right_hip", "right_knee", "right_ankle"),),
    "left_arm": (("left_shoulder", "left_elbow", "left_wrist"),),
    "right_arm": (("right_shoulder", "right_elbow", "right_wrist"),),
}
LOWER_BODY = ("left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle")
UPPER_BODY = ("left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_hip", "right_hip")


def _seen(points: np.ndarray, name: str, min_confidence: float) -> np.ndarray | None:
    p = points[INDEX[name]]
    return p[:2] if p[2] >= min_confidence else None


def body_scale(points: np.ndarray, min_confidence: float = MIN_CONFIDENCE) -> float | None:
    """A length that grows with the person: the larger of shoulder width, hip width and a quarter torso height."""
    sh = [_seen(points, n, min_confidence) for n in ("left_shoulder", "right_shoulder")]
    hp = [_seen(points, n, min_confidence) for n in ("left_hip", "right_hip")]
    lengths = []
    if sh[0] is not None and sh[1] is not None:
        lengths.append(float(np.linalg.norm(sh[0] - sh[1])))
    if hp[0] is not None and hp[1] is not None:
        lengths.append(float(np.linalg.norm(hp[0] - hp[1])))
    for s in sh:
        for h in hp:
            if s is not None and h is not None:
                lengths.append(0.25 * float(np.linalg.norm(s - h)) * 2)
    return max(lengths) if lengths else None


def landmark_heatmaps(points: np.ndarray, size: tuple[int, int], sigma: float,
                      min_confidence: float = MIN_CONFIDENCE) -> np.ndarray:
    """(K, H, W) float32 Gaussians of std ``sigma`` pixels, peak = confidence; zero for unseen landmarks."""
    height, width = size
    ys = np.arange(height, dtype=np.float32)[None, :, None]
    xs = np.arange(width, dtype=np.float32)[None, None, :]
    p = np.asarray(points, dtype=np.float32)
    conf = np.where(p[:, 2] >= min_confidence, p[:, 2], 0.0)[:, None, None]
    gx = np.exp(-((xs - p[:, 0, None, None]) ** 2) / (2 * sigma**2))
    gy = np.exp(-((ys - p[:, 1, None, None]) ** 2) / (2 * sigma**2))
    return (gx * gy * conf).astype(np.float32)


def _draw_capsule(draw: ImageDraw.ImageDraw, a: np.ndarray, b: np.ndarray, radius: float) -> None:
    draw.line([tuple(a), tuple(b)], fill=255, width=max(1, round(2 * radius)))
    for p in (a, b):
        draw.ellipse([p[0] - radius, p[1] - radius, p[0] + radius, p[1] + radius], fill=255)


def _cross(a: np.ndarray, b: np.ndarray) -> float:
    return float(a[0] * b[1] - a[1] * b[0])


def _convex_hull(pts: np.ndarray) -> np.ndarray:
    """Monotone-chain convex hull of (N, 2) points."""
    pts = np.unique(pts, axis=0)
    if len(pts) < 3:
        return pts
    pts = pts[np.lexsort((pts[:, 1], pts[:, 0]))]

    def half(seq: np.ndarray) -> list[np.ndarray]:
        out: list[np.ndarray] = []
        for p in seq:
            while len(out) >= 2 and _cross(out[-1] - out[-2], p - out[-2]) <= 0:
                out.pop()
            out.append(p)
        return out

    lower, upper = half(pts), half(pts[::-1])
    return np.array(lower[:-1] + upper[:-1])


def _to_mask(img: Image.Image, soften: float) -> np.ndarray:
    if soften > 0:
        img = img.filter(ImageFilter.GaussianBlur(soften))
    return np.asarray(img, dtype=np.float32) / 255.0


def body_part_regions(points: np.ndarray, size: tuple[int, int], min_confidence: float = MIN_CONFIDENCE,
                      width_scale: float = 0.22) -> dict[str, np.ndarray]:
    """Binary (H, W) float32 masks: ``left_leg``, ``right_leg``, ``left_arm``, ``right_arm``, ``legs``, ``arms``.

    Each limb is a chain of capsules along its bones, ``width_scale`` x body scale in radius (arms 70% of that).
    A limb whose first two joints are not seen is empty.
    """
    height, width = size
    scale = body_scale(points, min_confidence)
    regions = {}
    for limb, chains in LIMBS.items():
        img = Image.new("L", (width, height), 0)
        if scale is not None:
            draw = ImageDraw.Draw(img)
            radius = width_scale * scale * (0.7 if "arm" in limb else 1.0)
            for chain in chains:
                joints = [_seen(points, n, min_confidence) for n in chain]
                for a, b in itertools.pairwise(joints):
                    if a is None or b is None:
                        break
                    _draw_capsule(draw, a, b, radius)
        regions[limb] = _to_mask(img, 0)
    regions["legs"] = np.maximum(regions["left_leg"], regions["right_leg"])
    regions["arms"] = np.maximum(regions["left_arm"], regions["right_arm"])
    return regions


def garment_attention(points: np.ndarray, size: tuple[int, int], part: str = "lower",
                      min_confidence: float = MIN_CONFIDENCE, soften: float = 2.0) -> np.ndarray:
    """Soft (H, W) float32 mask in [0, 1] of the ``part`` ("lower" or "upper") garment region.

    The union of the convex hull of the visible garment landmarks and body joints of that part, and the limbs it
    can cover (legs for the lower part, arms for the upper). Empty (all zero) when nothing of the part is seen.
    """
    if part not in ("lower", "upper"):
        raise ValueError(f"part must be 'lower' or 'upper', got {part!r}")
    height, width = size
    names = (LOWER_GARMENT_NAMES + LOWER_BODY) if part == "lower" else (UPPER_GARMENT_NAMES + UPPER_BODY)
    seen = [p for p in (_seen(points, n, min_confidence) for n in names) if p is not None]
    img = Image.new("L", (width, height), 0)
    if len(seen) >= 3:
        hull = _convex_hull(np.array(seen, dtype=np.float64))
        ImageDraw.Draw(img).polygon([tuple(p) for p in hull], fill=255)
    mask = _to_mask(img, 0)
    limbs = body_part_regions(points, size, min_confidence)
    mask = np.maximum(mask, limbs["legs"] if part == "lower" else limbs["arms"])
    if soften > 0 and mask.any():
        mask = _to_mask(Image.fromarray((mask * 255).astype(np.uint8)), soften)
    return mask


def skin_candidates(points: np.ndarray, size: tuple[int, int], garment_mask: np.ndarray | None = None,
                    min_confidence: float = MIN_CONFIDENCE) -> np.ndarray:
    """Limb pixels (legs and arms) not covered by ``garment_mask``: where exposed skin may be. (H, W) float32."""
    regions = body_part_regions(points, size, min_confidence)
    skin = np.maximum(regions["legs"], regions["arms"])
    if garment_mask is not None:
        if garment_mask.shape != skin.shape:
            raise ValueError(f"garment_mask is {garment_mask.shape}, expected {skin.shape}")
        skin = skin * (1.0 - (garment_mask > 0.5))
    return skin.astype(np.float32)


def joint_boxes(points: np.ndarray, names: tuple[str, ...] = ("left_knee", "right_knee", "left_elbow",
                                                               "right_elbow"),
                size_fraction: float = 0.35, min_confidence: float = MIN_CONFIDENCE,
                image_size: tuple[int, int] | None = None) -> dict[str, tuple[int, int, int, int]]:
    """Square boxes (x0, y0, x1, y1), side ``size_fraction`` x body scale, centred on each seen joint.

    With ``image_size`` = (height, width) boxes are shifted inside the image and dropped when they do not fit.
    """
    scale = body_scale(points, min_confidence)
    if scale is None:
        return {}
    half = max(2, round(0.5 * size_fraction * scale))
    boxes = {}
    for name in names:
        p = _seen(points, name, min_confidence)
        if p is None:
            continue
        x0, y0 = round(p[0]) - half, round(p[1]) - half
        if image_size is not None:
            h, w = image_size
            if 2 * half > min(h, w):
                continue
            x0, y0 = min(max(0, x0), w - 2 * half), min(max(0, y0), h - 2 * half)
        boxes[name] = (x0, y0, x0 + 2 * half, y0 + 2 * half)
    return boxes
