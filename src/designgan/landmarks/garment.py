"""Garment landmarks derived geometrically from pixel-level garment masks (CCP label maps).

Pure functions of boolean masks: no I/O. The landmark set per family is documented in
:mod:`designgan.landmarks.schema`. Conventions: points are ``(x, y)`` in pixels with pixel centres at integer
coordinates; results are ``(K, 3)`` float arrays ``[x, y, visibility]`` in ``GARMENT_NAMES`` order, plus a
``labelled`` flag per landmark: False means "unknown" (the photo carries a garment this derivation does not model,
e.g. a dress), which the loss ignores, whereas a labelled landmark with visibility 0 is known to be absent.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from designgan.landmarks.schema import GARMENT_NAMES, LOWER_GARMENT_NAMES, UPPER_GARMENT_NAMES

# CCP label ids (label_list.mat); the names are what matter, the ids are checked in the tests against the file.
CCP_LABEL_IDS: dict[str, int] = {
    "blazer": 4, "blouse": 5, "bodysuit": 6, "cape": 10, "cardigan": 11, "coat": 13, "dress": 14, "hoodie": 22,
    "jacket": 24, "jeans": 25, "jumper": 26, "leggings": 27, "pants": 31, "romper": 35, "shirt": 38,
    "shorts": 40, "skirt": 42, "suit": 46, "sweater": 48, "sweatshirt": 49, "t-shirt": 51, "tights": 53,
    "top": 54, "vest": 55,
}
SKIRT_LABELS = ("skirt",)
TROUSER_LABELS = ("jeans", "pants", "shorts")
UNDER_TROUSER_LABELS = ("leggings", "tights")  # trousers only when no skirt/shorts/jeans/pants is worn
UPPER_LABELS = ("blazer", "blouse", "bodysuit", "cape", "cardigan", "coat", "hoodie", "jacket", "jumper", "shirt",
                "suit", "sweater", "sweatshirt", "t-shirt", "top", "vest")
ONE_PIECE_LABELS = ("dress", "romper")  # cover both halves: landmarks of the half they stand in for are unknown

MIN_AREA_FRACTION = 0.002  # garments smaller than this share of the photo count as absent (occluded scraps)
BAND_FRACTION = 0.04  # height of the waist / hem bands, as a share of the garment's height
SLEEVE_MIN_FRACTION = 0.33  # of the upper arm's length


@dataclass
class GarmentLandmarks:
    points: np.ndarray  # (len(GARMENT_NAMES), 3): x, y, visibility in {0, 1}
    labelled: np.ndarray  # (len(GARMENT_NAMES),) bool
    lower_family: str | None  # "skirt", "trousers" or None
    upper_present: bool


def _clean(mask: np.ndarray, min_area: int) -> np.ndarray:
    """Drop connected specks below 5% of the largest part (label noise), keep everything else."""
    labels, n = ndimage.label(mask)
    if n <= 1:
        return mask if mask.sum() >= min_area else np.zeros_like(mask)
    areas = ndimage.sum(mask, labels, index=np.arange(1, n + 1))
    keep = np.flatnonzero(areas >= max(areas.max() * 0.05, 1)) + 1
    out = np.isin(labels, keep)
    return out if out.sum() >= min_area else np.zeros_like(mask)


def _band_extremes(mask: np.ndarray, y0: int, y1: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Leftmost and rightmost mask points in rows ``y0..y1`` (each as (x, y), y averaged over the extreme)."""
    ys, xs = np.nonzero(mask[y0:y1 + 1])
    if xs.size == 0:
        return None
    ys = ys + y0
    lo, hi = xs.min(), xs.max()
    left = np.array([lo, ys[xs <= lo + 1].mean()], dtype=np.float64)
    right = np.array([hi, ys[xs >= hi - 1].mean()], dtype=np.float64)
    return left, right


def _assign(points: dict[str, np.ndarray], name_pair: tuple[str, str], image_left: np.ndarray,
            image_right: np.ndarray, left_on_image_right: bool) -> None:
    """Store an image-left/image-right pair under the person's left/right names."""
    person_left, person_right = (image_right, image_left) if left_on_image_right else (image_left, image_right)
    points[name_pair[0]] = person_left
    points[name_pair[1]] = person_right


