"""Photos unlike CCP's, made from CCP test photos: cut at the knee (e-commerce), cropped tight, and the person small
on a studio-grey canvas (45-80% of the height); each translated jeans -> skirt with the bundled model, and a
contact sheet of input | result pairs.

    PYTHONPATH=src python scripts/robust_crops.py [--data data/jeans_skirt] [--out outputs/robust]

Prints one line per photo (translated, or the error); the sheet is OUT/robust_crops.png.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from PIL import Image

from designgan.errors import DesignGANError
from designgan.imaging import contact_sheet
from designgan.pipeline import DesignGANPipeline


def variants(photo: Image.Image) -> dict[str, Image.Image]:
    w, h = photo.size
    out = {"knee_cut": photo.crop((0, int(0.05 * h), w, int(0.68 * h))),
           "tight": photo.crop((int(0.2 * w), int(0.1 * h), int(0.8 * w), h))}
    for share in (0.45, 0.6, 0.8):
        canvas = Image.new("RGB", (int(w * 1.3), h), (235, 235, 235))
        small = photo.resize((int(w * share), int(h * share)))
        canvas.paste(small, ((canvas.width - small.width) // 2, h - small.height))
        out[f"studio_{int(share * 100)}"] = canvas
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("data/jeans_skirt"))
    parser.add_argument("--out", type=Path, default=Path("outputs/robust"))
    parser.add_argument("--ids", default="1541,1651")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    pipe = DesignGANPipeline.from_pretrained("jeans2skirt")
    rows = []
    for image_id in args.ids.split(","):
        photo = Image.open(args.data / "testA" / f"{image_id}.jpg").convert("RGB")
        row = []
        for name, image in variants(photo).items():
            try:
                result = pipe(image, to="skirt").image
                print(f"testA/{image_id} {name}: translated")
            except DesignGANError as exc:
                result = Image.new("RGB", image.size, "white")
                print(f"testA/{image_id} {name}: {exc}")
            row += [image, result]
        rows.append(row)
    sheet = contact_sheet(rows, 300, background=(255, 255, 255))
    sheet.save(args.out / "robust_crops.png")
    print(f"wrote {args.out / 'robust_crops.png'}")


if __name__ == "__main__":
    main()
