"""A tiny synthetic painter pack: frames as ``designgan data pack-painter`` stores them, made up in numpy."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from designgan.landmarks.schema import BODY_NAMES, LANDMARK_NAMES
from designgan.train.painter_data import encode_frame, is_validation, write_painter_pack

LABELS = ["null", "jeans", "pants", "skirt", "shorts", "leggings", "dress", "skin", "shoes", "bag"]
SIZE = 64  # the synthetic frames' side


def synthetic_frame(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A frame as the pack holds it: a textured background, a garment (jeans or a skirt) from the waist, skin legs
    below a skirt, a bag over the garment in every third frame, and the body landmarks where the frame puts them
    (hips at 0.2 h, ankles at 0.9 h)."""
    rng = np.random.default_rng(seed)
    h = w = SIZE
    image = (rng.uniform(60, 200, 3) + rng.normal(0, 12, (h, w, 3))).clip(0, 255)
    labels = np.zeros((h, w), np.uint8)
    cx, hip, knee, ankle = w / 2, 0.2 * h, 0.55 * h, 0.9 * h
    ys, xs = np.mgrid[0:h, 0:w]
    skirt = seed % 2 == 1
    colour = rng.uniform(20, 120, 3)
    if skirt:
        half = 6 + (ys - hip) * 0.3
        garment = (ys >= hip - 3) & (ys <= knee + 2) & (np.abs(xs - cx) <= half)
        legs = (ys > knee + 2) & (ys <= ankle) & (np.abs(np.abs(xs - cx) - 4) <= 2)
        labels[legs], image[legs] = LABELS.index("skin"), (200, 150, 120)
    else:
        garment = (ys >= hip - 3) & (ys <= ankle) & (np.abs(np.abs(xs - cx) - 4) <= 3.5)
    labels[garment] = LABELS.index("skirt" if skirt else "jeans")
    image[garment] = colour + 15 * np.sin(xs[garment][:, None] * 1.3)
    if seed % 3 == 2:  # a bag carried in front of the garment's right side
        bag = (ys >= 0.35 * h) & (ys <= 0.5 * h) & (xs >= cx + 2) & (xs <= cx + 12)
        labels[bag], image[bag] = LABELS.index("bag"), (150, 40, 40)
    points = np.zeros((len(LANDMARK_NAMES), 3), np.float32)
    rows = {"hip": hip, "knee": knee, "ankle": ankle, "wrist": hip, "heel": ankle + 2, "foot_index": ankle + 3,
            "elbow": 0.05 * h, "shoulder": 0.0}
    for name in BODY_NAMES:
        if name == "nose":
            continue
        side, part = name.split("_", 1)
        dx = 4 if side == "left" else -4
        dx = dx * 3 if part in ("wrist", "elbow", "shoulder") else dx
        points[LANDMARK_NAMES.index(name)] = (cx + dx, rows[part], 0.9)
    return image.astype(np.uint8), labels, points


def write_synthetic_pack(out: Path, count: int = 24) -> Path:
    """``count`` synthetic frames (both training and held-out ids) written as a painter pack at ``out``."""
    ids = [f"{i:04d}" for i in range(1, count + 1)]
    assert any(is_validation(i) for i in ids) and not all(is_validation(i) for i in ids)
    frames = [synthetic_frame(i) for i in range(len(ids))]
    encoded = [encode_frame(img, lab) for img, lab, _ in frames]
    write_painter_pack(out, ids, [e[0] for e in encoded], [e[1] for e in encoded],
                       torch.from_numpy(np.stack([f[2] for f in frames])), LABELS, SIZE)
    return out