def _find_crotch(mask: np.ndarray, y_top: int, y_bot: int, run_rows: int = 3) -> tuple[float, int] | None:
    """First row (downwards) where the garment splits into two legs, for ``run_rows`` rows in a row.

    Returns (x of the gap's centre, y) or None when the legs never separate (crossed legs, a long coat...).
    """
    height = y_bot - y_top + 1
    cols = np.flatnonzero(mask.any(axis=0))
    min_leg = max(2, int(0.05 * (cols.max() - cols.min() + 1)))
    streak, first = 0, None
    for y in range(y_top + int(0.1 * height), y_bot + 1):
        row = mask[y]
        xs = np.flatnonzero(row)
        if xs.size == 0:
            streak = 0
            continue
        # runs of True: split where consecutive columns jump
        breaks = np.flatnonzero(np.diff(xs) > 1)
        starts = np.concatenate([[xs[0]], xs[breaks + 1]])
        ends = np.concatenate([xs[breaks], [xs[-1]]])
        wide = (ends - starts + 1) >= min_leg
        starts, ends = starts[wide], ends[wide]
        split = None
        if starts.size >= 2:
            # the widest gap between kept runs is the one between the legs
            gaps = starts[1:] - ends[:-1]
            g = int(np.argmax(gaps))
            split = (ends[g] + starts[g + 1]) / 2.0
        if split is None:
            streak = 0
            continue
        if streak == 0:
            first = (split, y)
        streak += 1
        if streak >= run_rows:
            return first
    return None


def lower_garment_landmarks(mask: np.ndarray, family: str, left_on_image_right: bool = True) -> dict[str, np.ndarray]:
    """Landmarks of one lower-body garment mask; ``family`` is ``"skirt"`` or ``"trousers"``.

    Returns name -> (x, y) for the landmarks that could be found; missing names are invisible.
    """
    if family not in ("skirt", "trousers"):
        raise ValueError(f"unknown lower-garment family {family!r}")
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return {}
    y_top, y_bot = int(rows[0]), int(rows[-1])
    band = max(2, round(BAND_FRACTION * (y_bot - y_top + 1)))
    points: dict[str, np.ndarray] = {}
    # The waist band starts at the first row that is at least half as wide as the garment's median row: a
    # top worn over the waistband often leaves only a sliver of it visible above.
    xs_any = mask[y_top:y_bot + 1]
    first = xs_any.argmax(axis=1)
    last = xs_any.shape[1] - 1 - xs_any[:, ::-1].argmax(axis=1)
    widths = np.where(xs_any.any(axis=1), last - first + 1, 0)
    wide = np.flatnonzero(widths >= 0.5 * np.median(widths[widths > 0]))
    y_waist = y_top + int(wide[0]) if wide.size else y_top
    waist = _band_extremes(mask, y_waist, y_waist + band)
    if waist is not None:
        _assign(points, ("left_waistline", "right_waistline"), *waist, left_on_image_right)
    crotch = _find_crotch(mask, y_top, y_bot) if family == "trousers" else None
    if crotch is None:
        hem = _band_extremes(mask, y_bot - band, y_bot)
        if hem is not None:
            _assign(points, ("left_hem", "right_hem"), *hem, left_on_image_right)
        return points
    crotch_x, crotch_y = crotch
    points["crotch"] = np.array([crotch_x, crotch_y], dtype=np.float64)
    below = mask.copy()
    below[:crotch_y] = False
    cols = np.arange(mask.shape[1])
    outer, inner = {}, {}
    for side, leg_cols in (("image_left", cols < crotch_x), ("image_right", cols >= crotch_x)):
        leg = below & leg_cols[None, :]
        leg_rows = np.flatnonzero(leg.any(axis=1))
        if leg_rows.size == 0:
            continue
        leg_bot = int(leg_rows[-1])
        ext = _band_extremes(leg, leg_bot - band, leg_bot)
        if ext is None:
            continue
        lo, hi = ext
        outer[side], inner[side] = (lo, hi) if side == "image_left" else (hi, lo)
    if len(outer) == 2:
        _assign(points, ("left_hem", "right_hem"), outer["image_left"], outer["image_right"], left_on_image_right)
        _assign(points, ("left_inner_hem", "right_inner_hem"), inner["image_left"], inner["image_right"],
                left_on_image_right)
    return points


