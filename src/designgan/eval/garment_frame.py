"""The lower-body frame: a landmark-aligned crop of hips, legs and feet, the same for every pose and scale.

The frame is fixed by three body points of the landmark network (:mod:`designgan.landmarks`): the hip centre
``H`` (mean of both hips), the ankle centre ``A`` (mean of both ankles) and their distance, the leg length
``L = |A - H|``. The crop's vertical axis runs along ``H -> A`` (tilt clamped to +-25 degrees), and in units of
``L`` it spans from 0.40 above the hips (the waist and whatever hangs over it) to 0.15 below the ankles (the feet),
and 0.97 L wide (the crop's aspect), centred on the axis. It is resampled to :data:`FRAME_SIZE` (height x width =
160 x 100), so the hips always sit at row 41 and the ankles at row 145, whatever the photo.

When the ankles are not confidently seen (a photo cut at the shins), ``A`` is extrapolated from the knees
(``H + 2 (K - H)``); when the knees are not seen either, from the torso (``H + 1.5 (H - S)``, ``S`` the shoulder
centre). ``L`` is bounded to 1.1-2.4 torso lengths so that a single wrong point cannot shrink or blow up the frame.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
from PIL import Image

FRAME_SIZE: tuple[int, int] = (160, 100)  # height, width of the aligned crop
ABOVE_HIPS = 0.40  # frame top, in leg lengths above the hip centre
BELOW_HIPS = 1.15  # frame bottom, in leg lengths below the hip centre (ankles at 1.0)
MAX_TILT_DEG = 25.0
MIN_CONFIDENCE = 0.3  # below it a knee / ankle pair is "not seen"
LEG_PER_TORSO = (1.1, 2.4)  # bounds of the leg length in torso lengths

Point = Sequence[float]  # (x, y, confidence)


def _mid(points: Mapping[str, Point], a: str, b: str) -> tuple[np.ndarray, float]:
    pa, pb = points[a], points[b]
    return np.array([(pa[0] + pb[0]) / 2, (pa[1] + pb[1]) / 2], dtype=np.float64), min(float(pa[2]), float(pb[2]))


def leg_axis(points: Mapping[str, Point]) -> tuple[np.ndarray, np.ndarray]:
    """Hip centre and (possibly extrapolated) ankle centre, in photo pixels (see the module doc)."""
    hip, _ = _mid(points, "left_hip", "right_hip")
    shoulder, _ = _mid(points, "left_shoulder", "right_shoulder")
    knee, knee_conf = _mid(points, "left_knee", "right_knee")
    ankle, ankle_conf = _mid(points, "left_ankle", "right_ankle")
    torso_vec = hip - shoulder
    torso = max(float(np.hypot(*torso_vec)), 1.0)
    if ankle_conf >= MIN_CONFIDENCE:
        end = ankle
    elif knee_conf >= MIN_CONFIDENCE:
        end = hip + 2.0 * (knee - hip)
    else:
        end = hip + 1.5 * torso_vec
    vec = end - hip
    length = float(np.hypot(*vec))
    if length < 1e-6:
        vec, length = np.array([0.0, 1.0]), 1.0
    # tilt clamped around the image's vertical
    angle = max(-MAX_TILT_DEG, min(MAX_TILT_DEG, math.degrees(math.atan2(-vec[0], vec[1]))))
    length = min(max(length, LEG_PER_TORSO[0] * torso), LEG_PER_TORSO[1] * torso)
    rad = math.radians(angle)
    direction = np.array([-math.sin(rad), math.cos(rad)])
    return hip, hip + length * direction


def frame_affine(points: Mapping[str, Point], size: tuple[int, int] = FRAME_SIZE,
                 margin: float = 1.0) -> np.ndarray:
    """(2, 3) affine mapping crop coordinates (u, v, 1) to photo coordinates (continuous: pixel ``i`` covers
    ``[i, i + 1)`` on both, as in PIL).

    ``margin`` > 1 widens the frame about its centre by that factor (training keeps a larger context crop so
    that random zoom-outs have real pixels)."""
    hip, ankle = leg_axis(points)
    axis = ankle - hip
    length = float(np.hypot(*axis))
    down = axis / length
    right = np.array([down[1], -down[0]])  # image x direction when the axis is vertical
    height, width = size
    span = (ABOVE_HIPS + BELOW_HIPS) * length * margin
    px = span / height  # photo pixels per crop pixel (square pixels)
    centre = hip + down * length * (BELOW_HIPS - ABOVE_HIPS) / 2
    origin = centre - right * px * width / 2 - down * px * height / 2
    a = np.stack([right * px, down * px], axis=1)  # columns: d/du, d/dv
    return np.concatenate([a, origin[:, None]], axis=1)


def crop_frame(image: Image.Image, affine: np.ndarray, size: tuple[int, int] = FRAME_SIZE) -> np.ndarray:
    """uint8 (h, w, 3): ``image`` resampled in the frame ``affine`` (black outside the photo).

    Large photos are first reduced (antialiased) to about the crop's scale, so fine texture does not alias."""
    scale = float(np.hypot(*affine[:, 0]))  # photo pixels per crop pixel
    shrink = max(1.0, scale / 1.25)
    if shrink > 1.0:
        new = (max(1, round(image.width / shrink)), max(1, round(image.height / shrink)))
        affine = np.diag([new[0] / image.width, new[1] / image.height]) @ affine
        image = image.resize(new, Image.BILINEAR, reducing_gap=2.0)
    height, width = size
    out = image.convert("RGB").transform((width, height), Image.AFFINE, data=tuple(affine.ravel()),
                                         resample=Image.BILINEAR, fillcolor=(0, 0, 0))
    return np.asarray(out)


def crop_labels(labels: np.ndarray, affine: np.ndarray, size: tuple[int, int], fill: int) -> np.ndarray:
    """uint8 (h, w) label map sampled (nearest) in the frame; ``fill`` outside the photo."""
    height, width = size
    vv, uu = np.mgrid[0:height, 0:width].astype(np.float64) + 0.5  # crop pixel centres
    xy = affine[:, :2] @ np.stack([uu.ravel(), vv.ravel()]) + affine[:, 2:3]
    x, y = np.floor(xy[0]).astype(np.int64), np.floor(xy[1]).astype(np.int64)
    inside = (x >= 0) & (y >= 0) & (x < labels.shape[1]) & (y < labels.shape[0])
    out = np.full(height * width, fill, dtype=np.uint8)
    out[inside] = labels[y[inside], x[inside]]
    return out.reshape(height, width)
