"""Where the pipeline's person score threshold (``designgan.pipeline.presence.PERSON_SCORE``) should sit.

Every person the pipeline's detector finds is scored (:func:`designgan.pipeline.presence.person_score`: the mean
landmark confidence of their better-read half, upper body or legs). Positives: CCP held-out photos (ids divisible
by 20) whole and cut the ways the pipeline supports (waist-down, chest-down, at the knee), and the committed
composites of several people; the best-scored person of each. Negatives: every "person" found in the validation
photos without people (scripts/no_person_photos.py: drawn with seeds 100+, objects from installed wheels).

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
from designgan.pipeline import DesignGANPipeline
from designgan.pipeline.presence import PERSON_SCORE, person_score

sys.path.insert(0, str(Path(__file__).resolve().parent))
from no_person_photos import validation_photos

CUTS = {"whole": None, "waist-down": (0.42, 1.0), "chest-down": (0.3, 1.0), "knee-up": (0.0, 0.68)}


def best_score(pipe: DesignGANPipeline, photo: Image.Image) -> float:
    people = [p for p in pipe.detect_people(photo) if p.found]
    return max((person_score(p) for p in people), default=0.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ccp", type=Path, default=Path("../shared/datasets/ccp"))
    parser.add_argument("--composites", type=Path, default=Path("tests/fixtures/composites_mini"))
    parser.add_argument("--per-kind", type=int, default=1, help="drawn photos of each kind (each takes ~10-50 s: "
                        "with nobody found, the detector searches small windows)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    pipe = DesignGANPipeline.from_pretrained("jeans2skirt")
    positives: dict[str, list[float]] = {name: [] for name in CUTS}
    for i in tqdm(range(20, 1001, 20), desc="CCP held-out"):
        photo = load_image(args.ccp / "photos" / f"{i:04d}.jpg")
        w, h = photo.size
        for name, cut in CUTS.items():
            crop = photo if cut is None else photo.crop((0, round(cut[0] * h), w, round(cut[1] * h)))
            positives[name].append(best_score(pipe, crop))
    positives["composites"] = [best_score(pipe, load_image(p)) for p in
                               tqdm(sorted(args.composites.glob("test*/*.jpg")), desc="composites")]
    negatives = []
    for name, photo in tqdm(validation_photos(args.per_kind), desc="no people"):
        scores = [person_score(p) for p in pipe.detect_people(photo) if p.found]
        negatives.append((name, max(scores, default=0.0)))
    print("positives (best person per photo): min / 5th percentile / median")
    for name, scores in positives.items():
        arr = np.array(scores)
        print(f"  {name:12s} n={len(arr):3d}  {arr.min():.3f} / {np.percentile(arr, 5):.3f} / {np.median(arr):.3f}")
    print("negatives (best 'person' per photo without people):")
    for name, score in sorted(negatives, key=lambda x: -x[1]):
        print(f"  {score:.3f}  {name}")
    low = max(s for _, s in negatives)
    high = min(min(v) for v in positives.values())
    print(f"gap: negatives up to {low:.3f}, positives from {high:.3f}; midpoint {(low + high) / 2:.3f} "
          f"(shipped PERSON_SCORE {PERSON_SCORE})")


if __name__ == "__main__":
    main()