def _polyline_samples(chain: list[np.ndarray], step: float = 1.0) -> np.ndarray:
    """Points every ``step`` pixels along a polyline."""
    out = []
    for a, b in itertools.pairwise(chain):
        n = max(1, int(np.ceil(np.linalg.norm(b - a) / step)))
        t = np.arange(n) / n
        out.append(a[None, :] + t[:, None] * (b - a)[None, :])
    out.append(chain[-1][None, :])
    return np.concatenate(out)


def upper_garment_landmarks(mask: np.ndarray, body: dict[str, np.ndarray] | None = None,
                            left_on_image_right: bool = True, min_visibility: float = 0.5) -> dict[str, np.ndarray]:
    """Landmarks of an upper-body garment mask.

    ``body`` maps body keypoint names to ``(x, y, visibility)``; sleeve ends need the arm (shoulder, elbow and
    optionally wrist) and are found by walking from the shoulder along the arm while the garment covers it.
    Without a body only the collar and hem are derived.
    """
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return {}
    y_top, y_bot = int(rows[0]), int(rows[-1])
    height, width = mask.shape
    band = max(2, round(BAND_FRACTION * (y_bot - y_top + 1)))
    body = body or {}

    def seen(name: str) -> np.ndarray | None:
        p = body.get(name)
        return None if p is None or p[2] < min_visibility else np.asarray(p[:2], dtype=np.float64)

    shoulders = [seen("left_shoulder"), seen("right_shoulder")]
    hips = [seen("left_hip"), seen("right_hip")]
    cols = np.flatnonzero(mask.any(axis=0))
    x_min, x_max = int(cols.min()), int(cols.max())
    if all(s is not None for s in shoulders):
        centre = float((shoulders[0][0] + shoulders[1][0]) / 2)
    else:
        centre = float(np.nonzero(mask)[1].mean())
    points: dict[str, np.ndarray] = {}

    # Collar: the highest point of the garment's top profile on each side of the centre (the neckline corners).
    top = np.where(mask.any(axis=0), mask.argmax(axis=0), height).astype(np.float64)
    reach = 0.3 * (x_max - x_min + 1)
    collar = []
    for lo, hi in ((centre - reach, centre), (centre, centre + reach)):
        xs = np.arange(max(x_min, int(lo)), min(x_max, int(hi)) + 1)
        xs = xs[top[xs] < height]
        if xs.size == 0:
            collar = []
            break
        best = top[xs].min()
        near = xs[top[xs] <= best + 2]
        collar.append(np.array([float(np.median(near)), best]))
    if len(collar) == 2:
        _assign(points, ("left_collar", "right_collar"), collar[0], collar[1], left_on_image_right)

    # Hem: bottom corners of the torso part (columns between the shoulders/hips, widened a little).
    torso = [p for p in shoulders + hips if p is not None]
    if len(torso) >= 2:
        tx = np.array([p[0] for p in torso])
        margin = 0.15 * (tx.max() - tx.min())
        c0, c1 = int(max(0, tx.min() - margin)), int(min(width - 1, tx.max() + margin))
    else:
        c0, c1 = int(x_min + 0.2 * (x_max - x_min)), int(x_max - 0.2 * (x_max - x_min))
    torso_mask = np.zeros_like(mask)
    torso_mask[:, c0:c1 + 1] = mask[:, c0:c1 + 1]
    t_rows = np.flatnonzero(torso_mask.any(axis=1))
    if t_rows.size:
        t_bot = int(t_rows[-1])
        hem = _band_extremes(torso_mask, t_bot - band, t_bot)
        if hem is not None:
            _assign(points, ("left_upper_hem", "right_upper_hem"), *hem, left_on_image_right)

    # Sleeve ends: walk down each arm from the shoulder while the (slightly dilated) garment covers it.
    radius = max(2, round(0.012 * height))
    covered = ndimage.binary_dilation(mask, iterations=radius)
    for side in ("left", "right"):
        chain = [seen(f"{side}_shoulder"), seen(f"{side}_elbow")]
        if chain[0] is None or chain[1] is None:
            continue
        wrist = seen(f"{side}_wrist")
        if wrist is not None:
            chain.append(wrist)
        samples = _polyline_samples(chain)
        xi = np.clip(np.round(samples[:, 0]).astype(int), 0, width - 1)
        yi = np.clip(np.round(samples[:, 1]).astype(int), 0, height - 1)
        on = covered[yi, xi]
        off = np.flatnonzero(~on)
        end = int(off[0]) - 1 if off.size else len(on) - 1
        # a sleeve covers at least a third of the upper arm; less is the armhole of a sleeveless garment
        if end < SLEEVE_MIN_FRACTION * np.linalg.norm(chain[1] - chain[0]):
            continue
        points[f"{side}_sleeve_end"] = samples[end]
    return points


