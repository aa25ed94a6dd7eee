"""Photos unlike CCP's, made from CCP test photos: cut at the knee (e-commerce), cropped tight, the person small
on a studio-grey canvas (45-80% of the height), and from the waist down; each translated jeans -> skirt with the
bundled model, and a contact sheet of input | result pairs.

    PYTHONPATH=src python scripts/robust_crops.py [--data data/jeans_skirt] [--out outputs/robust]
    PYTHONPATH=src python scripts/robust_crops.py --sweep [--ids 1541,1651,1656]
    PYTHONPATH=src python scripts/robust_crops.py --cuts [--ids all]
    PYTHONPATH=src python scripts/robust_crops.py --group-cuts [--composites data/composites]

Prints one line per photo (translated, or the error); the sheet is OUT/robust_crops.png. ``--sweep``: instead,
each photo pasted at 30/45/60/80/100% of a grey canvas's height, on a portrait canvas (1.3x the photo's width), a
16:9 landscape one, and the landscape one with two people side by side (the photo and the next id's); one line
per canvas: people found, pasted people edited (a person edited whose box centre lies in a pasted photo),
seconds, and a table of the translated share per layout and scale. ``--cuts``: each photo cut at 80 / 68 / 55% of
its height (mid-calf, knee, mid-thigh: e-commerce and half-body framings) and with its top 30 / 42% cut off
(chest-down and waist-down shots); per cut, how many were translated, how many of the new skirts start where
the uncut photo's edit starts its skirt, and why the others were not translated. ``--group-cuts``: the same for
photos of several people (``designgan data composites``), cut at 80 / 68% of their height; counted per person:
edited, and the new skirt (the edit's mask in the person's columns) starting where the uncut photo's does.
"""

from __future__ import annotations

import argparse
import contextlib
import time
from collections import Counter
from pathlib import Path

import numpy as np
from PIL import Image

from designgan.data import TwoDomainData
from designgan.errors import DesignGANError
from designgan.imaging import contact_sheet
from designgan.io import load_image
from designgan.landmarks.regions import person_box
from designgan.pipeline import DesignGANPipeline

GREY = (235, 235, 235)
SHARES = (0.3, 0.45, 0.6, 0.8, 1.0)
CUTS = (0.8, 0.68, 0.55)  # kept from the top: the photo cut at the calf, the knee, the thigh
TOP_CUTS = (0.3, 0.42)  # cut off at the top: chest-down and waist-down shots
PLACED = 0.05  # a cut photo's new skirt starts this close to the uncut edit's (share of the cut photo's height)
LAYOUTS = ("portrait", "landscape", "landscape_two")


