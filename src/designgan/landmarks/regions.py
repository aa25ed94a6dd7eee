"""Garment regions drawn from landmarks: where a garment of a category is on a person, as a polygon or a mask.

Used by the inference pipeline (the source garment of a photo) and by training (``data.garment_attention:
landmarks``, so training sees the region inference will give); both import it from here.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageDraw

from designgan.data.builder import category_members
from designgan.errors import DesignGANError

# Garment families: which landmarks outline a garment of each category.
SKIRT_CATEGORIES = ("skirt",)
TROUSER_CATEGORIES = ("jeans", "pants", "trousers", "leggings", "tights")
SHORTS_CATEGORIES = ("shorts",)
LOWER_CATEGORIES = SKIRT_CATEGORIES + TROUSER_CATEGORIES + SHORTS_CATEGORIES

LANDMARK_CONFIDENCE = 0.3  # landmarks below this are treated as not seen


def garment_family(category: str) -> str:
    """'skirt', 'shorts' or 'trousers'; a group domain such as 'jeans+pants' has the family its members share."""
    members = category_members(category)
    if len(members) > 1:
        families = {garment_family(part) for part in members}
        if len(families) != 1:
            raise DesignGANError(f"category group '{category}' mixes garment outlines ({', '.join(sorted(families))})")
        return families.pop()
    c = category.lower()
    if c in SKIRT_CATEGORIES:
        return "skirt"
    if c in SHORTS_CATEGORIES:
        return "shorts"
    if c in TROUSER_CATEGORIES:
        return "trousers"
    raise DesignGANError(f"category '{category}' has no garment outline (known: {', '.join(LOWER_CATEGORIES)})")


def _seen(points: dict[str, tuple[float, float, float]], names: Sequence[str], threshold: float) -> bool:
    return all(n in points and points[n][2] >= threshold for n in names)


def _xy(points: dict[str, tuple[float, float, float]], name: str) -> np.ndarray:
    return np.array(points[name][:2], dtype=np.float64)


def garment_polygon(points: dict[str, tuple[float, float, float]], category: str,
                    threshold: float = LANDMARK_CONFIDENCE) -> list[tuple[float, float]] | None:
    """Outline of the garment of ``category`` from its garment landmarks (waistline, hems, crotch), in image
    pixels, or None unless all of them are seen. Order: the person's right waist (image left), left waist, then
    down the left side and back up the right."""
    family = garment_family(category)
    if family == "skirt":
        names = ["right_waistline", "left_waistline", "left_hem", "right_hem"]
    else:
        names = ["right_waistline", "left_waistline", "left_hem", "left_inner_hem", "crotch", "right_inner_hem",
                 "right_hem"]
    if _seen(points, names, threshold):
        return [tuple(_xy(points, n)) for n in names]  # type: ignore[misc]
    return None


def body_garment_mask(points: dict[str, tuple[float, float, float]], category: str, size: tuple[int, int],
                      threshold: float = LANDMARK_CONFIDENCE) -> np.ndarray | None:
    """Where a garment of ``category`` would be, estimated from the body keypoints alone (hips and knees needed;
    ankles for trousers), as a bool (H, W) mask; ``size`` is (w, h).

    Trousers and shorts: a pelvis band from above the hips to the crotch plus a capsule along each thigh (and
    shin). Skirt: a trapezoid from the waist to just below the knees. Widths grow with the hip width and, for
    people seen side-on (narrow hips), with the torso length.
    """
    family = garment_family(category)
    if not _seen(points, ["left_hip", "right_hip", "left_knee", "right_knee"], threshold):
        return None
    lh, rh, lk, rk = (_xy(points, n) for n in ("left_hip", "right_hip", "left_knee", "right_knee"))
    have_ankles = _seen(points, ["left_ankle", "right_ankle"], threshold)
    la = _xy(points, "left_ankle") if have_ankles else lk + (lk - lh)
    ra = _xy(points, "right_ankle") if have_ankles else rk + (rk - rh)
    hips, knees = (lh + rh) / 2, (lk + rk) / 2
    thigh = max(float(np.linalg.norm(knees - hips)), 1.0)
    torso = thigh  # when the shoulders are not seen, a thigh is about a torso long
    if _seen(points, ["left_shoulder", "right_shoulder"], threshold):
        torso = float(np.linalg.norm((_xy(points, "left_shoulder") + _xy(points, "right_shoulder")) / 2 - hips))
    hip_width = float(np.linalg.norm(lh - rh))
    down = (knees - hips) / thigh
    side = np.array([down[1], -down[0]])  # perpendicular; sign fixed below so it points to the person's left
    if np.dot(side, lh - rh) < 0:
        side = -side
    radius = max(0.45 * hip_width, 0.16 * torso, 2.0)  # half a thigh's width
    up = -0.18 * torso * down  # the waistband sits above the hip joints
    canvas = Image.new("L", size, 0)
    draw = ImageDraw.Draw(canvas)
    if family == "skirt":
        flare = 1.25 * radius
        quad = [rh - radius * side + up, lh + radius * side + up, lk + flare * side + 0.1 * thigh * down,
                rk - flare * side + 0.1 * thigh * down]
        draw.polygon([tuple(p) for p in quad], fill=255)
        return np.asarray(canvas) > 127
    pelvis = [rh - radius * side + up, lh + radius * side + up, lh + radius * side + 0.35 * thigh * down,
              rh - radius * side + 0.35 * thigh * down]
    draw.polygon([tuple(p) for p in pelvis], fill=255)
    legs = ((lh, lk, la), (rh, rk, ra)) if family == "trousers" else ((lh, (lh + lk) / 2), (rh, (rh + rk) / 2))
    for joints in legs:
        for (a, b), r in zip(itertools.pairwise(joints), (radius, 0.75 * radius), strict=False):
            draw.line([tuple(a), tuple(b)], fill=255, width=max(1, round(2 * r)))
            for p in (a, b):
                draw.ellipse([p[0] - r, p[1] - r, p[0] + r, p[1] + r], fill=255)
    return np.asarray(canvas) > 127


def garment_region(points: dict[str, tuple[float, float, float]], category: str, size: tuple[int, int],
                   threshold: float = LANDMARK_CONFIDENCE
                   ) -> tuple[np.ndarray | None, list[tuple[float, float]] | None]:
    """(bool mask, outline) of the garment: from the garment landmarks when all are seen, else from the body
    keypoints (outline None), else (None, None)."""
    polygon = garment_polygon(points, category, threshold)
    if polygon is not None:
        return polygon_mask(polygon, size), polygon
    return body_garment_mask(points, category, size, threshold), None


def polygon_mask(polygon: Sequence[tuple[float, float]], size: tuple[int, int]) -> np.ndarray:
    """Bool (H, W) mask of a polygon given in pixel coordinates; ``size`` is (w, h)."""
    canvas = Image.new("L", size, 0)
    ImageDraw.Draw(canvas).polygon([(float(x), float(y)) for x, y in polygon], fill=255)
    return np.asarray(canvas) > 127


def person_box(points: dict[str, tuple[float, float, float]], threshold: float = LANDMARK_CONFIDENCE
               ) -> tuple[float, float, float, float] | None:
    """(x0, y0, x1, y1) around the seen landmarks, or None when fewer than 3 are seen."""
    xy = np.array([p[:2] for p in points.values() if p[2] >= threshold], dtype=np.float64)
    if len(xy) < 3:
        return None
    return float(xy[:, 0].min()), float(xy[:, 1].min()), float(xy[:, 0].max()), float(xy[:, 1].max())



# The landmark network's garment evidence: trousers have inner hems and a crotch, skirts have neither. The mean
# confidence of those three landmarks, measured on CCP's test photos (data/{jeans,pants}_skirt landmark caches):
# below 0.1 for 1.1% of jeans, 4.3% of pants and 55-57% of skirts; above 0.5 for 70% of jeans, 54% of pants and
# 1-2% of skirts. So it is read only where it is decisive, and a photo it cannot place is edited as asked.
# Those hems sit at the ankles: in a photo cut above them (an e-commerce crop at the knee, a half-body shot) the
# evidence is absent, not negative (CCP's jeans test photos cut at 68% of the height: 27 of 87 were refused as
# skirts). It counts only where an ankle is seen: confidence >= 0.5 and above the bottom 3% of the photo, where
# the network puts the ankles of legs squeezed into a cut photo (`scripts/robust_crops.py --cuts`). Uncut test
# photos keep 330 of the 342 refusals they had (the rest are edited as asked).
TROUSER_EVIDENCE = ("left_inner_hem", "right_inner_hem", "crotch")
SKIRT_BELOW, TROUSERS_ABOVE = 0.1, 0.5
ANKLE_SEEN, ANKLE_MARGIN = 0.5, 0.03


def trouser_evidence(points: dict[str, tuple[float, float, float]]) -> float:
    """Mean confidence of the landmarks only trousers have (0 where none was predicted)."""
    return float(np.mean([float(points[n][2]) if n in points else 0.0 for n in TROUSER_EVIDENCE]))


def ankles_in_view(points: dict[str, tuple[float, float, float]], photo_height: int) -> bool:
    """Whether an ankle is seen: predicted with confidence and not at (or below) the photo's bottom edge."""
    return any(n in points and points[n][2] >= ANKLE_SEEN and points[n][1] < (1 - ANKLE_MARGIN) * photo_height
               for n in ("left_ankle", "right_ankle"))
