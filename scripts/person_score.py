"""Where the pipeline's person score threshold (``designgan.pipeline.presence.PERSON_SCORE``) should sit.

Every person the pipeline's detector finds is scored (:func:`designgan.pipeline.presence.person_score`: the mean
landmark confidence of their better-read half, upper body or legs). Positives: CCP held-out photos (ids divisible
by 20) whole and cut the ways the pipeline supports (waist-down, chest-down, at the knee), and the committed
composites of several people; the best-scored person of each. Negatives: every "person" found in the validation
photos without people (scripts/no_person_photos.py: drawn with seeds 100+, objects from installed wheels) and
animals drawn in code (scripts/train_presence.py's :func:`animal`, seeds 100+; the presence judge trains on seeds
10000+ and holds out 20000+), which the person score often lets through, so they test the presence judge.

It also prints where the presence judge's threshold (``designgan.landmarks.garment_classifier.NO_PERSON``) should
sit: its probability of "no person" for the best person of each positive photo (to stay under it) and, for each
validation photo without people, the lowest over the "people" the person score lets through (the photo is refused
as "no person" only when every one of them reaches it).

    OMP_NUM_THREADS=1 .venv/bin/python scripts/person_score.py [--ccp ../shared/datasets/ccp]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from tqdm import tqdm

from designgan.io import load_image
from designgan.landmarks.garment_classifier import NO_PERSON
from designgan.pipeline import DesignGANPipeline
from designgan.pipeline.presence import PERSON_SCORE, person_score

sys.path.insert(0, str(Path(__file__).resolve().parent))
from no_person_photos import validation_photos
from train_presence import animal

CUTS = {"whole": None, "waist-down": (0.42, 1.0), "chest-down": (0.3, 1.0), "knee-up": (0.0, 0.68)}


def best_score(pipe: DesignGANPipeline, photo: Image.Image) -> tuple[float, float]:
    """The best person score of the photo, and the presence judge's p(no person) for that person (1 when nobody is
    found or has no lower-body frame)."""
    people = [p for p in pipe.detect_people(photo) if p.found]
    if not people:
        return 0.0, 1.0
    best = max(people, key=person_score)
    reading = pipe.garments(photo, [best])[0]
    return person_score(best), 1.0 if reading is None else float(reading[-1])


def no_person_reading(pipe: DesignGANPipeline, photo: Image.Image) -> tuple[float, float]:
    """The best person score of a photo without people, and the lowest p(no person) of the "people" the person
    score lets through (1 when it lets none through: already refused)."""
    people = [p for p in pipe.detect_people(photo) if p.found]
    scores = [person_score(p) for p in people]
    passed = [p for p, s in zip(people, scores, strict=True) if s >= PERSON_SCORE]
    readings = pipe.garments(photo, passed) if passed else []
    return max(scores, default=0.0), min((1.0 if r is None else float(r[-1]) for r in readings), default=1.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ccp", type=Path, default=Path("../shared/datasets/ccp"))
    parser.add_argument("--composites", type=Path, default=Path("tests/fixtures/composites_mini"))
    parser.add_argument("--per-kind", type=int, default=1, help="drawn photos of each kind (each takes ~10-50 s: "
                        "with nobody found, the detector searches small windows)")
    parser.add_argument("--animals", type=int, default=6, help="drawn animals (validation seeds 100+)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    pipe = DesignGANPipeline.from_pretrained("jeans2skirt")
    positives: dict[str, list[tuple[float, float]]] = {name: [] for name in CUTS}
    for i in tqdm(range(20, 1001, 20), desc="CCP held-out"):
        photo = load_image(args.ccp / "photos" / f"{i:04d}.jpg")
        w, h = photo.size
        for name, cut in CUTS.items():
            crop = photo if cut is None else photo.crop((0, round(cut[0] * h), w, round(cut[1] * h)))
            positives[name].append(best_score(pipe, crop))
    positives["composites"] = [best_score(pipe, load_image(p)) for p in
                               tqdm(sorted(args.composites.glob("test*/*.jpg")), desc="composites")]
    pictures = validation_photos(args.per_kind) + [(f"drawn animal (seed {s})", animal(s))
                                                   for s in range(100, 100 + args.animals)]
    negatives = [(name, *no_person_reading(pipe, photo)) for name, photo in tqdm(pictures, desc="no people")]
    print("positives (best person per photo): person score min / 5th percentile / median; p(no person) "
          "median / 95th / 99th percentile / max, refused at NO_PERSON")
    for name, rows in positives.items():
        arr, none = np.array([r[0] for r in rows]), np.array([r[1] for r in rows if r[0] >= PERSON_SCORE])
        print(f"  {name:12s} n={len(arr):3d}  {arr.min():.3f} / {np.percentile(arr, 5):.3f} / {np.median(arr):.3f}"
              f"; {np.median(none):.3f} / {np.percentile(none, 95):.3f} / {np.percentile(none, 99):.3f} / "
              f"{none.max():.3f}, {int((none >= NO_PERSON).sum())} of {len(none)}")
    print("negatives (photos without people): best 'person' score; lowest p(no person) of those let through")
    for name, score, none in sorted(negatives, key=lambda x: -x[1]):
        print(f"  {score:.3f}  {none:.3f}  {name}")
    low = max(s for _, s, _ in negatives)
    high = min(min(r[0] for r in v) for v in positives.values())
    print(f"gap: negatives up to {low:.3f}, positives from {high:.3f}; midpoint {(low + high) / 2:.3f} "
          f"(shipped PERSON_SCORE {PERSON_SCORE})")
    through = [n for _, s, n in negatives if s >= PERSON_SCORE]
    top = max(max((r[1] for r in v if r[0] >= PERSON_SCORE), default=0.0) for v in positives.values())
    print(f"presence judge: validation people up to p(no person) {top:.3f}; photos without people the person score "
          f"lets through ({len(through)}) from {min(through, default=1.0):.3f} (shipped NO_PERSON {NO_PERSON})")
    print(f"photos without people refused at NO_PERSON = {NO_PERSON}: person score or presence judge: "
          f"{sum(s < PERSON_SCORE or n >= NO_PERSON for _, s, n in negatives)} of {len(negatives)}")


if __name__ == "__main__":
    main()
