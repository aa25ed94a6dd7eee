"""Turn items from any source format into a two-domain dataset folder, atomically.

Source readers (CCP, CycleGAN/InstaGAN folders, DeepFashion2) yield :class:`SourceItem` s; this module decides
which domain each item belongs to and writes images, masks and the manifest into a temporary folder that is
moved into place only when everything succeeded.
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from PIL import Image
from rich.progress import track

from designgan.data.manifest import FORMAT_NAME, FORMAT_VERSION, MANIFEST, METADATA, Record, folder_name
from designgan.errors import DataError
from designgan.io import check_output_dir, chmod_like_umask, exif_orientation, load_image, write_json_atomic

OverlapPolicy = Literal["dominant", "drop", "keep"]


@dataclass
class Annotation:
    """Pixel-level annotation of one image: a boolean mask per garment category present, and more if known."""

    category_masks: dict[str, np.ndarray]
    skin: np.ndarray | None = None
    label_map: np.ndarray | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class SourceItem:
    """One image offered by a source reader.

    ``category_area`` maps each garment category present to its area in pixels (NaN when only image-level tags
    are known). ``load_annotation`` is None for images without pixel-level labels.
    """

    id: str
    split: Literal["train", "test"]
    image_path: Path
    category_area: dict[str, float]
    tags: list[str]
    load_annotation: Callable[[], Annotation] | None = None
    domain: Literal["a", "b"] | None = None  # fixed by the source (CycleGAN folders) or None to assign


GROUP_SEPARATOR = "+"  # joins a grouped domain's categories into its name: jeans,pants -> "jeans+pants"


def category_members(name: str) -> list[str]:
    """The categories a domain name stands for: ``"jeans+pants"`` -> ``["jeans", "pants"]``, ``"skirt"`` ->
    ``["skirt"]``."""
    return [part for part in name.split(GROUP_SEPARATOR) if part]


@dataclass
class DomainSpec:
    """A domain: a display name and the categories it groups (``jeans,pants`` -> ``["jeans", "pants"]``)."""

    categories: list[str]

    @property
    def name(self) -> str:
        return GROUP_SEPARATOR.join(self.categories)

    @classmethod
    def parse(cls, text: str) -> DomainSpec:
        cats = [c.strip() for c in text.split(",") if c.strip()]
        if not cats:
            raise DataError(f"empty domain category list {text!r}")
        return cls(cats)


def assign_domain(item: SourceItem, a: DomainSpec, b: DomainSpec, overlap: OverlapPolicy) -> list[str]:
    """The domains (``[]``, ``["a"]``, ``["b"]`` or both with policy ``keep``) an item belongs to."""
    if item.domain is not None:
        return [item.domain]
    area_a = _group_area(item, a)
    area_b = _group_area(item, b)
    in_a, in_b = area_a is not None, area_b is not None
    if in_a and in_b:
        if overlap == "keep":
            return ["a", "b"]
        if overlap == "drop" or math.isnan(area_a) or math.isnan(area_b) or area_a == area_b:
            return []  # image-level tags carry no area, so the dominant garment cannot be known
        return ["a"] if area_a > area_b else ["b"]
    return ["a"] if in_a else ["b"] if in_b else []


def _group_area(item: SourceItem, spec: DomainSpec) -> float | None:
    areas = [item.category_area[c] for c in spec.categories if c in item.category_area]
    return sum(areas) if areas else None


def build_two_domain(
    items: Iterable[SourceItem],
    out: str | Path,
    a: DomainSpec,
    b: DomainSpec,
    *,
    source: str,
    overlap: OverlapPolicy = "dominant",
    overwrite: bool = False,
    extra_metadata: dict[str, Any] | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Write the dataset to ``out`` and return its ``dataset.json`` metadata (which includes the counts)."""
    out = Path(out)
    check_output_dir(out, "output dataset folder")  # a file, a device or an unwritable place: one line, no work
    if out.exists() and any(out.iterdir()) and not overwrite:
        raise DataError(f"{out}: output folder exists and is not empty (pass --overwrite to replace it)")
    shared = sorted(set(a.categories) & set(b.categories))
    if shared:
        raise DataError(f"category '{shared[0]}' is in both domain a ({a.name}) and domain b ({b.name}); "
                        "a category can belong to one domain only")
    overlaps = {"train": 0, "test": 0}
    plan: list[tuple[SourceItem, str]] = []
    for item in items:
        domains = assign_domain(item, a, b, overlap)
        if item.domain is None and _group_area(item, a) is not None and _group_area(item, b) is not None:
            overlaps[item.split] += 1
        plan.extend((item, d) for d in domains)
    if not plan:
        raise DataError(f"no image matches domain a ({a.name}) or domain b ({b.name})")
    for domain, spec in (("a", a), ("b", b)):
        if not any(d == domain and item.split == "train" for item, d in plan):
            raise DataError(f"domain {domain} ({spec.name}) would get no training image: nothing in the source "
                            "matches it (check the category names and --overlap)")

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    try:
        records = [
            _write_item(item, domain, a if domain == "a" else b, tmp)
            for item, domain in track(plan, description=f"writing {out.name}", disable=not progress)
        ]
        metadata = {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "source": source,
            "domains": {"a": {"name": a.name, "categories": a.categories},
                        "b": {"name": b.name, "categories": b.categories}},
            "overlap_policy": overlap,
            "overlapping_images": overlaps,
            "counts": _counts(records),
            **(extra_metadata or {}),
        }
        (tmp / MANIFEST).write_text("".join(r.to_json() + "\n" for r in records))
        write_json_atomic(tmp / METADATA, metadata)
        chmod_like_umask(tmp)  # mkdtemp made it 0700; a dataset is shared like any folder
        _move_into_place(tmp, out)
    except OSError as exc:  # disk full, file-size limit (EFBIG), permissions: one line, nothing left behind
        shutil.rmtree(tmp, ignore_errors=True)
        raise DataError(f"{out}: could not write the dataset ({exc.strerror or exc}); nothing was written") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return metadata


