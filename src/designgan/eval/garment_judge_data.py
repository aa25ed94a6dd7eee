"""Garment-judge training samples: CCP's pixel-level photos in the lower-body frame, labelled from their masks.

Each photo is cropped once, in the judge's frame (``GARMENT_FRAME``) widened by :data:`CONTEXT`, with
its per-pixel family map; batches are warped from these context crops (flip, zoom, turn, shift: the landmark
network's own error, simulated) and photometrically jittered. The held-out split is the parser judge's (ids
divisible by 10). CCP's image-level photos that may be translation test photos are never read: only those tagged
with a dress or leggings and none of the bundled models' categories (:func:`tagged_extra`), which no test split
holds, labelled from their tags (no pixel map: the per-pixel loss ignores them).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from tqdm import tqdm

from designgan.data import CCP
from designgan.data.augment import context_grid, photometric_jitter
from designgan.errors import DataError
from designgan.eval.garment_family import FAMILIES, PIXEL_CLASSES, photo_family, pixel_lookup
from designgan.eval.garment_judge import FRAME_SIZE, GARMENT_FRAME, crop_image, crop_labels, frame_matrix
from designgan.eval.judge_data import IGNORE
from designgan.io import load_image
from designgan.landmarks.ccp_points import Points
from designgan.landmarks.frame import leg_axis

CONTEXT = 1.25  # context crops are this much larger than the frame, about the same centre
# Image-level photos tagged with one of these and none of TEST_CATEGORIES are never test photos (every built dataset
# takes its domains from jeans, pants, skirt and shorts); a dress makes the family skirt, leggings alone trousers.
TEST_CATEGORIES = ("jeans", "pants", "skirt", "shorts")
TAG_FAMILY = (("dress", "skirt"), ("leggings", "trousers"))
SKIN, LEGWEAR = PIXEL_CLASSES.index("skin"), PIXEL_CLASSES.index("legwear")


def tagged_extra(ccp: CCP) -> dict[str, int]:
    """Family ids of CCP's image-level photos labelled by their tags (:data:`TAG_FAMILY`), leaving out every photo
    tagged with a test category (:data:`TEST_CATEGORIES`)."""
    names = ccp.label_names
    out = {}
    for image_id in ccp.image_level_ids():
        tags = {names[i] for i in ccp.load_tags(image_id) if i}
        if tags & set(TEST_CATEGORIES):
            continue
        family = next((f for tag, f in TAG_FAMILY if tag in tags), None)
        if family is not None:
            out[image_id] = FAMILIES.index(family)
    return out


class GarmentSamples:
    """Context crops (uint8, N x 3 x H x W), per-pixel family maps (uint8, N x H x W) and family ids of the CCP
    photos that have a lower garment. ``tagged``: family ids of photos without a label map (image-level ones):
    their pixel maps are all :data:`IGNORE`."""

    def __init__(self, ccp: CCP, ids: list[str], points: dict[str, Points], progress: bool = True,
                 tagged: dict[str, int] | None = None):
        tagged = tagged or {}
        context = GARMENT_FRAME.widened(CONTEXT)
        self.size = context.size
        table = pixel_lookup(ccp.label_names)
        images, labels, families, kept = [], [], [], []
        for image_id in tqdm(ids, desc="cropping CCP", disable=not progress, leave=False):
            img = load_image(ccp.photo_path(image_id))
            axis = leg_axis(points[image_id], GARMENT_FRAME)
            if isinstance(axis, str):
                raise DataError(f"{ccp.photo_path(image_id)}: no garment frame from its landmarks ({axis})")
            matrix = frame_matrix(points[image_id], context)
            if image_id in tagged:
                family = tagged[image_id]
                label = torch.full(self.size, IGNORE, dtype=torch.uint8)
            else:
                raw = ccp.load_label_map(image_id, size=img.size)
                family = photo_family(raw, ccp.label_names, float(axis[0][1]))  # the hip centre's row
                if family is None:
                    continue
                label = torch.from_numpy(crop_labels(table[raw], matrix, self.size, IGNORE))
            images.append(torch.from_numpy(crop_image(img, matrix, self.size)).permute(2, 0, 1))
            labels.append(label)
            families.append(family)
            kept.append(image_id)
        self.ids = kept
        self.images = torch.stack(images) if images else torch.zeros((0, 3, *self.size), dtype=torch.uint8)
        self.labels = torch.stack(labels) if labels else torch.zeros((0, *self.size), dtype=torch.uint8)
        self.families = torch.tensor(families, dtype=torch.long)
        self.hip_row = round(context.hip_y * self.size[0])  # bare skin below it is legs (or a hanging hand)

    def __len__(self) -> int:
        return len(self.ids)


def make_batch(samples: GarmentSamples, index: torch.Tensor, generator: torch.Generator | None = None,
               augment: bool = True, size: tuple[int, int] = FRAME_SIZE, legwear: float = 0.0,
               cut_legs: float = 0.0, cut_top: float = 0.0) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Images in [0, 1] (B, 3, h, w) in the frame, per-pixel family maps (B, h, w) with :data:`IGNORE`, family
    ids (B,). Without ``augment``: the plain frame (the centre of the context crop). With ``augment``, a share
    ``legwear`` of the photos gets tights drawn over its bare legs (:func:`legwear_overlay`) and a share
    ``cut_legs`` is cut off below a random row, continued down (:func:`cut_legs_off`), a share ``cut_top`` black
    above a random row (:func:`cut_top_off`)."""
    b = len(index)
    images, labels = samples.images[index].float() / 255.0, samples.labels[index]
    if augment and legwear:
        images, labels = legwear_overlay(images, labels, samples.hip_row, legwear, generator)
    grid = context_grid(b, size, CONTEXT, generator, augment, scale=(0.85, 1.18), shift=0.08, rotate_deg=10.0)
    images = F.grid_sample(images, grid, mode="bilinear", padding_mode="zeros",
                           align_corners=False)
    warped = F.grid_sample(labels[:, None].float() + 1, grid, mode="nearest", padding_mode="zeros",
                           align_corners=False)[:, 0].long()
    labels = torch.where(warped == 0, IGNORE, warped - 1)  # outside the context crop; outside the photo is IGNORE
    if augment and cut_legs:
        images, labels = cut_legs_off(images, labels, cut_legs, generator)
    if augment and cut_top:
        images, labels = cut_top_off(images, labels, cut_top, generator)
    if augment:
        images = photometric_jitter(images, generator)
    return images, labels, samples.families[index]


