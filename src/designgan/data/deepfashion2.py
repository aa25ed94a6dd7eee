"""Reader for DeepFashion2 (Ge et al., CVPR 2019): per-image JSON with items, landmarks and polygons.

Layout: ``{train,validation}/image/NNNNNN.jpg`` and ``{train,validation}/annos/NNNNNN.json``; each JSON has
``item1``, ``item2``, ... with ``category_name``, ``landmarks`` ([x, y, v] * n), ``segmentation`` (polygons).
``train`` becomes our train split, ``validation`` our test split (DeepFashion2's test labels are not public).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from designgan.data.builder import Annotation, SourceItem
from designgan.errors import DataError
from designgan.io import image_size

CATEGORIES = (
    "short sleeve top", "long sleeve top", "short sleeve outwear", "long sleeve outwear", "vest", "sling",
    "shorts", "trousers", "skirt", "short sleeve dress", "long sleeve dress", "vest dress", "sling dress",
)
SPLITS = {"train": "train", "validation": "test"}


def read_annotation(path: Path) -> list[dict[str, Any]]:
    """The items of one DeepFashion2 annotation file, checked for the fields we use."""
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: not a readable DeepFashion2 annotation ({exc})") from None
    items = []
    for key in sorted(k for k in data if k.startswith("item")):
        item = data[key]
        for needed in ("category_name", "segmentation"):
            if needed not in item:
                raise DataError(f"{path}: {key} has no '{needed}'")
        if item["category_name"] not in CATEGORIES:
            raise DataError(f"{path}: {key} has unknown category {item['category_name']!r}")
        items.append(item)
    return items


def rasterize(polygons: list[list[float]], size: tuple[int, int]) -> np.ndarray:
    """Fill DeepFashion2 polygons ([x1, y1, x2, y2, ...] each) into a bool mask of ``size`` = (w, h)."""
    canvas = Image.new("L", size, 0)
    draw = ImageDraw.Draw(canvas)
    for poly in polygons:
        if len(poly) >= 6:
            draw.polygon([(poly[i], poly[i + 1]) for i in range(0, len(poly) - 1, 2)], fill=255)
    return np.asarray(canvas) > 0


def deepfashion2_items(root: str | Path, categories: list[str]) -> Iterator[SourceItem]:
    root = Path(root)
    unknown = [c for c in categories if c not in CATEGORIES]
    if unknown:
        raise DataError(f"unknown DeepFashion2 category '{unknown[0]}' (categories: {', '.join(CATEGORIES)})")
    splits = [s for s in SPLITS if (root / s / "annos").is_dir()]
    if not splits:
        raise DataError(f"{root}: no train/annos or validation/annos folder (is it a DeepFashion2 root?)")
    for split in splits:
        for anno in sorted((root / split / "annos").glob("*.json")):
            image_path = root / split / "image" / f"{anno.stem}.jpg"
            if not image_path.is_file():
                raise DataError(f"{anno}: its image {image_path} is missing")
            items = read_annotation(anno)
            present = [it for it in items if it["category_name"] in categories]
            if not present:
                continue
            yield SourceItem(
                id=anno.stem, split=SPLITS[split], image_path=image_path,  # type: ignore[arg-type]
                category_area={it["category_name"]: _polygon_area(it["segmentation"]) for it in present},
                tags=sorted({it["category_name"] for it in items}),
                load_annotation=functools.partial(_annotation, image_path, present),
            )


def _polygon_area(polygons: list[list[float]]) -> float:
    total = 0.0
    for poly in polygons:
        xs, ys = np.asarray(poly[0::2], dtype=float), np.asarray(poly[1::2], dtype=float)
        total += 0.5 * abs(float(np.dot(xs, np.roll(ys, 1)) - np.dot(ys, np.roll(xs, 1))))
    return total


def _annotation(image_path: Path, items: list[dict[str, Any]]) -> Annotation:
    size = image_size(image_path)
    masks: dict[str, np.ndarray] = {}
    landmarks: dict[str, list[list[float]]] = {}
    for item in items:
        name = item["category_name"]
        mask = rasterize(item["segmentation"], size)
        masks[name] = masks[name] | mask if name in masks else mask
        marks = item.get("landmarks", [])
        landmarks[name] = [[float(v) for v in marks[i:i + 3]] for i in range(0, len(marks) - 2, 3)]
    return Annotation(category_masks=masks, extra={"garment_landmarks": landmarks})