def _pick_lower(areas: dict[str, int], min_area: int) -> tuple[str | None, tuple[str, ...]]:
    """The lower garment family and the labels making up its mask, by area among the worn garments."""
    primary = {name: areas.get(name, 0) for name in SKIRT_LABELS + TROUSER_LABELS}
    name = max(primary, key=primary.get)
    if primary[name] >= min_area:
        return ("skirt" if name in SKIRT_LABELS else "trousers"), (name,)
    under = tuple(n for n in UNDER_TROUSER_LABELS if areas.get(n, 0) >= min_area)
    if sum(areas.get(n, 0) for n in under) >= min_area:
        return "trousers", under
    return None, ()


def garment_landmarks_from_label_map(label_map: np.ndarray, body: dict[str, np.ndarray] | None = None,
                                     label_ids: dict[str, int] | None = None) -> GarmentLandmarks:
    """All garment landmarks of one CCP-style label map (uint8 ids per pixel).

    The person's left is taken to be on the image's right unless ``body`` hips say otherwise (a back view).
    """
    ids = label_ids or CCP_LABEL_IDS
    height, width = label_map.shape
    min_area = int(MIN_AREA_FRACTION * height * width)
    counts = np.bincount(label_map.ravel(), minlength=256)
    areas = {name: int(counts[i]) for name, i in ids.items()}
    left_on_image_right = True
    if body is not None and body.get("left_hip") is not None and body.get("right_hip") is not None:
        lh, rh = body["left_hip"], body["right_hip"]
        if min(lh[2], rh[2]) >= 0.5:
            left_on_image_right = bool(lh[0] >= rh[0])

    found: dict[str, np.ndarray] = {}
    labelled = np.ones(len(GARMENT_NAMES), dtype=bool)
    one_piece = sum(areas.get(n, 0) for n in ONE_PIECE_LABELS) >= min_area

    family, lower_labels = _pick_lower(areas, min_area)
    if family is not None:
        lower = _clean(np.isin(label_map, [ids[n] for n in lower_labels]), min_area)
        found.update(lower_garment_landmarks(lower, family, left_on_image_right))
    elif one_piece:
        labelled[[GARMENT_NAMES.index(n) for n in LOWER_GARMENT_NAMES]] = False

    upper_area = sum(areas.get(n, 0) for n in UPPER_LABELS)
    upper_present = upper_area >= min_area
    if upper_present:
        upper = _clean(np.isin(label_map, [ids[n] for n in UPPER_LABELS]), min_area)
        found.update(upper_garment_landmarks(upper, body, left_on_image_right))
        for side in ("left", "right"):  # without a visible arm the sleeve end is unknown, not absent
            arm = [(body or {}).get(f"{side}_{joint}") for joint in ("shoulder", "elbow")]
            if any(p is None or p[2] < 0.5 for p in arm):
                labelled[GARMENT_NAMES.index(f"{side}_sleeve_end")] = False
    elif one_piece:
        labelled[[GARMENT_NAMES.index(n) for n in UPPER_GARMENT_NAMES]] = False

    points = np.zeros((len(GARMENT_NAMES), 3), dtype=np.float64)
    for i, name in enumerate(GARMENT_NAMES):
        if name in found:
            points[i, :2] = found[name]
            points[i, 2] = 1.0
    return GarmentLandmarks(points=points, labelled=labelled, lower_family=family, upper_present=upper_present)
