"""Garment-segmenter training samples: CCP's pixel-level photos in the segmenter's frame, with the landmark region
as the prior (what inference has) and CCP's lower-garment pixels as the target.

Each photo is resampled once into a context frame :data:`CONTEXT` times larger than the frame (same centre), so
batches can zoom and shift with real pixels around (:func:`make_batch`). Landmarks are the landmark network's
predictions, never the labels: the two-domain datasets' caches (``DIR/landmarks.jsonl``) where they have the
photo, else :func:`designgan.landmarks.ccp_points.ccp_landmarks`. CCP's image-level photos (the translation test
splits) have no pixel labels and are never read; the held-out split is the landmark network's
(:func:`designgan.landmarks.labels.heldout`), so its landmarks there are as good as on unseen photos.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from designgan.data import CCP
from designgan.data.augment import context_grid, photometric_jitter, random_affines
from designgan.io import load_image
from designgan.landmarks.ccp_points import ccp_landmarks
from designgan.landmarks.labels import heldout
from designgan.landmarks.predict import LandmarkPredictor
from designgan.landmarks.regions import garment_region
from designgan.landmarks.segment import SegmenterFrame, frame_matrix, to_frame

CONTEXT = 1.25
MIN_AREA = 0.004  # of the photo: a smaller lower garment is occluded scraps, not trained on
GARMENT_LABELS = {"jeans": "pants", "pants": "pants", "shorts": "shorts", "skirt": "skirt"}  # -> region category
UNDER_LABELS = ("leggings", "tights")  # the lower garment only when none of the above is worn
Points = dict[str, tuple[float, float, float]]


def lower_garment(label_map: np.ndarray, names: Sequence[str]) -> tuple[np.ndarray, str] | None:
    """The person's lower garment in a CCP label map (bool mask) and the region category to draw its prior with
    (the category with most pixels), or None when there is none to speak of. Belts, dresses and rompers are not
    part of it."""
    ids = {name: i for i, name in enumerate(names)}
    areas = {name: int((label_map == ids[name]).sum()) for name in GARMENT_LABELS if name in ids}
    limit = MIN_AREA * label_map.size
    if areas and max(areas.values()) >= limit:
        mask = np.isin(label_map, [ids[n] for n in areas])
        return mask, GARMENT_LABELS[max(areas, key=areas.__getitem__)]
    under = np.isin(label_map, [ids[n] for n in UNDER_LABELS if n in ids])
    return (under, "pants") if under.sum() >= limit else None


def dataset_points(roots: Sequence[Path]) -> dict[str, Points]:
    """CCP id -> landmark-network points from the landmark caches of two-domain datasets built from CCP."""
    known: dict[str, Points] = {}
    for root in roots:
        cache = Path(root) / "landmarks.jsonl"
        if cache.is_file():
            for line in cache.read_text().splitlines():
                if line.strip():
                    rec = json.loads(line)
                    known.setdefault(rec["key"].rsplit("/", 1)[-1], rec["points"])
    return known


def training_points(ccp: CCP, ids: list[str], data_roots: Sequence[Path], cache: Path,
                    log: Callable[[str], None] = print, predictor: LandmarkPredictor | None = None
                    ) -> dict[str, Points]:
    """Points of every id: from the datasets' caches, the rest predicted once by ``predictor`` (default: the shipped
    landmark network) and cached in ``cache``."""
    known = dataset_points(data_roots)
    missing = [i for i in ids if i not in known]
    if missing:
        known |= ccp_landmarks(ccp, missing, cache, log=log, predictor=predictor)  # type: ignore[arg-type]
    return {i: known[i] for i in ids}


def segmenter_split(ccp: CCP) -> tuple[list[str], list[str]]:
    """CCP's pixel-level ids into (train, held-out), by the landmark network's fixed held-out hash."""
    ids = ccp.pixel_level_ids()
    return [i for i in ids if not heldout(i)], [i for i in ids if heldout(i)]


def context_matrix(matrix: np.ndarray, frame: SegmenterFrame) -> tuple[np.ndarray, tuple[int, int]]:
    """Photo -> context-frame map and the context size: the frame widened :data:`CONTEXT` times about its centre."""
    size = (round(frame.height * CONTEXT), round(frame.width * CONTEXT))
    centre = np.array([(frame.width - 1) / 2, (frame.height - 1) / 2])
    ctx_centre = np.array([(size[1] - 1) / 2, (size[0] - 1) / 2])
    out = matrix / CONTEXT
    out[:, 2] += ctx_centre - centre / CONTEXT
    return out, size


class SegmenterSamples:
    """Context frames of CCP photos: images (uint8, N x 3 x H x W) and planes (uint8 0-255, N x 3 x H x W:
    prior, target, inside the photo), with the ids, points and region categories they came from."""

    def __init__(self, ccp: CCP, ids: list[str], points: dict[str, Points], frame: SegmenterFrame,
                 progress: bool = True):
        self.frame = frame
        images, planes, self.ids, self.categories = [], [], [], []
        self.points = points
        size = (round(frame.height * CONTEXT), round(frame.width * CONTEXT))
        for image_id in tqdm(ids, desc="framing CCP", disable=not progress, leave=False):
            img = load_image(ccp.photo_path(image_id))
            found = lower_garment(ccp.load_label_map(image_id, size=img.size), ccp.label_names)
            matrix = frame_matrix(points[image_id], frame)
            if found is None or matrix is None:
                continue
            target, category = found
            prior, _ = garment_region(points[image_id], category, img.size)
            if prior is None:
                continue
            framed = to_frame(np.asarray(img), np.stack([prior, target]), context_matrix(matrix, frame)[0], size)
            if framed is None:
                continue
            images.append((framed[0] * 255).round().to(torch.uint8))
            planes.append((framed[1] * 255).round().to(torch.uint8))
            self.ids.append(image_id)
            self.categories.append(category)
        self.images = torch.stack(images) if images else torch.zeros((0, 3, *size), dtype=torch.uint8)
        self.planes = torch.stack(planes) if planes else torch.zeros((0, 3, *size), dtype=torch.uint8)

    def __len__(self) -> int:
        return len(self.ids)


def make_batch(samples: SegmenterSamples, index: torch.Tensor, generator: torch.Generator | None = None,
               augment: bool = True) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Images in [0, 1] (B, 3, h, w), priors, targets and valid-pixel weights (B, 1, h, w) in the frame.

    ``augment``: flip, zoom 0.85-1.18, turn up to 8 degrees, shift (the landmark network's error, simulated),
    photometric jitter (no erasing), and the prior moved a little against the photo (landmarks off by a few pixels)."""
    b = len(index)
    size = (samples.frame.height, samples.frame.width)
    grid = context_grid(b, size, CONTEXT, generator, augment, scale=(0.85, 1.18), shift=0.06, rotate_deg=8.0)
    images = F.grid_sample(samples.images[index].float() / 255, grid, mode="bilinear", padding_mode="zeros",
                           align_corners=False)
    planes = F.grid_sample(samples.planes[index].float() / 255, grid, mode="bilinear", padding_mode="zeros",
                           align_corners=False)
    prior = planes[:, :1]
    if augment:
        images = photometric_jitter(images, generator, erase=0.0)  # an erased patch would still be labelled garment
        nudge = random_affines(b, generator, scale=(0.94, 1.06), shift=0.03, rotate_deg=3.0, flip=False)
        prior = F.grid_sample(prior, F.affine_grid(nudge, [b, 1, *size], align_corners=False), mode="bilinear",
                              padding_mode="zeros", align_corners=False)
    valid = (planes[:, 2:3] > 0.5).float()
    return images, (prior > 0.5).float(), (planes[:, 1:2] > 0.5).float(), valid
