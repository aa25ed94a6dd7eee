"""Where the landmark network's "person found" threshold (``PERSON_CONFIDENCE``) should sit.

    python scripts/person_confidence.py [--labels data/landmark_labels/ccp.jsonl] [--weights W.safetensors]

Prints JSON: the torso confidence (mean of shoulders and hips) on the held-out photos of the label file, on
seeded noise and plain-colour images (no person), and on head-and-shoulders crops (the top 35% of held-out photos:
hips not visible). The threshold belongs in the gap between the no-person maximum and the held-out minimum.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from tqdm import tqdm

from designgan.errors import DesignGANError
from designgan.io import load_image
from designgan.landmarks.labels import read_labels
from designgan.landmarks.predict import PERSON_CONFIDENCE, LandmarkPredictor


def torso_confidences(predictor: LandmarkPredictor, images: list[Image.Image], desc: str,
                      batch_size: int = 16) -> np.ndarray:
    scores = []
    for start in tqdm(range(0, len(images), batch_size), desc=desc, leave=False):
        scores += [r.person_confidence for r in predictor.predict_many(images[start:start + batch_size])]
    return np.array(scores)


def summary(scores: np.ndarray) -> dict:
    return {"n": len(scores), "min": round(float(scores.min()), 3), "median": round(float(np.median(scores)), 3),
            "max": round(float(scores.max()), 3), "found": int((scores >= PERSON_CONFIDENCE).sum())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", type=Path, default=Path("data/landmark_labels/ccp.jsonl"))
    parser.add_argument("--weights", type=Path, default=None, help="default: the shipped landmark network")
    parser.add_argument("--crops", type=int, default=60, help="how many held-out photos to crop")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    try:
        predictor = LandmarkPredictor.load(args.weights)
        held = [load_image(r["image"]) for r in read_labels(args.labels) if r["split"] == "heldout"]
    except DesignGANError as exc:
        sys.exit(f"error: {exc}")
    if not held:
        sys.exit(f"error: {args.labels}: no held-out records")
    rng = np.random.default_rng(0)
    no_person = [Image.fromarray(rng.integers(0, 256, (825, 550, 3), dtype=np.uint8)) for _ in range(20)]
    no_person += [Image.new("RGB", (550, 825), c) for c in
                  [(0, 0, 0), (255, 255, 255), (128, 128, 128), (200, 30, 30), (30, 200, 30), (30, 30, 200)]]
    crops = [im.crop((0, 0, im.width, int(im.height * 0.35))) for im in held[:args.crops]]
    print(json.dumps({
        "threshold": PERSON_CONFIDENCE,
        "heldout_photos": summary(torso_confidences(predictor, held, "held-out photos")),
        "noise_and_plain_images": summary(torso_confidences(predictor, no_person, "no-person images")),
        "head_and_shoulders_crops": summary(torso_confidences(predictor, crops, "crops")),
    }, indent=2))


if __name__ == "__main__":
    main()
