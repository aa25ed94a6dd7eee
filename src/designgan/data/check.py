"""Validate a two-domain dataset folder and list every problem, each naming its file."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from rich.progress import track

from designgan.data.manifest import TwoDomainData
from designgan.errors import DataError
from designgan.io import load_image, load_mask


@dataclass(frozen=True)
class Problem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def check_dataset(root: str | Path, progress: bool = True) -> list[Problem]:
    """Every problem found in the dataset at ``root`` (an empty list means it is usable)."""
    try:
        data = TwoDomainData.open(root)
    except DataError as exc:
        return [Problem(*_split_message(str(exc)))]
    problems: list[Problem] = []
    seen_keys: set[str] = set()
    ids_by_split: dict[tuple[str, str], set[str]] = defaultdict(set)
    train_with_masks = any(r.has_masks for r in data.records(split="train"))
    for record in track(data.all_records, description="checking", disable=not progress):
        if record.key in seen_keys:
            problems.append(Problem(record.key, "duplicate record key in manifest.jsonl"))
        seen_keys.add(record.key)
        ids_by_split[(record.split, record.domain)].add(record.id)
        image_path = record.path("image")
        try:
            size = load_image(image_path).size
        except DataError as exc:
            problems.append(Problem(*_split_message(str(exc))))
            continue
        if size != (record.width, record.height):
            problems.append(Problem(str(image_path), f"image is {size[0]}x{size[1]} but the manifest says "
                                                     f"{record.width}x{record.height}"))
        if record.split == "train" and train_with_masks and not record.has_masks:
            problems.append(Problem(str(image_path), "missing annotation: no garment mask in the manifest"))
        for name in ("garment_mask", "skin_mask", "label_map"):
            mask_path = record.path(name)
            if mask_path is None:
                continue
            try:
                mask = load_mask(mask_path, size=size) if name != "label_map" else _label_map(mask_path, size)
            except DataError as exc:
                problems.append(Problem(*_split_message(str(exc))))
                continue
            if name == "garment_mask" and not mask.any():
                problems.append(Problem(str(mask_path), "empty garment mask"))
    if not data.all_records:
        problems.append(Problem(str(Path(root) / "manifest.jsonl"), "the manifest lists no images"))
    # an evaluation set (e.g. composites) holds test photos only, by design
    needs_training = not data.metadata.get("evaluation_only", False)
    for domain in ("a", "b") if needs_training else ():
        if data.all_records and not data.records(split="train", domain=domain):
            problems.append(Problem(str(Path(root)), f"domain {domain} ({data.domain_name(domain)}) has no "
                                                     "training images"))
    allowed_overlap = data.metadata.get("overlap_policy") == "keep"  # the user asked for the public protocol
    for split in ("train", "test") if not allowed_overlap else ():
        both = ids_by_split[(split, "a")] & ids_by_split[(split, "b")]
        for image_id in sorted(both):
            problems.append(Problem(f"{split}/{image_id}", "the same image is in both domains of one split"))
    return problems


def _label_map(path: Path, size: tuple[int, int]):
    import numpy as np
    from PIL import Image

    try:
        with Image.open(path) as img:
            arr = np.asarray(img)
    except Exception as exc:
        raise DataError(f"{path}: not a readable label map ({type(exc).__name__})") from None
    if (arr.shape[1], arr.shape[0]) != tuple(size):
        raise DataError(f"{path}: label map is {arr.shape[1]}x{arr.shape[0]} but its image is {size[0]}x{size[1]}")
    return arr


def _split_message(message: str) -> tuple[str, str]:
    path, sep, rest = message.partition(": ")
    return (path, rest) if sep else ("<dataset>", message)
