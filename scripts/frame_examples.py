"""Picture of the lower-body garment frame on CCP test photos (docs/img/garment_frame.png).

    python scripts/frame_examples.py --data data/jeans_skirt --out docs/img/garment_frame.png

Each photo is resampled into the frame with its cached landmarks (designgan landmarks cache), as the frame packs
and the pipeline do; photos are taken evenly from both domains' test split.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch

from designgan.data import TwoDomainData
from designgan.io import load_image, save_png
from designgan.landmarks.frame import FrameSpec, lower_body_frame, warp
from designgan.landmarks.schema import LANDMARK_NAMES
from designgan.train.dataset import read_landmark_file


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--per-domain", type=int, default=5)
    args = parser.parse_args()
    data = TwoDomainData.open(args.data)
    table = read_landmark_file(args.data / "landmarks.jsonl", LANDMARK_NAMES)
    spec = FrameSpec(size=(256, 128))
    tiles = []
    for domain in ("a", "b"):
        records = list(data.records(split="test", domain=domain))
        step = max(1, len(records) // args.per_domain)
        for record in records[::step][:args.per_domain]:
            points = {n: tuple(table[record.key][i]) for i, n in enumerate(LANDMARK_NAMES)}
            matrix, reason = lower_body_frame(points, spec)
            if matrix is None:
                print(f"{record.key}: {reason}")
                continue
            photo = torch.from_numpy(np.asarray(load_image(record.path("image"))).copy()).permute(2, 0, 1)[None]
            tiles.append(warp(photo.float(), matrix, spec.size)[0].round().clamp(0, 255).byte().permute(1, 2, 0))
    gap = torch.full((spec.size[0], 4, 3), 255, dtype=torch.uint8)
    row = torch.cat([t for tile in tiles for t in (tile, gap)][:-1], dim=1)
    save_png(row.numpy(), args.out)
    print(f"wrote {args.out} ({len(tiles)} photos)")


if __name__ == "__main__":
    main()
