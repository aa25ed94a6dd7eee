"""Reader for Clothing Co-Parsing (CCP, Yang et al. CVPR 2014; github.com/bearpaw/clothing-co-parsing).

Layout: ``photos/NNNN.jpg``, ``annotations/pixel-level/NNNN.mat`` (``groundtruth``: uint8 label map),
``annotations/image-level/NNNN.mat`` (``tags``: label ids present), ``label_list.mat`` (``label_list``: names).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import scipy.io

from designgan.data.builder import Annotation, SourceItem
from designgan.errors import DataError
from designgan.io import image_size

SKIN = "skin"


def _load_mat(path: Path, variable: str) -> np.ndarray:
    if not path.is_file():
        raise DataError(f"{path}: annotation file not found")
    try:
        mat = scipy.io.loadmat(str(path))
    except Exception as exc:
        raise DataError(f"{path}: not a readable .mat file ({type(exc).__name__}: {exc})") from None
    if variable not in mat:
        found = sorted(k for k in mat if not k.startswith("__"))
        raise DataError(f"{path}: variable '{variable}' missing (found: {found})")
    return mat[variable]


def align_top_left(label_map: np.ndarray, height: int, width: int) -> np.ndarray:
    """Crop or zero-pad a label map to (height, width), keeping its top-left corner fixed.

    CCP's label maps can be a few rows shorter or longer than their photos; they agree at the top-left.
    """
    out = np.zeros((height, width), dtype=label_map.dtype)
    h, w = min(height, label_map.shape[0]), min(width, label_map.shape[1])
    out[:h, :w] = label_map[:h, :w]
    return out


class CCP:
    """Clothing Co-Parsing on disk; all methods read lazily and name the file on any error."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        for sub in ("photos", "annotations/pixel-level", "annotations/image-level"):
            if not (self.root / sub).is_dir():
                raise DataError(f"{self.root / sub}: folder not found (is {self.root} a CCP checkout?)")

    @functools.cached_property
    def label_names(self) -> list[str]:
        cells = _load_mat(self.root / "label_list.mat", "label_list")
        return [str(np.asarray(cell).ravel()[0]) if np.asarray(cell).size else "" for cell in cells.ravel()]

    def label_id(self, name: str) -> int:
        try:
            return self.label_names.index(name)
        except ValueError:
            raise DataError(f"unknown CCP label '{name}' (labels: {', '.join(self.label_names[1:])})") from None

    def pixel_level_ids(self) -> list[str]:
        return sorted(p.stem for p in (self.root / "annotations/pixel-level").glob("*.mat"))

    def image_level_ids(self) -> list[str]:
        return sorted(p.stem for p in (self.root / "annotations/image-level").glob("*.mat"))

    def photo_path(self, image_id: str) -> Path:
        return self.root / "photos" / f"{image_id}.jpg"

    def load_label_map(self, image_id: str, size: tuple[int, int] | None = None) -> np.ndarray:
        """uint8 (h, w) label ids; aligned top-left to ``size`` = (width, height) when given."""
        path = self.root / "annotations/pixel-level" / f"{image_id}.mat"
        label_map = _load_mat(path, "groundtruth")
        if label_map.ndim != 2:
            raise DataError(f"{path}: 'groundtruth' has shape {label_map.shape}, expected a 2-D label map")
        if label_map.max(initial=0) >= len(self.label_names):
            raise DataError(f"{path}: label id {int(label_map.max())} is not in label_list.mat")
        label_map = label_map.astype(np.uint8)
        if size is not None:
            label_map = align_top_left(label_map, size[1], size[0])
        return label_map

    def load_tags(self, image_id: str) -> set[int]:
        path = self.root / "annotations/image-level" / f"{image_id}.mat"
        tags = _load_mat(path, "tags")
        return {int(t) for t in np.asarray(tags).ravel()}


def ccp_items(ccp: CCP, categories: list[str]) -> Iterator[SourceItem]:
    """CCP as source items under the public protocol: pixel-level images -> train, image-level -> test.

    Only images containing at least one of ``categories`` are yielded.
    """
    wanted = {ccp.label_id(name): name for name in categories}
    skin_id = ccp.label_id(SKIN)
    for image_id in ccp.pixel_level_ids():
        raw = ccp.load_label_map(image_id)
        ids, areas = np.unique(raw, return_counts=True)
        present = {wanted[i]: float(n) for i, n in zip(ids.tolist(), areas.tolist(), strict=True) if i in wanted}
        if not present:
            continue
        yield SourceItem(
            id=image_id, split="train", image_path=ccp.photo_path(image_id), category_area=present,
            tags=[ccp.label_names[i] for i in ids.tolist() if i],
            load_annotation=functools.partial(_ccp_annotation, ccp, image_id, wanted, skin_id),
        )
    for image_id in ccp.image_level_ids():
        tags = ccp.load_tags(image_id)
        present = {name: math.nan for i, name in wanted.items() if i in tags}
        if present:
            yield SourceItem(id=image_id, split="test", image_path=ccp.photo_path(image_id),
                             category_area=present, tags=[ccp.label_names[i] for i in sorted(tags) if i])


def _ccp_annotation(ccp: CCP, image_id: str, wanted: dict[int, str], skin_id: int) -> Annotation:
    label_map = ccp.load_label_map(image_id, size=image_size(ccp.photo_path(image_id)))
    return Annotation(
        category_masks={name: label_map == i for i, name in wanted.items()},
        skin=label_map == skin_id,
        label_map=label_map,
    )
