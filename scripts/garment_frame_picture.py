"""Picture of the garment judge's lower-body frame on a few CCP photos: the photo with the frame drawn on it, the
aligned crop the judge sees, and the judge's answer.

    python scripts/garment_frame_picture.py --ccp-root ../shared/datasets/ccp --ids 0010,0150,0330,0520,0790 \
        --out docs/img/judge_frame.png [--landmarks-cache data/ccp_pixel_landmarks.jsonl]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from designgan.data import CCP
from designgan.eval.garment_family import FAMILIES
from designgan.eval.garment_judge import FRAME_SIZE, GarmentJudge, crop_image, frame_matrix
from designgan.io import load_image, save_png
from designgan.landmarks.ccp_points import ccp_landmarks
from designgan.landmarks.frame import apply, invert

HEIGHT = 320


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ccp-root", type=Path, default=Path("../shared/datasets/ccp"))
    parser.add_argument("--ids", default="0010,0150,0330,0520,0790")
    parser.add_argument("--landmarks-cache", type=Path, default=Path("data/ccp_pixel_landmarks.jsonl"))
    parser.add_argument("--out", type=Path, default=Path("docs/img/judge_frame.png"))
    args = parser.parse_args()
    ccp = CCP(args.ccp_root)
    ids = args.ids.split(",")
    points = ccp_landmarks(ccp, ids, args.landmarks_cache, progress=False)
    judge = GarmentJudge.load()
    cells = []
    for image_id in ids:
        img = load_image(ccp.photo_path(image_id))
        matrix = frame_matrix(points[image_id])
        h, w = FRAME_SIZE
        # the frame's outer edges, pixel centres -0.5 and size - 0.5, in the photo
        corners = apply(invert(matrix), np.array([(-0.5, -0.5), (w - 0.5, -0.5), (w - 0.5, h - 0.5), (-0.5, h - 0.5),
                                                   (-0.5, -0.5)]))
        drawn = img.copy()
        ImageDraw.Draw(drawn).line([tuple(c) for c in corners], fill=(255, 40, 40), width=4)
        drawn = drawn.resize((round(img.width * HEIGHT / img.height), HEIGHT), Image.BILINEAR)
        crop = crop_image(img, matrix, FRAME_SIZE)
        probs = judge.probabilities(crop[None])[0]
        crop_img = Image.fromarray(crop).resize((round(w * HEIGHT / h), HEIGHT), Image.BILINEAR)
        cell = Image.new("RGB", (drawn.width + crop_img.width + 4, HEIGHT + 18), "white")
        cell.paste(drawn, (0, 18))
        cell.paste(crop_img, (drawn.width + 4, 18))
        ImageDraw.Draw(cell).text((3, 3), f"{image_id}: {FAMILIES[int(probs.argmax())]} {probs.max():.2f}",
                                  fill="black")
        cells.append(cell)
    sheet = Image.new("RGB", (sum(c.width for c in cells) + 8 * (len(cells) - 1), HEIGHT + 18), "white")
    x = 0
    for c in cells:
        sheet.paste(c, (x, 0))
        x += c.width + 8
    save_png(sheet, args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
