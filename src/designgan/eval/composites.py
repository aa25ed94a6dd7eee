"""A shareable multi-person evaluation set: 2-3 held-out CCP people pasted side by side on a CCP background.

Each composite takes people from the **test** split of a two-domain dataset (photos no translator, landmark network
or judge was trained on), cuts each out, scales them to similar heights (within +-4%), stands them on one ground
line (+-1% of the height) and places them side by side, neighbours overlapping by at most 10% of the narrower
one's width (or with a gap). The known box of each person is the box of their pasted silhouette.

Cut-outs: CCP has pixel label maps only for its 1004 pixel-level photos, which the public protocol puts in the
*train* split; test photos carry image-level tags only. So a held-out person's silhouette is the judge's parse
(``designgan.eval.judge``, trained on CCP's pixel labels, never on these photos): every pixel it does not call
background, the largest connected part, holes filled.

Backgrounds: a *train*-split photo whose CCP label map is known, its person (every non-background label, dilated)
filled by inpainting (OpenCV Telea, at quarter resolution), scaled to cover the canvas and blurred (Gaussian,
sigma 1% of the height): a street scene with nobody in it, slightly out of focus as behind people in a photo.

The set is written as a two-domain dataset ``designgan eval`` reads: the composites are the test photos of the
source domain, each record's ``extra["people"]`` lists the people (box, category, source record, the single
photo under ``singles/``); ``boxes.json`` holds the same lists by composite; a few real single-person photos of the
target domain are the realism reference.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter
from scipy import ndimage

from designgan.data import Record, TwoDomainData
from designgan.data.manifest import MANIFEST, METADATA
from designgan.errors import DataError
from designgan.io import chmod_like_umask, load_image, write_json_atomic

BOXES = "boxes.json"
SINGLES = "singles"
MAX_OVERLAP = 0.10  # of the narrower neighbour's width
HEIGHT_JITTER = 0.04
GROUND_JITTER = 0.01
MIN_PERSON_AREA = 0.05  # of the photo: smaller parses are not a usable cut-out


@dataclass
class Cutout:
    """A held-out person: the photo cropped to their silhouette's box, and the silhouette."""

    record: Record
    image: np.ndarray  # uint8 (h, w, 3)
    mask: np.ndarray  # bool (h, w)


def person_silhouette(labels: np.ndarray) -> np.ndarray:
    """bool mask of the person in a judge parse (class 0 = background): the largest part, holes filled."""
    parts, n = ndimage.label(labels != 0)
    if n == 0:
        return np.zeros(labels.shape, bool)
    sizes = ndimage.sum_labels(np.ones(labels.shape), parts, index=np.arange(1, n + 1))
    return ndimage.binary_fill_holes(parts == 1 + int(np.argmax(sizes)))


def cut_out(record: Record, image: Image.Image, mask: np.ndarray) -> Cutout | None:
    if mask.sum() < MIN_PERSON_AREA * mask.size:
        return None
    ys, xs = np.nonzero(mask)
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    return Cutout(record, np.asarray(image)[y0:y1, x0:x1].copy(), mask[y0:y1, x0:x1].copy())


