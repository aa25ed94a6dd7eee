"""Picture of the design controls (issue 30): one photo as a skirt in four lengths (mini, knee, midi, maxi) and two
cuts (rows), the photo itself first in each row, and (with --shorts) a photo as shorts and cropped trousers.

    PYTHONPATH=src python scripts/design_controls.py --photo src/designgan/assets/examples/ccp_1065.jpg \
        --cuts a-line,flared --shorts data/pants_shorts/testA/1011.jpg --out docs/img/design_controls.png

Each panel is the bundled rendered prior (``jeans2skirt``, or ``--model``) through the whole pipeline with that
:class:`designgan.models.prior_style.PriorStyle`; the label names it.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from PIL import Image, ImageDraw

from designgan.imaging import contact_sheet, fit_height
from designgan.io import load_image, save_png
from designgan.models.prior_style import PriorStyle
from designgan.pipeline import DesignGANPipeline

HEIGHT = 480
LENGTHS = ("mini", "knee", "midi", "maxi")


def labelled(image: Image.Image, label: str) -> Image.Image:
    tile = fit_height(image, HEIGHT).copy()
    draw = ImageDraw.Draw(tile)
    draw.rectangle((0, 0, 7 * len(label) + 10, 18), fill=(0, 0, 0))
    draw.text((5, 3), label, fill=(255, 255, 255))
    return tile


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photo", type=Path, default=Path("src/designgan/assets/examples/ccp_1065.jpg"))
    parser.add_argument("--model", default="jeans2skirt")
    parser.add_argument("--to", default="skirt")
    parser.add_argument("--cuts", default="a-line,flared", help="comma-separated skirt cuts, one row each")
    parser.add_argument("--shorts", type=Path, default=None, help="also a row of this photo of trousers as "
                        "shorts and cropped trousers (model trousers2shorts)")
    parser.add_argument("--out", type=Path, default=Path("docs/img/design_controls.png"))
    args = parser.parse_args()
    photo = load_image(args.photo)
    pipe = DesignGANPipeline.from_pretrained(args.model, precision="fp32", device="cpu")
    rows = []
    for cut in args.cuts.split(","):
        row = [labelled(photo, "photo")]
        for length in LENGTHS:
            result = pipe(photo, to=args.to, style=PriorStyle(length=length, cut=cut))
            row.append(labelled(result.image, f"{length}, {cut}"))
            print(f"{args.photo.name}: {length} {cut} drawn")
        rows.append(row)
    if args.shorts is not None:
        shorts = DesignGANPipeline.from_pretrained("trousers2shorts", landmarks=pipe.landmarks, precision="fp32",
                                                   device="cpu")
        trousers = load_image(args.shorts)
        row = [labelled(trousers, "photo")]
        for to, style, label in (("shorts", PriorStyle(), "shorts"), ("shorts", PriorStyle(length=0.4), "0.4 leg"),
                                 ("shorts", PriorStyle(length="cropped"), "cropped"),
                                 ("shorts", PriorStyle(fit="wide"), "shorts, wide")):
            row.append(labelled(shorts(trousers, to=to, style=style).image, label))
        rows.append(row)
    save_png(contact_sheet(rows, HEIGHT), args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
