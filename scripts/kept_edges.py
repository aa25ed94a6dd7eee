"""How closely what the pipeline keeps in front of a new skirt (hands, tops, bags) follows CCP's pixel labels, at
the photo's full resolution: the in-front mask upsampled from the prior's frame as it is, and snapped to the
photo's edges with a guided filter over a grid of (radius, eps, gain).

The photos: the in-front segmenter's held-out pixel-labelled CCP photos (``segmenter_split``) whose lower garment
is trousers, translated with the bundled ``jeans2skirt`` to a skirt. The truth is the segmenter's training target
(:func:`designgan.landmarks.segmenter_data.in_front`) at photo size. Scored inside each person's composition
window (the garments and a margin): IoU of the mask at 0.5, the boundary F-score (edge pixels within 2 px) and the
mean absolute error of the soft mask. The held-out photos are split by id into a tuning half (even, where the
setting is chosen) and a report half (odd). Outputs go to stdout as JSON lines, then a summary.

    OMP_NUM_THREADS=1 PYTHONPATH=src python scripts/kept_edges.py --limit 0     # ~5 min
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from scipy import ndimage

import designgan.pipeline.compose as compose
from designgan.data import CCP
from designgan.errors import DesignGANError
from designgan.io import load_image
from designgan.landmarks.regions import garment_family
from designgan.landmarks.segmenter_data import in_front, lower_garment, segmenter_split, training_points
from designgan.pipeline import DesignGANPipeline

DATA = [Path("data/jeans_skirt"), Path("data/pants_skirt"), Path("data/pants_shorts")]
GRID = [(r, eps, gain) for r in (2.0, 3.0, 4.0) for eps in (1e-3,) for gain in (1.0, 2.0, 4.0)]


def boundary_f(pred: np.ndarray, truth: np.ndarray, tolerance: int = 2) -> float:
    """F-score of the two masks' edge pixels, each matched within ``tolerance`` px of the other's (1.0 when
    neither has an edge)."""
    def edge(m: np.ndarray) -> np.ndarray:
        return m & ~ndimage.binary_erosion(m, border_value=1)
    ep, et = edge(pred), edge(truth)
    if not ep.any() and not et.any():
        return 1.0
    if not ep.any() or not et.any():
        return 0.0
    near_t = ndimage.distance_transform_edt(~et) <= tolerance
    near_p = ndimage.distance_transform_edt(~ep) <= tolerance
    precision, recall = (ep & near_t).sum() / ep.sum(), (et & near_p).sum() / et.sum()
    return float(2 * precision * recall / (precision + recall)) if precision + recall else 0.0


def scores(front: np.ndarray, truth: np.ndarray) -> tuple[float, float, float]:
    pred = front > 0.5
    union = (pred | truth).sum()
    iou = float((pred & truth).sum() / union) if union else 1.0
    return iou, boundary_f(pred, truth), float(np.abs(front - truth).mean())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ccp-root", type=Path, default=Path("../shared/datasets/ccp"))
    ap.add_argument("--landmarks-cache", type=Path, default=Path("runs/in_front/ccp_landmarks.jsonl"))
    ap.add_argument("--limit", type=int, default=0, help="photos at most (0: all)")
    args = ap.parse_args()

    ccp = CCP(args.ccp_root)
    _, held = segmenter_split(ccp)
    points = training_points(ccp, held, DATA, args.landmarks_cache)
    names = ccp.label_names
    pipe = DesignGANPipeline.from_pretrained("jeans2skirt")
    calls: list[tuple] = []
    original, shipped = compose._kept, compose.SNAP_EDGES

    def recording(job, window, photo, scale):
        calls.append((job, window, photo.copy(), scale))  # the window is painted over next
        return original(job, window, photo, scale)

    compose._kept = recording
    settings = [None, *GRID]
    rows = []
    for image_id in held:
        photo = load_image(ccp.photo_path(image_id))
        labels = ccp.load_label_map(image_id, size=photo.size)
        found = lower_garment(labels, names)
        if found is None or garment_family(found[1]) != "trousers":
            continue
        truth_photo = in_front(labels, names, points[image_id])
        calls.clear()
        try:
            pipe(photo, to="skirt")
        except DesignGANError as exc:
            print(json.dumps({"id": image_id, "skipped": str(exc)[:80]}), flush=True)
            continue
        row = {"id": image_id, "half": "tune" if int(image_id) % 2 == 0 else "report", "scores": {}}
        for setting in settings:
            compose.SNAP_EDGES = setting
            per_person = []
            for job, window, window_photo, scale in calls:
                kept = original(job, window, window_photo, scale)
                if kept is None:
                    continue
                x0, y0, x1, y1 = window
                per_person.append(scores(kept[1], truth_photo[y0:y1, x0:x1]))
            if per_person:
                row["scores"][str(setting)] = [round(float(v), 4) for v in np.mean(per_person, axis=0)]
        compose.SNAP_EDGES = shipped
        print(json.dumps(row), flush=True)
        rows.append(row)
        if args.limit and len(rows) >= args.limit:
            break
    summary = {}
    for half in ("tune", "report"):
        mine = [r for r in rows if r["half"] == half and r["scores"]]
        summary[half] = {"photos": len(mine)} | {
            key: [round(float(v), 4) for v in np.mean([r["scores"][key] for r in mine], axis=0)]
            for key in mine[0]["scores"]} if mine else {"photos": 0}
    print(json.dumps({"summary (iou, boundary F 2 px, mae)": summary}, indent=1))


if __name__ == "__main__":
    main()
