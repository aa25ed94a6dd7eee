"""Lower-garment families, the question the garment classifier answers: trousers-like, skirt-like or shorts.

- **trousers**: jeans, pants (trousers), leggings, tights worn as trousers;
- **skirt**: a skirt, or the skirt part of a dress;
- **shorts**: shorts.

A dataset domain's family comes from its category name (:func:`family_of`); a CCP photo's from its label map
(:func:`designgan.eval.garment_family.photo_family`, training and evaluation only). :data:`PIXEL_CLASSES` are the
classes of the network's auxiliary per-pixel head.
"""

from __future__ import annotations

from designgan.data import category_members
from designgan.errors import DataError

FAMILIES: tuple[str, ...] = ("trousers", "skirt", "shorts")

CATEGORY_FAMILY: dict[str, str] = {
    "jeans": "trousers", "pants": "trousers", "trousers": "trousers", "leggings": "trousers", "tights": "trousers",
    "skirt": "skirt", "dress": "skirt", "shorts": "shorts",
}

PIXEL_CLASSES: tuple[str, ...] = ("background", "skin", "trousers", "skirt", "shorts", "legwear", "other")


def family_of(category: str) -> str:
    """Family of a dataset category or group domain (``jeans+pants`` -> trousers); a DataError when the
    category is not a lower garment or a group mixes families."""
    found = set()
    for part in category_members(category):
        if part not in CATEGORY_FAMILY:
            raise DataError(f"category '{part}' is not a lower garment the garment judge knows "
                            f"({', '.join(sorted(CATEGORY_FAMILY))})")
        found.add(CATEGORY_FAMILY[part])
    if len(found) != 1:
        raise DataError(f"domain '{category}' mixes garment families ({', '.join(sorted(found))})")
    return found.pop()


def family_index(category: str) -> int:
    return FAMILIES.index(family_of(category))