def variants(photo: Image.Image) -> dict[str, Image.Image]:
    w, h = photo.size
    out = {"knee_cut": photo.crop((0, int(0.05 * h), w, int(0.68 * h))),
           "tight": photo.crop((int(0.2 * w), int(0.1 * h), int(0.8 * w), h))}
    for share in (0.45, 0.6, 0.8):
        canvas = Image.new("RGB", (int(w * 1.3), h), GREY)
        small = photo.resize((int(w * share), int(h * share)))
        canvas.paste(small, ((canvas.width - small.width) // 2, h - small.height))
        out[f"studio_{int(share * 100)}"] = canvas
    out["waist_down"] = photo.crop((0, round(TOP_CUTS[-1] * h), w, h))
    return out


def pasted(photos: list[Image.Image], share: float, width: int, height: int
           ) -> tuple[Image.Image, list[tuple[int, int, int, int]]]:
    """``photos`` scaled to ``share`` of a grey canvas's height, standing on its bottom edge, spread evenly across;
    the canvas and where each was pasted."""
    canvas, rects = Image.new("RGB", (width, height), GREY), []
    for k, photo in enumerate(photos):
        small = photo.resize((round(photo.width * share * height / photo.height), round(share * height)))
        x0 = min(max(0, round(width * (k + 1) / (len(photos) + 1) - small.width / 2)), width - small.width)
        canvas.paste(small, (x0, height - small.height))
        rects.append((x0, height - small.height, x0 + small.width, height))
    return canvas, rects


def layout(name: str, photos: list[Image.Image], share: float) -> tuple[Image.Image, list[tuple[int, int, int, int]]]:
    h = photos[0].height
    if name == "portrait":
        return pasted(photos[:1], share, round(1.3 * photos[0].width), h)
    return pasted(photos[:2] if name == "landscape_two" else photos[:1], share, round(16 / 9 * h), h)


def edited_inside(output, rects: list[tuple[int, int, int, int]]) -> int:
    """How many pasted photos hold the box centre of a person the pipeline edited."""
    centres = [((b[0] + b[2]) / 2, (b[1] + b[3]) / 2) for e in output.people
               if (b := person_box(e.person.points)) is not None]
    return sum(any(r[0] <= x < r[2] and r[1] <= y < r[3] for x, y in centres) for r in rects)


def sweep(pipe: DesignGANPipeline, photos: dict[str, Image.Image]) -> None:
    ids = list(photos)
    done = {(name, share): [0, 0] for name in LAYOUTS for share in SHARES}  # pasted people edited, pasted people
    for i, image_id in enumerate(ids):
        pair = [photos[image_id], photos[ids[(i + 1) % len(ids)]]]
        for name in LAYOUTS:
            for share in SHARES:
                canvas, rects = layout(name, pair, share)
                start = time.perf_counter()
                try:
                    out = pipe(canvas, to="skirt")
                    found, edited, note = out.people_found, edited_inside(out, rects), ""
                except DesignGANError as exc:
                    found, edited, note = getattr(exc, "people_found", 0), 0, f" ({exc})"
                seconds = time.perf_counter() - start
                done[name, share][0] += edited
                done[name, share][1] += len(rects)
                print(f"testA/{image_id} {name} {share:.0%} {canvas.width}x{canvas.height}: found {found}, "
                      f"edited {edited}/{len(rects)}, {seconds:.1f} s{note}")
    print("layout          " + "".join(f"{s:>8.0%}" for s in SHARES))
    for name in LAYOUTS:
        print(f"{name:<16}" + "".join(f"{done[name, s][0]:>5}/{done[name, s][1]:<2}" for s in SHARES))


def first_row(mask: np.ndarray) -> int | None:
    """The first row of a bool mask that holds any pixel (None when it is empty)."""
    rows = np.flatnonzero(mask.any(axis=1))
    return int(rows[0]) if len(rows) else None


def skirt_top(output) -> int | None:
    """The first row of the new garment's mask (None when it is empty)."""
    return first_row(output.target_mask)


def cuts(pipe: DesignGANPipeline, photos: dict[str, Image.Image]) -> None:
    reference = {}  # where the uncut photo's new skirt starts (its first row)
    for image_id, photo in photos.items():
        with contextlib.suppress(DesignGANError):  # an uncut photo not edited has no reference
            reference[image_id] = skirt_top(pipe(photo, to="skirt"))
    crops = [(f"bottom cut at {cut:.0%}", lambda p, c=cut: (0, 0, p.width, round(c * p.height))) for cut in CUTS]
    crops += [(f"top {cut:.0%} cut off", lambda p, c=cut: (0, round(c * p.height), p.width, p.height))
              for cut in TOP_CUTS]
    for name, box in crops:
        outcomes, offsets = Counter(), []
        for n, (image_id, photo) in enumerate(photos.items(), 1):
            x0, y0, x1, y1 = box(photo)
            try:
                top = skirt_top(pipe(photo.crop((x0, y0, x1, y1)), to="skirt"))
                outcomes["translated"] += 1
                if top is not None and reference.get(image_id) is not None:
                    offsets.append((top + y0 - reference[image_id]) / (y1 - y0))
            except DesignGANError as exc:
                outcomes[str(exc).split(" (")[0].split(":")[0]] += 1
                print(f"  testA/{image_id} {name}: {exc}")
            print(f"{name}: {n}/{len(photos)}", end="\r", flush=True)
        placed = sum(abs(o) <= PLACED for o in offsets)
        median = f"{float(np.median(offsets)):+.3f}" if offsets else "-"
        print(f"{name}: translated {outcomes.pop('translated', 0)}/{len(photos)}; the skirt starts within {PLACED} of "
              f"the height of where the uncut photo's does {placed}/{len(reference)} (median offset {median}); "
              f"not translated: {dict(outcomes)}")


def person_tops(output, boxes: list[list[int]]) -> list[int | None]:
    """Per person box: the first row of the edit's new-garment mask within the box's columns (None if empty)."""
    return [first_row(output.target_mask[:, max(0, x0):x1]) for x0, _, x1, _ in boxes]


def group_cuts(pipe: DesignGANPipeline, composites: Path) -> None:
    records = TwoDomainData.open(composites).records(split="test", domain="a")
    photos = {r.id: load_image(r.path("image")) for r in records}
    boxes = {r.id: [p["box"] for p in r.extra["people"]] for r in records}
    reference = {}
    for image_id, photo in photos.items():
        with contextlib.suppress(DesignGANError):
            reference[image_id] = person_tops(pipe(photo, to="skirt"), boxes[image_id])
    people = sum(len(b) for b in boxes.values())
    for cut in CUTS[:2]:
        edited, placed, compared = 0, 0, 0
        for n, (image_id, photo) in enumerate(photos.items(), 1):
            h = round(cut * photo.height)
            rects = [(b[0], b[1], b[2], min(b[3], h)) for b in boxes[image_id]]
            try:
                out = pipe(photo.crop((0, 0, photo.width, h)), to="skirt")
            except DesignGANError as exc:
                print(f"  {image_id} cut at {cut:.0%}: {exc}")
                continue
            edited += edited_inside(out, rects)
            for top, ref in zip(person_tops(out, rects), reference.get(image_id, []), strict=False):
                if top is not None and ref is not None:
                    compared += 1
                    placed += abs(top - ref) / h <= PLACED
            print(f"cut at {cut:.0%}: {n}/{len(photos)}", end="\r", flush=True)
        print(f"group photos cut at {cut:.0%}: people edited {edited}/{people}; skirts starting within {PLACED} of the "
              f"height of the uncut edit's {placed}/{compared} (people with a skirt in both)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("data/jeans_skirt"))
    parser.add_argument("--out", type=Path, default=Path("outputs/robust"))
    parser.add_argument("--ids", default="1541,1651", help="testA ids, comma-separated, or 'all'")
    parser.add_argument("--sweep", action="store_true", help="the scale sweep (no contact sheet)")
    parser.add_argument("--cuts", action="store_true", help="photos cut above the ankles (no contact sheet)")
    parser.add_argument("--group-cuts", action="store_true", help="photos of several people cut above the ankles")
    parser.add_argument("--composites", type=Path, default=Path("data/composites"))
    args = parser.parse_args()
    pipe = DesignGANPipeline.from_pretrained("jeans2skirt")
    if args.group_cuts:
        group_cuts(pipe, args.composites)
        return
    ids = (sorted(p.stem for p in (args.data / "testA").glob("*.jpg")) if args.ids == "all"
           else args.ids.split(","))
    photos = {i: Image.open(args.data / "testA" / f"{i}.jpg").convert("RGB") for i in ids}
    if args.cuts:
        cuts(pipe, photos)
        return
    if args.sweep:
        pipe(next(iter(photos.values())), to="skirt")  # warm-up: the first call loads the networks
        sweep(pipe, photos)
        return
    args.out.mkdir(parents=True, exist_ok=True)
    rows = []
    for image_id, photo in photos.items():
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
