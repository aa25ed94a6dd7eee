"""Choose the pipeline's garment-classifier thresholds on a validation split (issue 27).

The classifier's held-out split (CCP pixel-level ids divisible by 10, never trained on) is read as the pipeline
reads a photo: people found by its detector, the most prominent one classified with the landmarks found for
them. The truth is the photo's label map (:func:`designgan.eval.garment_family.photo_family`). For each source
family and threshold t, it prints how many photos of that family would be edited (p(source) >= t) and how many
photos of the other families would be edited by mistake; the thresholds in
:data:`designgan.landmarks.garment_classifier.SOURCE_CONFIDENCE` were read off this table.

    OMP_NUM_THREADS=1 .venv/bin/python scripts/garment_gate.py [--ccp ../shared/datasets/ccp] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from designgan.data import CCP
from designgan.eval.garment_family import photo_family
from designgan.eval.judge_data import judge_split
from designgan.io import load_image
from designgan.landmarks.garment_classifier import SOURCE_CONFIDENCE
from designgan.landmarks.garment_family import FAMILIES
from designgan.pipeline import DesignGANPipeline

THRESHOLDS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


def read_split(pipe: DesignGANPipeline, ccp: CCP, ids: list[str]) -> list[dict]:
    rows = []
    for image_id in tqdm(ids, desc="held-out photos"):
        photo = load_image(ccp.photo_path(image_id))
        people = pipe.detect_people(photo)
        seen = sorted((p for p in people if p.found), key=lambda p: p.size(photo_height=photo.height), reverse=True)
        if not seen:
            rows.append({"id": image_id, "family": None, "probs": None})
            continue
        person = seen[0]
        hips = [person.points[n][1] for n in ("left_hip", "right_hip") if n in person.points]
        family = photo_family(ccp.load_label_map(image_id, size=photo.size), ccp.label_names,
                              float(np.mean(hips)) if hips else 0.0)
        probs = pipe.garments(photo, [person])[0]
        rows.append({"id": image_id, "family": None if family is None else FAMILIES[family],
                     "probs": None if probs is None else [round(float(p), 4) for p in probs]})
    return rows


def table(rows: list[dict]) -> None:
    judged = [r for r in rows if r["family"] is not None]
    counts = {f: sum(r["family"] == f for r in judged) for f in FAMILIES}
    print(f"{len(judged)} held-out photos with a lower garment: {counts}; "
          f"{sum(r['probs'] is None for r in judged)} without a frame (never edited)")
    for i, source in enumerate(FAMILIES):
        print(f"\nsource {source}: threshold | {source} photos edited | others edited by mistake "
              f"(shipped threshold {SOURCE_CONFIDENCE[source]})")
        for t in THRESHOLDS:
            edited = [r for r in judged if r["probs"] is not None and r["probs"][i] >= t]
            right = sum(r["family"] == source for r in edited)
            wrong = {f: sum(r["family"] == f for r in edited) for f in FAMILIES if f != source}
            print(f"  {t:.1f} | {right}/{counts[source]} | " + ", ".join(f"{f} {n}/{counts[f]}"
                                                                      for f, n in wrong.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ccp", type=Path, default=Path("../shared/datasets/ccp"))
    parser.add_argument("--json", type=Path, default=None, help="also write the per-photo probabilities here")
    args = parser.parse_args()
    torch.set_num_threads(1)
    ccp = CCP(args.ccp)
    _, held = judge_split(ccp)
    pipe = DesignGANPipeline.from_pretrained("jeans2skirt", threads=1)
    rows = read_split(pipe, ccp, held)
    if args.json is not None:
        args.json.write_text(json.dumps(rows, indent=1))
    table(rows)


if __name__ == "__main__":
    main()
