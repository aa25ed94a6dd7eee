"""Lower-garment families, the question the garment judge answers: trousers-like, skirt-like or shorts.

- **trousers**: jeans, pants (trousers), leggings, tights worn as trousers;
- **skirt**: a skirt, or the skirt part of a dress (CCP's ``dress`` below the hips);
- **shorts**: shorts.

CCP's ``romper`` covers both playsuits (shorts) and long jumpsuits (trousers), so it decides nothing: a photo
whose only lower garment is a romper has no family and is not trained on.

A CCP photo's family comes from its pixel-level label map (:func:`photo_family`, here: training and evaluation);
a dataset domain's family from its category name (:func:`family_of`, in :mod:`designgan.landmarks.garment_family`
with the families, below the pipeline that asks the classifier). The per-pixel map (:data:`PIXEL_CLASSES`) is the
garment judge's auxiliary training target.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from designgan.landmarks.garment_family import CATEGORY_FAMILY, FAMILIES, PIXEL_CLASSES, family_index, family_of

__all__ = ["CATEGORY_FAMILY", "FAMILIES", "MIN_AREA", "PIXEL_CLASSES", "family_index", "family_of", "photo_family",
           "pixel_lookup"]

_CCP_PIXEL: dict[str, str] = {
    "skin": "skin", "jeans": "trousers", "pants": "trousers", "leggings": "trousers", "tights": "legwear",
    "skirt": "skirt", "dress": "skirt", "shorts": "shorts", "stockings": "legwear",
    "socks": "legwear", "null": "background",
}
MIN_AREA = 0.004  # of the photo: smaller garment regions do not decide the family


def pixel_lookup(ccp_label_names: Sequence[str]) -> np.ndarray:
    """uint8 table: ``table[ccp_label_id]`` is the :data:`PIXEL_CLASSES` id (other garments, hair, shoes,
    accessories -> other)."""
    return np.array([PIXEL_CLASSES.index(_CCP_PIXEL.get(name, "other")) if name else 0
                     for name in ccp_label_names], dtype=np.uint8)


def photo_family(label_map: np.ndarray, ccp_label_names: Sequence[str], hip_y: float) -> int | None:
    """Family id of the person's lower garment from a CCP label map, or None when there is none to speak of.

    Areas compared: trousers = jeans + pants; skirt = skirt + the dress pixels below ``hip_y`` (the skirt part
    of a dress); shorts = shorts. The largest of them wins if it covers at least :data:`MIN_AREA` of
    the photo; otherwise leggings or tights make it trousers (worn as trousers); otherwise None.
    """
    names = list(ccp_label_names)
    counts = np.bincount(label_map.ravel(), minlength=len(names)).astype(np.float64)

    def area(*wanted: str) -> float:
        return float(sum(counts[names.index(n)] for n in wanted if n in names))

    below = label_map[max(0, int(hip_y)):]
    dress_below = float((below == names.index("dress")).sum()) if "dress" in names else 0.0
    areas = np.array([area("jeans", "pants"), area("skirt") + dress_below, area("shorts")])
    limit = MIN_AREA * label_map.size
    if areas.max() >= limit:
        return int(areas.argmax())
    if area("leggings", "tights") >= limit:
        return FAMILIES.index("trousers")
    return None
