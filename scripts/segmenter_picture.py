"""Picture of the source garment mask on test photos: for each photo, the landmark region (the old source mask,
red) and the segmenter's mask (green, with the region's outline in red), as the pipeline finds them; with
``--weights A --weights B`` one green tile per segmenter, to compare them.

    python scripts/segmenter_picture.py --weights OLD.safetensors --weights NEW.safetensors --per-row 2 \
        [--keys jeans_skirt:testA/1541,jeans_skirt:testA/1651,...] --out docs/img/segmenter_masks.png
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw
from scipy import ndimage

from designgan.imaging import contact_sheet
from designgan.io import load_image, save_png
from designgan.landmarks.regions import garment_region
from designgan.landmarks.segment import GarmentMasker

HEIGHT = 360
KEYS = ("jeans_skirt:testA/1065,jeans_skirt:testA/1541,jeans_skirt:testA/1651,jeans_skirt:testB/1012,"
        "jeans_skirt:testB/1076,jeans_skirt:testB/1031")  # data/pants_skirt has no landmarks.jsonl


def overlay(rgb: np.ndarray, fill: np.ndarray | None, outline: np.ndarray, colour: tuple[int, int, int],
            label: str) -> Image.Image:
    """``rgb`` with ``fill`` tinted in ``colour`` and ``outline``'s edge in red."""
    out = rgb.astype(np.float32)
    if fill is not None:
        out[fill] = 0.45 * out[fill] + 0.55 * np.array(colour, dtype=np.float32)
    edge = outline & ~ndimage.binary_erosion(outline, iterations=2)
    out[edge] = (255, 0, 0)
    img = Image.fromarray(out.clip(0, 255).astype(np.uint8))
    ImageDraw.Draw(img).text((6, 4), label, fill=(255, 255, 255))
    return img


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keys", default=KEYS, help="DATASET:KEY,... (records of data/DATASET with landmarks)")
    parser.add_argument("--data", type=Path, default=Path("data"))
    parser.add_argument("--per-row", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("docs/img/segmenter_masks.png"))
    parser.add_argument("--weights", type=Path, action="append", help="segmenter weights (repeatable; default: "
                        "the shipped ones)")
    args = parser.parse_args()
    maskers = [(GarmentMasker.load(w), w.stem if w else "segmenter") for w in (args.weights or [None])]
    tiles = []
    for item in args.keys.split(","):
        dataset, key = item.split(":")
        root = args.data / dataset
        record = next(json.loads(x) for x in (root / "manifest.jsonl").read_text().splitlines()
                      if x.strip() and json.loads(x)["key"] == key)
        points = next(json.loads(x)["points"] for x in (root / "landmarks.jsonl").read_text().splitlines()
                      if x.strip() and json.loads(x)["key"] == key)
        img = load_image(root / record["image"])
        rgb = np.asarray(img)
        region, _ = garment_region(points, record["category"], img.size)
        name = f"{key} ({record['category']})"
        tiles.append(overlay(rgb, region, region, (255, 60, 60), f"{name}: landmark region"))
        tiles += [overlay(rgb, masker.photo_mask(rgb, points, record["category"], region), region, (40, 220, 40),
                          label) for masker, label in maskers]
    per = (1 + len(maskers)) * args.per_row
    save_png(contact_sheet([tiles[i:i + per] for i in range(0, len(tiles), per)], HEIGHT), args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
