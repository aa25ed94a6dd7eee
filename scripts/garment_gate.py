"""Choose the pipeline's garment-classifier thresholds on a validation split (issue 27).

The classifier's held-out split (CCP pixel-level ids divisible by 10, never trained on; with ``--tagged`` also
the held-out ids of CCP's image-level dress / leggings photos, which no test split holds) is read as the pipeline
reads a photo: people found by its detector, the most prominent one classified with the landmarks found for
them. The truth is the photo's label map (:func:`designgan.eval.garment_family.photo_family`), or its tags. For
each source family and threshold t, it prints how many photos of that family would be edited (p(source) >= t)
and how many photos of the other families would be edited by mistake, and the threshold (0.05 steps) with the
fewest source photos left alone plus other photos edited, ties to the lower one: the thresholds in
:data:`designgan.landmarks.garment_classifier.SOURCE_CONFIDENCE`.

    OMP_NUM_THREADS=1 .venv/bin/python scripts/garment_gate.py [--ccp ../shared/datasets/ccp] [--json out.json]
        [--tagged] [--cut 0.68 [--black]]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from tqdm import tqdm

from designgan.data import CCP
from designgan.eval.garment_family import photo_family
from designgan.eval.garment_judge_data import tagged_extra
from designgan.eval.garment_judge_train import split_tagged
from designgan.eval.judge_data import judge_split
from designgan.io import load_image
from designgan.landmarks.garment_classifier import SOURCE_CONFIDENCE
from designgan.landmarks.garment_family import FAMILIES
from designgan.pipeline import DesignGANPipeline, Person

THRESHOLDS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


def prominent(pipe: DesignGANPipeline, photo: Image.Image) -> Person | None:
    people = sorted((p for p in pipe.detect_people(photo) if p.found), key=lambda p: p.size(photo_height=photo.height),
                    reverse=True)
    return people[0] if people else None


def read_split(pipe: DesignGANPipeline, ccp: CCP, ids: list[str], cut: float = 1.0, black: bool = False,
               tagged: dict[str, int] | None = None) -> list[dict]:
    """Per photo: its family (from the whole photo's label map) and the classifier's probabilities for the most
    prominent person of the photo cut at ``cut`` of its height (``black``: the frame black below the cut, as
    before the pipeline continued cut legs)."""
    rows = []
    for image_id in tqdm(ids, desc="held-out photos"):
        photo = load_image(ccp.photo_path(image_id))
        whole = prominent(pipe, photo)
        if whole is None:
            rows.append({"id": image_id, "family": None, "probs": None})
            continue
        hips = [whole.points[n][1] for n in ("left_hip", "right_hip") if n in whole.points]
        family = (tagged[image_id] if tagged and image_id in tagged else
                  photo_family(ccp.load_label_map(image_id, size=photo.size), ccp.label_names,
                               float(np.mean(hips)) if hips else 0.0))
        if cut < 1.0:
            photo = photo.crop((0, 0, photo.width, round(cut * photo.height)))
        person = whole if cut >= 1.0 else prominent(pipe, photo)
        if person is None:
            probs = None
        elif black:
            probs = pipe.garment_classifier.classify_read([photo], [person.points])[0]
        else:
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
        best = choose(judged, i)
        print(f"  chosen (fewest {source} photos left alone + others edited, 0.05 steps, ties lower): {best}")


def choose(judged: list[dict], index: int) -> float:
    """The threshold in 0.05 steps with the fewest errors for source family ``index``, ties to the lower one."""
    def errors(t: float) -> int:
        return sum((r["probs"] is not None and r["probs"][index] >= t) != (r["family"] == FAMILIES[index])
                   for r in judged)

    return min((round(0.05 * k, 2) for k in range(1, 20)), key=lambda t: (errors(t), t))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ccp", type=Path, default=Path("../shared/datasets/ccp"))
    parser.add_argument("--json", type=Path, default=None, help="also write the per-photo probabilities here")
    parser.add_argument("--cut", type=float, default=1.0, help="read each photo cut at this share of its height "
                        "(a knee crop: 0.68)")
    parser.add_argument("--black", action="store_true", help="frame a cut photo black below the cut (no "
                        "continued legs)")
    parser.add_argument("--tagged", action="store_true", help="also the held-out image-level dress / leggings "
                        "photos (family from their tags)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    ccp = CCP(args.ccp)
    _, held = judge_split(ccp)
    tagged = tagged_extra(ccp) if args.tagged else {}
    held += split_tagged(tagged)[1]
    pipe = DesignGANPipeline.from_pretrained("jeans2skirt")
    rows = read_split(pipe, ccp, held, args.cut, args.black, tagged)
    if args.json is not None:
        args.json.write_text(json.dumps(rows, indent=1))
    table(rows)


if __name__ == "__main__":
    main()
