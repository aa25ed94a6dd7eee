"""How well the source garment is found, in photo space: IoU against the two-domain datasets' pixel masks of the
source garment (CCP's labels) for the landmark region (polygon or body capsules, the old source mask) and for the
segmenter's mask (:meth:`designgan.landmarks.segment.GarmentMasker.photo_mask`, what the pipeline now uses).

Only photos with pixel labels can be scored: the records of a dataset's *train* split whose CCP id is in the given
ids (the segmenter's held-out photos); the test splits are CCP's image-level photos, which have no pixel labels.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
from PIL import Image

from designgan.io import load_image
from designgan.landmarks.regions import garment_family, garment_region
from designgan.landmarks.segment import GarmentMasker

Points = dict[str, tuple[float, float, float]]


def iou(a: np.ndarray | None, b: np.ndarray) -> float:
    """IoU of two bool masks (a missing mask scores 0; two empty masks 1)."""
    if a is None:
        return 0.0
    union = np.logical_or(a, b).sum()
    return float(np.logical_and(a, b).sum() / union) if union else 1.0


def labelled_records(data_roots: Sequence[Path], ids: Iterable[str]) -> list[tuple[str, dict, Path]]:
    """(group "dataset/category", manifest record, dataset root) of each pixel-labelled record whose id is in
    ``ids``."""
    wanted = set(ids)
    out = []
    for root in data_roots:
        for line in (Path(root) / "manifest.jsonl").read_text().splitlines():
            rec = json.loads(line) if line.strip() else None
            if rec and rec["id"] in wanted and rec.get("garment_mask"):
                out.append((f"{Path(root).name}/{rec['category']}", rec, Path(root)))
    return out


def photo_iou(masker: GarmentMasker, ids: Sequence[str], points: dict[str, Points], data_roots: Sequence[Path]
              ) -> dict:
    """Per group (``jeans_skirt/jeans``, ...) and over all distinct photos: photos, mean and median IoU of the
    landmark region and of the segmenter, and the share of photos the segmenter improves."""
    rows: dict[str, list[tuple[float, float]]] = {}
    unique: dict[tuple[str, str], tuple[float, float]] = {}  # a photo in two datasets counts once in "all"
    for group, rec, root in labelled_records(data_roots, ids):
        img = load_image(root / rec["image"])
        truth = np.asarray(Image.open(root / rec["garment_mask"]).convert("L")) > 127
        region, _ = garment_region(points[rec["id"]], rec["category"], img.size)
        seg = masker.photo_mask(np.asarray(img), points[rec["id"]], rec["category"], region)
        rows.setdefault(group, []).append((iou(region, truth), iou(seg, truth)))
        unique.setdefault((rec["id"], garment_family(rec["category"])), rows[group][-1])
    rows["all"] = list(unique.values())
    return {group: _summary(np.array(r).reshape(-1, 2)) for group, r in rows.items()}


def _summary(scores: np.ndarray) -> dict:
    """Photos, mean and median IoU of the region (column 0) and the segmenter (column 1), share improved."""
    if not len(scores):
        return {"photos": 0}
    return {"photos": len(scores), "polygon_iou": round(float(scores[:, 0].mean()), 4),
            "segmenter_iou": round(float(scores[:, 1].mean()), 4),
            "polygon_median": round(float(np.median(scores[:, 0])), 4),
            "segmenter_median": round(float(np.median(scores[:, 1])), 4),
            "improved": round(float((scores[:, 1] > scores[:, 0]).mean()), 3)}


def heldout_photo_iou(masker: GarmentMasker, ccp_root: str | Path, data_roots: Sequence[Path],
                      landmarks_cache: Path) -> dict:
    """:func:`photo_iou` on the segmenter's held-out CCP photos (landmarks as in training)."""
    from designgan.data import CCP
    from designgan.landmarks.segmenter_data import segmenter_split, training_points

    ccp = CCP(ccp_root)
    _, held = segmenter_split(ccp)
    held = sorted({rec['id'] for _, rec, _ in labelled_records(data_roots, held)})  # those the datasets label
    return photo_iou(masker, held, training_points(ccp, held, data_roots, landmarks_cache), data_roots)
