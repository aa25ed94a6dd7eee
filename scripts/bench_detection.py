"""People found by the pipeline's detection alone (no translation): composites and single-person CCP photos.

    OMP_NUM_THREADS=1 PYTHONPATH=src python scripts/bench_detection.py --detector landmarks \
        [--composites data/composites] [--singles data/jeans_skirt --n-singles 40]

Prints one JSON object (``designgan.eval.people_eval.detection_figures``):

* ``composites``: the known boxes of ``boxes.json`` / the records' ``extra["people"]``; found, false positives,
  clearly visible people missed / wrongly found, seconds of detection per photo.
* ``singles``: ``--n-singles`` test photos of a CCP dataset, half of each domain evenly spread, each with one
  known box: the box of the judge's person silhouette (as the composites' cut-outs), cached in
  ``outputs/bench_detection/`` since the judge is slow. A single photo's person is found when a detected box
  matches it; any other person detected is a false positive (``visible_false_positives``: one the pipeline would
  edit by default).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from designgan.data import TwoDomainData
from designgan.eval.composites import person_silhouette
from designgan.eval.people_eval import detection_figures
from designgan.io import load_image
from designgan.landmarks.predict import LandmarkPredictor

CACHE = Path("outputs/bench_detection")


def composite_photos(root: Path):
    for record in TwoDomainData.open(root).records(split="test", domain="a"):
        yield load_image(record.path("image")), [p["box"] for p in record.extra["people"]]


def single_records(root: Path, n: int) -> list:
    data = TwoDomainData.open(root)
    out = []
    for domain in ("a", "b"):
        records = data.records(split="test", domain=domain)
        k = n // 2
        out += [records[round(i * (len(records) - 1) / max(1, k - 1))] for i in range(k)]
    return out


def single_boxes(root: Path, records: list) -> dict[str, list[int]]:
    """The judge's person-silhouette box of each record (cached)."""
    path = CACHE / f"single_boxes_{root.name}.json"
    cached = json.loads(path.read_text()) if path.is_file() else {}
    todo = [r for r in records if r.key not in cached]
    if todo:
        import numpy as np

        from designgan.eval.judge import Judge

        judge = Judge.load()
        for record in todo:
            mask = person_silhouette(judge.parse(load_image(record.path("image"))).labels)
            ys, xs = np.nonzero(mask)
            cached[record.key] = [int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(cached))
    return cached


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--detector", default="landmarks")
    parser.add_argument("--composites", type=Path, default=Path("data/composites"))
    parser.add_argument("--singles", type=Path, default=Path("data/jeans_skirt"))
    parser.add_argument("--n-singles", type=int, default=40, help="0: composites only")
    parser.add_argument("--n-composites", type=int, default=0, help="the first N composites only (0: all)")
    args = parser.parse_args()
    predictor = LandmarkPredictor.load()
    photos = list(composite_photos(args.composites))
    if args.n_composites:
        photos = photos[:args.n_composites]
    out = {"composites": detection_figures(predictor, photos, args.detector)}
    if args.n_singles:
        records = single_records(args.singles, args.n_singles)
        boxes = single_boxes(args.singles, records)
        out["singles"] = detection_figures(
            predictor, ((load_image(r.path("image")), [boxes[r.key]]) for r in records), args.detector)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
