"""Training labels for the landmark network: teacher body keypoints + mask-derived garment landmarks.

A label file is JSON lines, one record per photo::

    {"key": "ccp/0001", "image": "/abs/photo.jpg", "width": 550, "height": 825, "split": "train"|"heldout",
     "person_found": true, "points": {"nose": [x, y, v], ...}, "unlabelled": ["left_sleeve_end", ...]}

``points`` covers every name in ``LANDMARK_NAMES`` (original image pixels, visibility in [0, 1]); names in
``unlabelled`` carry no information (no teacher output, or a garment the derivation does not model) and are
ignored by the loss and the metrics. The held-out split is a fixed hash of the photo id, so it never changes.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from designgan.data.manifest import TwoDomainData
from designgan.errors import DataError
from designgan.io import atomic_path, load_image
from designgan.landmarks.garment import garment_landmarks_from_label_map
from designgan.landmarks.schema import BODY_NAMES, GARMENT_NAMES, LANDMARK_NAMES

HELDOUT_PERCENT = 10
DEFAULT_CCP_LABELS = Path("data/landmark_labels/ccp.jsonl")
DATA_LABELS_NAME = "landmark_labels.jsonl"


def heldout(image_id: str, percent: int = HELDOUT_PERCENT) -> bool:
    """Fixed held-out membership of a photo id (CRC32 hash, so it is the same on every machine)."""
    return zlib.crc32(image_id.encode()) % 100 < percent


@dataclass
class LabelSource:
    """One photo to label: where it is and, optionally, how to get its garment label map."""

    key: str
    id: str
    image: Path
    load_label_map: Callable[[tuple[int, int]], np.ndarray] | None = None


def ccp_sources(root: str | Path) -> list[LabelSource]:
    """Every CCP photo; the pixel-level ones come with their label maps."""
    from designgan.data.ccp import CCP

    ccp = CCP(root)
    pixel = set(ccp.pixel_level_ids())
    ids = sorted(p.stem for p in (Path(root) / "photos").glob("*.jpg"))
    if not ids:
        raise DataError(f"{Path(root) / 'photos'}: no photos found")
    out = []
    for image_id in ids:
        loader = None
        if image_id in pixel:
            def loader(size: tuple[int, int], _id: str = image_id) -> np.ndarray:
                return ccp.load_label_map(_id, size=size)
        out.append(LabelSource(key=f"ccp/{image_id}", id=image_id, image=ccp.photo_path(image_id),
                               load_label_map=loader))
    return out


def dataset_sources(data_dir: str | Path) -> list[LabelSource]:
    """Every record of a two-domain dataset folder (``manifest.jsonl``); label maps where the record has one."""
    out = []
    for record in TwoDomainData.open(data_dir).all_records:
        loader = None
        if record.label_map:
            def loader(size: tuple[int, int], _p: Path = record.path("label_map")) -> np.ndarray:
                return read_label_png(_p, size)
        out.append(LabelSource(key=record.key, id=record.id, image=record.path("image"), load_label_map=loader))
    return out


def read_label_png(path: Path, size: tuple[int, int]) -> np.ndarray:
    if not path.is_file():
        raise DataError(f"{path}: label map not found")
    with Image.open(path) as img:
        arr = np.asarray(img)
    if arr.ndim != 2 or (arr.shape[1], arr.shape[0]) != tuple(size):
        raise DataError(f"{path}: label map is {arr.shape[::-1]} but its image is {size}")
    return arr.astype(np.uint8)


def label_record(source: LabelSource, rgb: np.ndarray, body: dict[str, list[float]] | None) -> dict:
    """One label-file record from a photo's teacher output and (optional) garment label map."""
    height, width = rgb.shape[:2]
    points = {name: [0.0, 0.0, 0.0] for name in LANDMARK_NAMES}
    unlabelled: list[str] = []
    if body is None:
        unlabelled += list(BODY_NAMES)
    else:
        points.update({name: [round(float(v), 2) for v in body[name]] for name in BODY_NAMES})
    if source.load_label_map is None:
        unlabelled += list(GARMENT_NAMES)
    else:
        label_map = source.load_label_map((width, height))
        body_arr = {k: np.asarray(v) for k, v in body.items()} if body is not None else None
        garment = garment_landmarks_from_label_map(label_map, body_arr)
        for i, name in enumerate(GARMENT_NAMES):
            points[name] = [round(float(v), 2) for v in garment.points[i]]
            if not garment.labelled[i]:
                unlabelled.append(name)
    return {"key": source.key, "image": str(source.image.resolve()), "width": width, "height": height,
            "split": "heldout" if heldout(source.id) else "train", "person_found": body is not None,
            "points": points, "unlabelled": unlabelled}


def pseudo_label(sources: Iterable[LabelSource], teacher: Callable[[np.ndarray], dict | None]) -> Iterator[dict]:
    for source in sources:
        rgb = np.asarray(load_image(source.image))
        yield label_record(source, rgb, teacher(rgb))


def write_jsonl(path: str | Path, records: Iterable[dict]) -> int:
    """Write records atomically; returns how many."""
    n = 0
    with atomic_path(path) as tmp, open(tmp, "w") as fh:
        for rec in records:
            fh.write(json.dumps(rec) + "\n")
            n += 1
    return n


def read_labels(path: str | Path) -> list[dict]:
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: label file not found (run 'designgan landmarks pseudo-label' first)")
    out = []
    with open(path) as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataError(f"{path}:{n}: not valid JSON ({exc.msg})") from None
            missing = [k for k in ("key", "image", "points", "split") if k not in rec]
            if missing:
                raise DataError(f"{path}:{n}: record lacks {', '.join(missing)}")
            # relative image paths are relative to the label file (portable fixtures)
            rec["image"] = str((path.parent / rec["image"]).resolve())
            out.append(rec)
    return out


def label_arrays(records: list[dict], min_visibility: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """Records -> points (N, K, 2) and loss weights (N, K).

    Weight 1: a visible landmark (target Gaussian) or a labelled-absent garment landmark (target all zero, which
    teaches the network low confidence for garments that are not there); weight 0: unlabelled, or a teacher
    keypoint under ``min_visibility`` (the teacher is unsure, so it is no target either way).
    Visibility is returned in the weights' companion: ``visible = weights * (vis >= min_visibility)``.
    """
    n, k = len(records), len(LANDMARK_NAMES)
    pts = np.zeros((n, k, 3), dtype=np.float32)
    weights = np.ones((n, k), dtype=np.float32)
    body_set = set(BODY_NAMES)
    for i, rec in enumerate(records):
        unl = set(rec.get("unlabelled", []))
        for j, name in enumerate(LANDMARK_NAMES):
            pts[i, j] = rec["points"][name]
            if name in unl or (name in body_set and pts[i, j, 2] < min_visibility):
                weights[i, j] = 0.0
    return pts, weights
