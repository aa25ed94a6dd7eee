"""Reader for the CycleGAN / InstaGAN folder layout users often already have.

``trainA/``, ``trainB/``, ``testA/``, ``testB/`` hold images; InstaGAN adds ``trainA_seg/NNNN_K.png`` (instance K
of image NNNN), whose union becomes the garment mask.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from designgan.data.builder import Annotation, SourceItem
from designgan.errors import DataError
from designgan.io import IMAGE_SUFFIXES, image_size, load_mask

_INSTANCE = re.compile(r"^(?P<stem>.+)_(?P<k>\d+)$")


def instance_masks(seg_dir: Path) -> dict[str, list[Path]]:
    """Map image stem -> its instance mask files (sorted by instance index)."""
    found: dict[str, list[tuple[int, Path]]] = {}
    for path in seg_dir.iterdir():
        match = _INSTANCE.match(path.stem)
        if path.suffix.lower() in IMAGE_SUFFIXES and match:
            found.setdefault(match["stem"], []).append((int(match["k"]), path))
    return {stem: [p for _, p in sorted(paths)] for stem, paths in found.items()}


def folder_items(root: str | Path, category_a: str = "A", category_b: str = "B") -> Iterator[SourceItem]:
    """Yield the images of a CycleGAN/InstaGAN folder dataset, their domain fixed by the folder."""
    root = Path(root)
    folders = [(split, domain) for split in ("train", "test") for domain in ("a", "b")
               if (root / f"{split}{domain.upper()}").is_dir()]
    if not folders:
        raise DataError(f"{root}: no trainA/trainB/testA/testB folders found")
    for split, domain in folders:
        image_dir = root / f"{split}{domain.upper()}"
        seg_dir = root / f"{split}{domain.upper()}_seg"
        segs = instance_masks(seg_dir) if seg_dir.is_dir() else None
        category = category_a if domain == "a" else category_b
        for path in sorted(p for p in image_dir.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES):
            load = None
            if segs is not None:
                if path.stem not in segs:
                    raise DataError(f"{path}: no instance mask {seg_dir.name}/{path.stem}_0.png (missing annotation)")
                load = functools.partial(_union_annotation, segs[path.stem], category, path)
            yield SourceItem(id=path.stem, split=split, image_path=path,  # type: ignore[arg-type]
                             category_area={category: float("nan")}, tags=[category],
                             load_annotation=load, domain=domain)  # type: ignore[arg-type]


def _union_annotation(paths: list[Path], category: str, image_path: Path) -> Annotation:
    size = image_size(image_path)
    union = np.zeros((size[1], size[0]), dtype=bool)
    for path in paths:
        union |= load_mask(path, size=size)
    return Annotation(category_masks={category: union})
