"""PCK (percentage of correct keypoints) per landmark group, normalised by person height."""

from __future__ import annotations

import warnings

import numpy as np

from designgan.landmarks.schema import BODY_NAMES, GROUPS, INDEX

MIN_VISIBILITY = 0.5


def person_heights(gt: np.ndarray) -> np.ndarray:
    """(N, K, 3) labels -> (N,) vertical extent of the visible body keypoints (nose to feet); NaN if < 2 seen."""
    body = gt[:, [INDEX[n] for n in BODY_NAMES]]
    seen = body[..., 2] >= MIN_VISIBILITY
    ys = np.where(seen, body[..., 1], np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows: no body seen, handled below
        height = np.nanmax(ys, axis=1) - np.nanmin(ys, axis=1)
    height[seen.sum(axis=1) < 2] = np.nan
    return height


def pck_by_group(pred: np.ndarray, gt: np.ndarray, weights: np.ndarray,
                 thresholds: tuple[float, ...] = (0.05, 0.1)) -> dict[str, dict[str, float]]:
    """PCK per group (and per landmark) at each threshold.

    ``pred``: (N, K, 3) x, y, confidence; ``gt``: (N, K, 3) x, y, visibility; ``weights``: (N, K), 0 where the
    label is unknown. A landmark counts when it is labelled and visible; it is correct when its distance to the
    label is within ``threshold * person height``. Also reports, per garment group, how often labelled-absent
    landmarks are predicted with confidence under 0.3 (``absent_rejected``).
    """
    height = person_heights(gt)
    dist = np.linalg.norm(pred[..., :2] - gt[..., :2], axis=-1) / height[:, None]
    counted = (weights > 0) & (gt[..., 2] >= MIN_VISIBILITY) & np.isfinite(dist)
    out: dict[str, dict[str, float]] = {}
    for group, names in GROUPS.items():
        idx = [INDEX[n] for n in names]
        c = counted[:, idx]
        d = dist[:, idx]
        entry: dict[str, float] = {"count": int(c.sum())}
        for t in thresholds:
            entry[f"pck@{t:g}"] = float(((d <= t) & c).sum() / max(c.sum(), 1))
        if group != "body":
            absent = (weights[:, idx] > 0) & (gt[:, idx, 2] < MIN_VISIBILITY)
            entry["absent_count"] = int(absent.sum())
            entry["absent_rejected"] = float(((pred[:, idx, 2] < 0.3) & absent).sum() / max(absent.sum(), 1))
        out[group] = entry
    per_landmark = {}
    for name, i in INDEX.items():
        c = counted[:, i]
        if c.any():
            per_landmark[name] = float((dist[c, i] <= 0.1).mean())
    out["per_landmark_pck@0.1"] = per_landmark
    return out
