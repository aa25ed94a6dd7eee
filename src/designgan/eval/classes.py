"""The judge's label set and how CCP's 59 labels map onto it.

Upper-body garments are merged (the judge measures *lower*-garment translations), every lower-garment category
keeps its own class, leg coverings are merged into ``legwear`` and the small items into ``shoes`` and
``accessories``. One-piece ``romper`` counts as ``dress``.
"""

from __future__ import annotations

import numpy as np

JUDGE_CLASSES: tuple[str, ...] = (
    "background", "skin", "hair", "upper", "jeans", "pants", "skirt", "shorts", "dress", "legwear", "shoes",
    "accessories",
)
LOWER_GARMENTS: tuple[str, ...] = ("jeans", "pants", "skirt", "shorts", "dress", "legwear")
NUM_CLASSES = len(JUDGE_CLASSES)

# CCP label name -> judge class name; CCP labels not listed here ("null") are background.
CCP_TO_JUDGE: dict[str, str] = {
    "skin": "skin", "hair": "hair",
    **{name: "upper" for name in (
        "blazer", "blouse", "bodysuit", "bra", "cape", "cardigan", "coat", "hoodie", "intimate", "jacket", "jumper",
        "shirt", "suit", "sweater", "sweatshirt", "swimwear", "t-shirt", "top", "vest")},
    "jeans": "jeans", "pants": "pants", "skirt": "skirt", "shorts": "shorts", "dress": "dress", "romper": "dress",
    **{name: "legwear" for name in ("leggings", "tights", "stockings", "socks")},
    **{name: "shoes" for name in (
        "boots", "clogs", "flats", "heels", "loafers", "pumps", "sandals", "shoes", "sneakers", "wedges")},
    **{name: "accessories" for name in (
        "accessories", "bag", "belt", "bracelet", "earrings", "glasses", "gloves", "hat", "necklace", "panties",
        "purse", "ring", "scarf", "sunglasses", "tie", "wallet", "watch")},
}


def class_id(name: str) -> int:
    """Judge class id of ``name``; raises ``KeyError`` naming the known classes."""
    try:
        return JUDGE_CLASSES.index(name)
    except ValueError:
        raise KeyError(f"unknown judge class '{name}' (classes: {', '.join(JUDGE_CLASSES)})") from None


def ccp_lookup(ccp_label_names: list[str]) -> np.ndarray:
    """uint8 lookup table: ``table[ccp_label_id]`` is the judge class id (unknown CCP names -> background)."""
    return np.array([class_id(CCP_TO_JUDGE.get(name, "background")) for name in ccp_label_names], dtype=np.uint8)


def heldout(image_id: str) -> bool:
    """Fixed held-out split of CCP's pixel-level photos for the judge's own score: every 10th id (0010, 0020...)."""
    return int(image_id) % 10 == 0


# Colours for drawn parses (one per class, in JUDGE_CLASSES order).
PALETTE = np.array([
    (0, 0, 0), (255, 200, 160), (90, 50, 20), (230, 60, 60), (40, 80, 200), (120, 120, 40), (230, 120, 220),
    (250, 200, 0), (160, 40, 200), (90, 200, 200), (110, 110, 110), (40, 170, 70),
], dtype=np.uint8)