def _counts(records: Sequence[Record]) -> dict[str, int]:
    counts = {f"{s}_{d}": 0 for s in ("train", "test") for d in ("a", "b")}
    for r in records:
        counts[f"{r.split}_{r.domain}"] += 1
    return counts


def _write_item(item: SourceItem, domain: str, spec: DomainSpec, root: Path) -> Record:
    folder = folder_name(item.split, domain)
    image = load_image(item.image_path)  # validates the photo (readable, size limits) before anything is kept
    width, height = image.size
    suffix = item.image_path.suffix.lower()
    image_rel = f"{folder}/{item.id}{suffix if suffix in ('.jpg', '.jpeg', '.png') else '.png'}"
    (root / folder).mkdir(exist_ok=True)
    if suffix in (".jpg", ".jpeg", ".png") and _is_plain_rgb(item.image_path):
        shutil.copyfile(item.image_path, root / image_rel)  # keep the original bytes: no re-encoding loss
    else:
        image.save(root / image_rel)

    record = Record(
        key=f"{folder}/{item.id}", id=item.id, split=item.split, domain=domain,  # type: ignore[arg-type]
        category=spec.name, image=image_rel, width=width, height=height,
        tags=sorted(item.tags), source=str(item.image_path.resolve()),
    )
    if item.load_annotation is not None:
        ann = item.load_annotation()
        masks_dir = root / f"{folder}_masks"
        masks_dir.mkdir(exist_ok=True)
        garment = np.zeros((height, width), dtype=bool)
        for cat in spec.categories:
            if cat in ann.category_masks:
                garment |= _check_shape(ann.category_masks[cat], height, width, item, f"{cat} mask")
        record.garment_mask = _save_mask(garment, masks_dir, f"{item.id}_garment.png", folder)
        if ann.skin is not None:
            skin = _check_shape(ann.skin, height, width, item, "skin mask")
            record.skin_mask = _save_mask(skin, masks_dir, f"{item.id}_skin.png", folder)
        if ann.label_map is not None:
            labels = _check_shape(ann.label_map, height, width, item, "label map")
            Image.fromarray(labels.astype(np.uint8), "L").save(masks_dir / f"{item.id}_labels.png")
            record.label_map = f"{folder}_masks/{item.id}_labels.png"
        record.extra = dict(ann.extra)
    return record


def _is_plain_rgb(path: Path) -> bool:
    # EXIF-rotated or non-RGB files are re-encoded upright, so every stored image reads back as what we validated
    with Image.open(path) as img:
        return img.mode == "RGB" and exif_orientation(img) == 1


def _check_shape(mask: np.ndarray, height: int, width: int, item: SourceItem, what: str) -> np.ndarray:
    if mask.shape != (height, width):
        raise DataError(f"{item.image_path}: {what} is {mask.shape[1]}x{mask.shape[0]}, image is {width}x{height}")
    return mask


def _save_mask(mask: np.ndarray, folder: Path, name: str, rel_folder: str) -> str:
    Image.fromarray(mask.astype(np.uint8) * 255, "L").save(folder / name)
    return f"{rel_folder}_masks/{name}"


def _move_into_place(tmp: Path, out: Path) -> None:
    """Replace ``out`` by ``tmp`` with renames only, so a crash leaves either the old or the new dataset."""
    if out.exists():
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        os.replace(out, old)
        os.replace(tmp, out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, out)
