"""The person's skin colour, read off the whole photo: the face and the hands that the landmarks locate.

The rendered prior paints uncovered legs in this colour (:class:`designgan.models.prior.PriorRenderer`). Inside the
lower-body frame only the hands can show skin, and a hand in a pocket, in a glove or holding a bag gives a wrong
colour; the face is nearly always visible in fashion photos, so it is read first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import torch

from designgan.models.prior import skin_pixels

MIN_PIXELS = 30  # fewer skin-coloured pixels than this in the face and hands: unknown
# Without the shoulders (a photo from the waist down) the discs are sized from the hip joints: the landmark
# network puts the shoulders about this many times further apart (hips / shoulders on the 697 photos of
# data/jeans_skirt whose torso is seen: median 0.55)
SHOULDERS_PER_HIPS = 1.8


def _disc(shape: tuple[int, int], centre: np.ndarray, radius: float) -> tuple[slice, slice, np.ndarray]:
    """The bounding slices of a disc inside an image of ``shape`` (h, w) and the disc's mask within them."""
    h, w = shape
    x0, y0 = min(w, max(0, int(centre[0] - radius))), min(h, max(0, int(centre[1] - radius)))
    x1, y1 = max(x0, min(w, int(centre[0] + radius) + 1)), max(y0, min(h, int(centre[1] + radius) + 1))
    ys, xs = np.mgrid[y0:y1, x0:x1]  # empty for a disc outside the photo (a hand above its top edge)
    return slice(y0, y1), slice(x0, x1), (xs - centre[0]) ** 2 + (ys - centre[1]) ** 2 <= radius ** 2


def photo_skin_colour(rgb: np.ndarray, points: Mapping[str, Sequence[float]], min_confidence: float = 0.3
                      ) -> np.ndarray | None:
    """The median colour ``(3,)`` in [-1, 1] of the skin-coloured pixels (:func:`skin_pixels`) on the face (a
    disc around the nose, a fifth of the shoulder width across) and the hands (discs just past the wrists, along
    the forearm), or None when fewer than :data:`MIN_PIXELS` are found or neither the shoulders nor the hips are
    seen (they size the discs)."""
    def seen(name: str) -> np.ndarray | None:
        p = points.get(name)
        return np.asarray(p[:2], dtype=np.float64) if p is not None and float(p[2]) >= min_confidence else None

    shoulders = [seen("left_shoulder"), seen("right_shoulder")]
    hips = [seen("left_hip"), seen("right_hip")]
    if shoulders[0] is not None and shoulders[1] is not None:
        span = float(np.linalg.norm(shoulders[0] - shoulders[1]))
    elif hips[0] is not None and hips[1] is not None:  # a photo from the waist down: its hands may still be in it
        span = SHOULDERS_PER_HIPS * float(np.linalg.norm(hips[0] - hips[1]))
    else:
        return None
    if span < 4:
        return None
    discs = []
    nose = seen("nose")
    if nose is not None:
        discs.append((nose, 0.2 * span))
    for side in ("left", "right"):
        wrist, elbow = seen(f"{side}_wrist"), seen(f"{side}_elbow")
        if wrist is not None:
            hand = wrist if elbow is None else wrist + 0.3 * (wrist - elbow)
            discs.append((hand, 0.12 * span))
    found = []
    for centre, radius in discs:
        rows, cols, disc = _disc(rgb.shape[:2], centre, radius)
        if not disc.any():
            continue
        patch = torch.from_numpy(rgb[rows, cols].astype(np.float32) / 127.5 - 1)  # (h, w, 3)
        # channels first: a (3, w, 3) patch (a small person's disc, 3 rows high) would read as channels-first
        keep = skin_pixels(patch.permute(2, 0, 1)).numpy() & disc
        found.append(patch.numpy()[keep])
    pixels = np.concatenate(found) if found else np.zeros((0, 3), np.float32)
    if len(pixels) < MIN_PIXELS:
        return None
    return np.median(pixels, axis=0).astype(np.float32)
