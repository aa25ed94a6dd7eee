"""A contact sheet of a two-domain dataset: photos with their garment (red) and skin (green) masks."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from designgan.data.manifest import Record, TwoDomainData
from designgan.imaging import contact_sheet, fit_height
from designgan.io import load_image, load_mask

GARMENT_RGB = np.array([230, 40, 40], dtype=np.float32)
SKIN_RGB = np.array([40, 200, 60], dtype=np.float32)


def overlay_masks(image: Image.Image, garment: np.ndarray | None, skin: np.ndarray | None,
                  alpha: float = 0.45) -> Image.Image:
    """Tint garment pixels red and skin pixels green."""
    arr = np.asarray(image, dtype=np.float32).copy()
    for mask, colour in ((garment, GARMENT_RGB), (skin, SKIN_RGB)):
        if mask is not None:
            arr[mask] = (1 - alpha) * arr[mask] + alpha * colour
    return Image.fromarray(arr.clip(0, 255).astype(np.uint8))


def record_tile(record: Record, height: int = 240) -> Image.Image:
    image = load_image(record.path("image"))
    garment = load_mask(record.path("garment_mask"), image.size) if record.garment_mask else None
    skin = load_mask(record.path("skin_mask"), image.size) if record.skin_mask else None
    tile = overlay_masks(image, garment, skin)
    tile = fit_height(tile, height)
    ImageDraw.Draw(tile).text((4, 4), f"{record.key} ({record.category})", fill=(255, 255, 0))
    return tile


def dataset_preview(data: TwoDomainData, per_row: int = 6, height: int = 240) -> Image.Image:
    """One row per split/domain with up to ``per_row`` records each."""
    rows = [[record_tile(r, height) for r in data.records(split, domain)[:per_row]]
            for split in ("train", "test") for domain in ("a", "b")]
    return contact_sheet(rows, height, background=(20, 20, 20))