def legwear_overlay(images: torch.Tensor, labels: torch.Tensor, hip_row: int, share: float,
                    generator: torch.Generator | None) -> tuple[torch.Tensor, torch.Tensor]:
    """Opaque or sheer tights over the bare legs of a random ``share`` of the photos: skin pixels below
    ``hip_row`` take a dark (sometimes coloured) tint that keeps the skin's shading, and become legwear in the
    pixel map. The family stays: a skirt over black tights is still a skirt, the judge's most common mistake
    (two dark tubes read as trousers), and CCP has few such photos to learn it from."""
    b = len(images)
    u = torch.rand(b, 6, generator=generator)
    chosen = u[:, 0] < share
    if not bool(chosen.any()):
        return images, labels
    legs = (labels == SKIN)
    legs[:, :hip_row] = False
    legs &= chosen.view(b, 1, 1)
    dark = 0.03 + 0.22 * u[:, 1]  # mostly black to charcoal tights ...
    tint = dark.view(b, 1).repeat(1, 3)
    coloured = u[:, 2] < 0.25  # ... a quarter in a colour (navy, wine, mustard, ...)
    tint[coloured] = 0.1 + 0.6 * torch.rand(int(coloured.sum()), 3, generator=generator)
    opacity = 0.65 + 0.35 * u[:, 3]  # sheer to opaque
    luminance = images.mean(dim=1, keepdim=True)
    shade = luminance / luminance.flatten(1).amax(1).clamp_min(1e-3).view(b, 1, 1, 1)
    tights = tint.view(b, 3, 1, 1) * (0.6 + 0.8 * shade)
    a = opacity.view(b, 1, 1, 1) * legs[:, None]
    images = (images * (1 - a) + tights.clamp(0, 1) * a)
    labels = torch.where(legs, LEGWEAR, labels.long()).to(labels.dtype)
    return images, labels


# Where a photo cut above the ankles ends in the frame: from mid-thigh (a photo cut at ~55% of its height) to just
# above the ankles (GARMENT_FRAME: hips at 0.26, ankles at 0.90 of the frame's height).
CUT_ROWS = (0.42, 0.88)


def cut_legs_off(images: torch.Tensor, labels: torch.Tensor, share: float, generator: torch.Generator | None
                 ) -> tuple[torch.Tensor, torch.Tensor]:
    """A knee or calf crop as the pipeline frames it: a random ``share`` of the frames cut below a row in
    :data:`CUT_ROWS` with that row repeated down (the pipeline's ``CUT_LEGS_PADDING``); the pixel map is
    :data:`IGNORE` there."""
    b, _, h, _ = images.shape
    u = torch.rand(b, 2, generator=generator)
    images, labels = images.clone(), labels.clone()
    for i in torch.nonzero(u[:, 0] < share).ravel().tolist():
        row = int(h * (CUT_ROWS[0] + (CUT_ROWS[1] - CUT_ROWS[0]) * float(u[i, 1])))
        images[i, :, row:] = images[i, :, row - 1:row]
        labels[i, row:] = IGNORE
    return images, labels


# Where a photo cut from the chest or the waist down begins in the frame (hips at 0.26 of its height): the frame
# is black above (the pipeline frames such a photo with zeros outside it).
CUT_TOP_ROWS = (0.05, 0.28)


def cut_top_off(images: torch.Tensor, labels: torch.Tensor, share: float, generator: torch.Generator | None
                ) -> tuple[torch.Tensor, torch.Tensor]:
    """A chest-down or waist-down photo as the pipeline frames it: a random ``share`` of the frames black above a
    row in :data:`CUT_TOP_ROWS`; the pixel map is :data:`IGNORE` there."""
    b, _, h, _ = images.shape
    u = torch.rand(b, 2, generator=generator)
    images, labels = images.clone(), labels.clone()
    for i in torch.nonzero(u[:, 0] < share).ravel().tolist():
        row = int(h * (CUT_TOP_ROWS[0] + (CUT_TOP_ROWS[1] - CUT_TOP_ROWS[0]) * float(u[i, 1])))
        images[i, :, :row] = 0.0
        labels[i, :row] = IGNORE
    return images, labels