def empty_background(image: Image.Image, person: np.ndarray) -> Image.Image:
    """``image`` with the ``person`` region inpainted (at quarter resolution, where a large hole fills fast)."""
    import cv2

    w, h = image.size
    small = (max(8, w // 4), max(8, h // 4))
    hole = Image.fromarray(ndimage.binary_dilation(person, iterations=max(2, h // 100)).astype(np.uint8) * 255)
    src = np.asarray(image.resize(small, Image.Resampling.BILINEAR))
    filled = cv2.inpaint(src, np.asarray(hole.resize(small, Image.Resampling.NEAREST)), 9, cv2.INPAINT_TELEA)
    up = Image.fromarray(filled).resize((w, h), Image.Resampling.BILINEAR)
    return Image.composite(up, image, hole)


def cover(image: Image.Image, size: tuple[int, int], rng: np.random.Generator) -> Image.Image:
    """``image`` scaled to cover ``size`` (w, h) and cropped there at a random place."""
    w, h = size
    scale = max(w / image.width, h / image.height)
    big = image.resize((max(w, round(image.width * scale)), max(h, round(image.height * scale))),
                       Image.Resampling.BICUBIC)
    left = int(rng.integers(0, big.width - w + 1))
    top = int(rng.integers(0, big.height - h + 1))
    return big.crop((left, top, left + w, top + h))


def layout(sizes: list[tuple[int, int]], height: int, rng: np.random.Generator
           ) -> tuple[int, list[tuple[int, int]]]:
    """(canvas width, top-left of each person) for people of ``sizes`` (w, h) side by side on one ground line."""
    ground = height * (1 - rng.uniform(0.03, 0.07))
    margin = round(height * rng.uniform(0.06, 0.18))
    x, places = margin, []
    for i, (w, h) in enumerate(sizes):
        if i:
            narrower = min(w, sizes[i - 1][0])
            # overlap at most MAX_OVERLAP of the narrower width; negative = a gap between them
            x -= int(np.floor(narrower * rng.uniform(-0.15, MAX_OVERLAP)))
        bottom = ground + height * rng.uniform(-GROUND_JITTER, GROUND_JITTER)
        places.append((x, max(0, round(bottom - h))))
        x += w
    return x + margin, places


def paste(canvas: Image.Image, cutout: Cutout, target_height: int, place: tuple[int, int]
          ) -> tuple[int, int, int, int]:
    """Paste ``cutout`` scaled to ``target_height`` at ``place``; returns its silhouette's box (x0, y0, x1, y1)."""
    h, w = cutout.mask.shape
    size = (max(1, round(w * target_height / h)), target_height)
    person = Image.fromarray(cutout.image).resize(size, Image.Resampling.LANCZOS)
    alpha = Image.fromarray(cutout.mask.astype(np.uint8) * 255).resize(size, Image.Resampling.BILINEAR)
    alpha = alpha.filter(ImageFilter.GaussianBlur(0.8))  # a soft edge, as a photographed outline has
    canvas.paste(person, place, alpha)
    ys, xs = np.nonzero(np.asarray(alpha) > 127)
    x, y = place
    return (int(x + xs.min()), int(y + ys.min()), int(x + xs.max() + 1), int(y + ys.max() + 1))


def scaled_size(cutout: Cutout, target_height: int) -> tuple[int, int]:
    h, w = cutout.mask.shape
    return max(1, round(w * target_height / h)), target_height


def load_cutouts(data: TwoDomainData, domain: str, judge: object, progress: bool = True) -> list[Cutout]:
    """Every usable held-out person of ``domain``'s test split, cut out with the judge's parse."""
    from tqdm import tqdm

    out = []
    for record in tqdm(data.records(split="test", domain=domain), desc="cutting out people", disable=not progress):
        image = load_image(record.path("image"))
        found = cut_out(record, image, person_silhouette(judge.parse(image).labels))  # type: ignore[attr-defined]
        if found is not None:
            out.append(found)
    return out


def backgrounds(data: TwoDomainData) -> list[Record]:
    """Train-split photos whose CCP label map is known: their person can be removed exactly."""
    found = [r for r in data.records(split="train") if r.label_map is not None]
    if not found:
        raise DataError(f"{data.root}: no train photo with a label map to take backgrounds from")
    return found


def make_composites(data_root: str | Path, out: str | Path, n: int, seed: int = 0, domain: str = "a",
                    height: int = 830, reals: int = 20, judge: object = None, progress: bool = True) -> dict:
    """Write ``n`` composites of ``domain``'s held-out people as a dataset at ``out`` (built under a temporary
    name, renamed when complete); returns its ``dataset.json``."""
    data = TwoDomainData.open(data_root)
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise DataError(f"{out}: exists and is not empty")
    if judge is None:
        from designgan.eval.judge import Judge

        judge = Judge.load()
    rng = np.random.default_rng(seed)
    people = load_cutouts(data, domain, judge, progress)
    if len(people) < 2:
        raise DataError(f"{data_root}: only {len(people)} usable test people in domain {domain}; need 2")
    scenes = backgrounds(data)
    other = "b" if domain == "a" else "a"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        records, boxes = _write(tmp, data, people, scenes, n, height, domain, rng, progress)
        real = data.records(split="test", domain=other)
        picks = sorted(rng.choice(len(real), size=min(reals, len(real)), replace=False).tolist()) if real else []
        for k in picks:
            r = real[k]
            dest = Path(f"test{other.upper()}") / Path(r.image).name
            (tmp / dest).parent.mkdir(exist_ok=True)
            shutil.copy(r.path("image"), tmp / dest)
            records.append(Record(key=f"test{other.upper()}/{r.id}", id=r.id, split="test", domain=other,
                                  category=r.category, image=str(dest), width=r.width, height=r.height,
                                  source=r.source))
        meta = dict(data.metadata)
        meta |= {"source": f"composites of {data_root} (seed {seed})", "evaluation_only": True,
                 "counts": {"train_a": 0, "train_b": 0, "test_a": sum(r.domain == "a" for r in records),
                            "test_b": sum(r.domain == "b" for r in records)},
                 "composites": {"n": n, "seed": seed, "domain": domain, "height": height,
                                "max_overlap": MAX_OVERLAP, "people_per_photo": [2, 3],
                                "cutouts": "judge parse (test photos have no CCP label maps)",
                                "background": "CCP train photo, person inpainted, blurred"}}
        meta.pop("overlapping_images", None)
        write_json_atomic(tmp / METADATA, meta)
        (tmp / MANIFEST).write_text("".join(r.to_json() + "\n" for r in records))
        write_json_atomic(tmp / BOXES, boxes)
        chmod_like_umask(tmp)
        if out.exists():  # an empty folder (checked above)
            out.rmdir()
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return meta


def _write_single(record: Record, path: Path, height: int) -> None:
    """The person's own photo, at the composites' height (copied unchanged when it is within 2% of it): the
    single-person figure is measured at about the scale the person has in the composites."""
    if abs(record.height - height) <= 0.02 * height:
        shutil.copy(record.path("image"), path)
        return
    photo = load_image(record.path("image"))
    photo.resize((max(1, round(photo.width * height / photo.height)), height), Image.Resampling.LANCZOS).save(
        path, quality=92)


def _write(root: Path, data: TwoDomainData, people: list[Cutout], scenes: list[Record], n: int, height: int,
           domain: str, rng: np.random.Generator, progress: bool) -> tuple[list[Record], dict]:
    from tqdm import tqdm

    folder = f"test{domain.upper()}"
    (root / folder).mkdir()
    (root / SINGLES).mkdir()
    records, boxes = [], {}
    for i in tqdm(range(n), desc="composites", disable=not progress):
        count = min(int(rng.integers(2, 4)), len(people))
        chosen = [people[k] for k in rng.choice(len(people), size=count, replace=False)]
        base = rng.uniform(0.78, 0.90) * height
        heights = [round(base * (1 + rng.uniform(-HEIGHT_JITTER, HEIGHT_JITTER))) for _ in chosen]
        width, places = layout([scaled_size(c, h) for c, h in zip(chosen, heights, strict=True)], height, rng)
        scene = scenes[int(rng.integers(len(scenes)))]
        photo = load_image(scene.path("image"))
        with Image.open(scene.path("label_map")) as labels:  # CCP label ids; 0 is background, the rest the person
            person = np.asarray(labels) != 0
        if person.shape != (photo.height, photo.width):
            raise DataError(f"{scene.path('label_map')}: label map does not match its photo's size")
        canvas = cover(empty_background(photo, person), (width, height), rng)
        canvas = canvas.filter(ImageFilter.GaussianBlur(0.01 * height))
        listed = []
        for k, (cutout, h, place) in enumerate(zip(chosen, heights, places, strict=True), start=1):
            box = paste(canvas, cutout, h, place)
            single = Path(SINGLES) / f"{cutout.record.id}{Path(cutout.record.image).suffix}"
            if not (root / single).exists():
                _write_single(cutout.record, root / single, height)
            listed.append({"person": k, "box": list(box), "category": cutout.record.category,
                           "source": cutout.record.key, "single": str(single)})
        cid = f"c{i:04d}"
        image = Path(folder) / f"{cid}.jpg"
        canvas.save(root / image, quality=92)
        records.append(Record(key=f"{folder}/{cid}", id=cid, split="test", domain=domain,
                              category=data.domain_name(domain), image=str(image), width=width, height=height,
                              source=f"composite of {', '.join(p['source'] for p in listed)}",
                              extra={"people": listed, "background": scene.key}))
        boxes[f"{folder}/{cid}"] = listed
    return records, boxes
