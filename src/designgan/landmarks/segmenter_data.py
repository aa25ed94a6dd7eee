"""Segmenter training samples: CCP's pixel-level photos in a segmenter's frame, with a prior plane (what inference
has) and a target plane, for one of two targets (:data:`TARGETS`):

- ``lower_garment`` (the source-garment segmenter): the landmark region as the prior, CCP's lower-garment pixels
  as the target;
- ``in_front`` (what the rendered prior must not paint over, :mod:`designgan.models.prior`): the lower garment's
  pixels as the prior (at run time the source garment's mask), as the target what of the person is not the lower
  garment, the legs or the feet: tops, jackets and coats over the hips, bags, belts, hands (CCP's skin near a
  wrist, :data:`HAND_REACH`), jewellery.

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
from designgan.landmarks.regions import LANDMARK_CONFIDENCE, garment_region
from designgan.landmarks.segment import SegmenterFrame, frame_matrix, to_frame

CONTEXT = 1.25
MIN_AREA = 0.004  # of the photo: a smaller lower garment is occluded scraps, not trained on
GARMENT_LABELS = {"jeans": "pants", "pants": "pants", "shorts": "shorts", "skirt": "skirt"}  # -> region category
UNDER_LABELS = ("leggings", "tights")  # the lower garment only when none of the above is worn
# what of the person a new lower garment goes behind (CCP label names; skin only near a wrist: HAND_REACH). Not
# dresses or rompers: below the waist they look like a skirt, and a segmenter taught to keep them kept the parts of
# long skirts the source mask missed (CCP 1254, 1280: the old skirt left over the new trousers)
IN_FRONT_LABELS = ("accessories", "bag", "belt", "blazer", "blouse", "bodysuit", "bracelet", "cape", "cardigan",
                   "coat", "gloves", "hair", "hoodie", "jacket", "jumper", "necklace", "purse", "ring", "scarf",
                   "shirt", "suit", "sweater", "sweatshirt", "t-shirt", "tie", "top", "vest", "wallet", "watch")
# footwear, in front of the new garment too when a recipe asks (``footwear_in_front``): a source mask that bleeds
# onto the shoes (a trouser cuff resting on them) otherwise has them filled with background (CCP 1066)
FOOTWEAR_LABELS = ("boots", "clogs", "flats", "heels", "loafers", "pumps", "sandals", "shoes", "sneakers", "wedges")
HAND_REACH = 0.15  # skin this close to a wrist (in leg lengths, hip centre to ankle centre) is a hand
TARGETS = ("lower_garment", "in_front")
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


def in_front(label_map: np.ndarray, names: Sequence[str], points: Points, footwear: bool = False) -> np.ndarray:
    """Bool mask of what of the person a new lower garment goes behind (:data:`IN_FRONT_LABELS`, with ``footwear``
    :data:`FOOTWEAR_LABELS` too, and CCP's skin within :data:`HAND_REACH` leg lengths of a wrist the landmarks
    saw)."""
    ids = {name: i for i, name in enumerate(names)}
    labels = IN_FRONT_LABELS + (FOOTWEAR_LABELS if footwear else ())
    mask = np.isin(label_map, [ids[n] for n in labels if n in ids])
    if "skin" not in ids:
        return mask
    xy = {k: np.array(v[:2], float) for k, v in points.items() if len(v) < 3 or v[2] >= LANDMARK_CONFIDENCE}
    hips = [xy[k] for k in ("left_hip", "right_hip") if k in xy]
    ankles = [xy[k] for k in ("left_ankle", "right_ankle") if k in xy]
    wrists = [xy[k] for k in ("left_wrist", "right_wrist") if k in xy]
    if not (hips and ankles and wrists):
        return mask
    reach = HAND_REACH * float(np.hypot(*(np.mean(ankles, axis=0) - np.mean(hips, axis=0))))
    ys, xs = np.mgrid[:label_map.shape[0], :label_map.shape[1]]
    near = np.zeros(label_map.shape, bool)
    for x, y in wrists:
        near |= (xs - x) ** 2 + (ys - y) ** 2 <= reach ** 2
    return mask | ((label_map == ids["skin"]) & near)


def training_planes(target: str, label_map: np.ndarray, names: Sequence[str], points: Points,
                    size: tuple[int, int], footwear: bool = False) -> tuple[np.ndarray, np.ndarray, str] | None:
    """(prior, target, the lower garment's region category) of one photo for ``target`` (module docstring; ``size``
    = (width, height); ``footwear``: :func:`in_front` counts footwear), or None when the photo has no lower garment
    or no landmark region to train on."""
    found = lower_garment(label_map, names)
    if found is None:
        return None
    garment, category = found
    if target == "in_front":
        return garment, in_front(label_map, names, points, footwear), category
    prior, _ = garment_region(points, category, size)
    return None if prior is None else (prior, garment, category)


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
    prior, target, inside the photo), with the ids, points and region categories they came from; ``target`` one
    of :data:`TARGETS`."""

    def __init__(self, ccp: CCP, ids: list[str], points: dict[str, Points], frame: SegmenterFrame,
                 progress: bool = True, target: str = "lower_garment", footwear: bool = False):
        if target not in TARGETS:
            raise ValueError(f"segmenter target {target!r} is not one of {', '.join(TARGETS)}")
        self.frame = frame
        images, planes, self.ids, self.categories = [], [], [], []
        self.points = points
        size = (round(frame.height * CONTEXT), round(frame.width * CONTEXT))
        for image_id in tqdm(ids, desc="framing CCP", disable=not progress, leave=False):
            img = load_image(ccp.photo_path(image_id))
            matrix = frame_matrix(points[image_id], frame)
            planes_found = None if matrix is None else training_planes(
                target, ccp.load_label_map(image_id, size=img.size), ccp.label_names, points[image_id], img.size,
                footwear)
            if planes_found is None:
                continue
            prior, wanted, category = planes_found
            framed = to_frame(np.asarray(img), np.stack([prior, wanted]), context_matrix(matrix, frame)[0], size)
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
               augment: bool = True, bleed: float = 0.0
               ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Images in [0, 1] (B, 3, h, w), priors, targets and valid-pixel weights (B, 1, h, w) in the frame.

    ``augment``: flip, zoom 0.85-1.18, turn up to 8 degrees, shift (the landmark network's error, simulated),
    photometric jitter (no erasing), and the prior moved a little against the photo (landmarks off by a few pixels);
    with ``bleed`` > 0, half the priors also grown by up to ``bleed`` of the frame's height, as a source mask that
    spills onto a bag, a hand or the shoes does, so the segmenter learns to find those inside the prior too."""
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
        if bleed > 0:
            radii = (torch.rand(b, generator=generator) * bleed * size[0]).round().long()
            radii = radii * (torch.rand(b, generator=generator) < 0.5)
            prior = torch.stack([F.max_pool2d(p[None], 2 * int(r) + 1, stride=1, padding=int(r))[0] if r else p
                                 for p, r in zip(prior, radii, strict=True)])
    valid = (planes[:, 2:3] > 0.5).float()
    return images, (prior > 0.5).float(), (planes[:, 1:2] > 0.5).float(), valid
