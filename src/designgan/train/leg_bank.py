"""The rendered prior's measured legs (:mod:`designgan.models.leg_shading`): every leg of the painter pack's
training photos whose hip, knee and ankle were seen, measured across its axis; the clean ones become the bank of
shading pairs the bundled priors carry, and all of them give the lower-leg profile (``prior_style.LOWER_LEG``).
The shadow a hem casts on the skin below it is measured on the same photos (:func:`hem_shadow`,
``prior_style.HEM_SHADOW``), and the legs' colour against the face's on the whole training photos
(:func:`leg_over_face`, ``prior_style.LEG_OVER_FACE``).

    PYTHONPATH=src python scripts/bundle_prior.py     (writes the bank into the bundled models)
    PYTHONPATH=src python scripts/measure_legs.py     (prints the profile, the hem's shadow and the colour ratio)
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from designgan.data.ccp import CCP
from designgan.errors import DataError
from designgan.io import load_image
from designgan.landmarks.skin import photo_skin_colour
from designgan.models import leg_shading as L
from designgan.models.prior_shapes import POINTS
from designgan.train.painter_data import PainterBatches, is_validation

MIN_CONFIDENCE = 0.3  # a leg is measured when its hip, knee and ankle landmarks reach this


@dataclass
class MeasuredLeg:
    photo: str
    side: int  # 0 the person's left leg, 1 the right (prior_shapes.POINTS' order)
    maps: np.ndarray  # (4, ROWS, COLS): leg_shading.leg_map
    colour: np.ndarray  # (3,) the leg's median colour in [-1, 1]
    widths: np.ndarray  # (ROWS,) the skin run's full width (h) along hip -> knee -> ankle, NaN where unseen


def training_frames(data: PainterBatches, desc: str, progress: bool = False, size: int = 64
                    ) -> Iterator[tuple[list[int], dict[str, torch.Tensor]]]:
    """``data``'s photos in batches of ``size``, each the centred frame (no augmentation), with their indices."""
    from tqdm import tqdm

    for first in tqdm(range(0, len(data), size), desc=desc, disable=not progress):
        indices = list(range(first, min(first + size, len(data))))
        yield indices, data.batch(indices, augment=False)


def training_data(pack: Path) -> PainterBatches:
    """The training part of painter pack ``pack`` in the prior's 256 x 128 frame, with the prior's landmarks."""
    return PainterBatches(Path(pack), (256, 128), list(POINTS), torch.device("cpu"), "train")


def measure_legs(data: PainterBatches, progress: bool = False) -> list[MeasuredLeg]:
    """Every leg of ``data``'s photos (:func:`training_data`) with a quarter or more of it seen."""
    legs = []
    for indices, batch in training_frames(data, "legs", progress):
        for k, image, skin, points in zip(indices, batch["image"], batch["skin"], batch["points"], strict=True):
            for side in range(2):
                hip, knee, ankle = (points[j + side] for j in (0, 2, 4))
                if min(hip[2], knee[2], ankle[2]) < MIN_CONFIDENCE:
                    continue
                rgb, on = L.sample_across_leg(image, skin, hip[:2], knee[:2], ankle[:2])
                measured = L.leg_map(rgb, on)
                if measured is not None:
                    legs.append(MeasuredLeg(data.ids[k], side, *measured, L.run_widths(on)))
    return legs


def leg_bank(legs: list[MeasuredLeg]) -> tuple[torch.Tensor, torch.Tensor, dict]:
    """The bank the prior carries: per photo with a clean leg (:func:`leg_shading.is_clean`) its pair of maps
    ``(N, 8, ROWS, COLS)`` (left leg's 4 channels, then the right's, each seen only where it was checked,
    :func:`leg_shading.vouched`; a photo with one clean leg uses it for both)
    and the pair's colour ``(N, 3)``; and a summary."""
    clean: dict[str, dict[int, MeasuredLeg]] = {}
    for leg in legs:
        if L.is_clean(leg.maps):
            clean.setdefault(leg.photo, {})[leg.side] = leg
    if not clean:
        raise DataError(f"none of the {len(legs)} measured legs is clean (leg_shading.is_clean): no bank to build")
    maps, colours = [], []
    for photo in sorted(clean):
        pair = clean[photo]
        left, right = pair.get(0, pair.get(1)), pair.get(1, pair.get(0))
        maps.append(np.concatenate([L.vouched(left.maps), L.vouched(right.maps)]))
        colours.append((left.colour + right.colour) / 2)
    summary = {"legs": len(legs), "clean_legs": sum(len(p) for p in clean.values()), "pairs": len(clean),
               "both_legs_clean": sum(len(p) == 2 for p in clean.values())}
    return torch.from_numpy(np.stack(maps)), torch.from_numpy(np.stack(colours)), summary


def hem_shadow(data: PainterBatches, rows: int = 24, progress: bool = False) -> tuple[np.ndarray, int]:
    """Median brightness of the skin ``1 .. rows`` pixels below a garment's lower edge over its brightness
    ``rows - 6 .. rows + 6`` pixels below (frames of 256 rows), over every column of ``data``'s photos
    (:func:`training_data`) where a lower garment below the hips ends on skin that goes on for ``rows + 6`` pixels;
    and how many columns."""
    ratios: list[np.ndarray] = []
    for _, batch in training_frames(data, "hems", progress):
        brightness = ((batch["image"] + 1) / 2).mean(1).numpy()
        garment, skin = batch["garment"][:, 0].numpy() > 0.5, batch["skin"][:, 0].numpy() > 0.5
        hips = batch["points"][:, :2, 1].mean(1).numpy()
        for k in range(len(brightness)):
            below_hips = garment[k] & (np.arange(garment.shape[1])[:, None] > hips[k])
            for x in np.flatnonzero(below_hips.any(0)):
                edge = int(np.flatnonzero(below_hips[:, x]).max())
                if edge + rows + 7 > garment.shape[1] or not skin[k, edge + 1:edge + rows + 7, x].all():
                    continue
                reference = float(np.median(brightness[k, edge + rows - 6:edge + rows + 7, x]))
                if reference >= 0.05:
                    ratios.append(brightness[k, edge + 1:edge + rows + 1, x] / reference)
    table = np.stack(ratios)
    return np.median(table, axis=0), len(table)


def leg_over_face(ccp_root: Path, landmarks: Path, progress: bool = False) -> tuple[np.ndarray, np.ndarray, int]:
    """Per channel, the median and quartiles ``(2, 3)`` over CCP's pixel-labelled training photos of the bare legs'
    colour (the median of CCP skin below the knees, at least 300 pixels) over the face-and-hands colour the
    pipeline reads (:func:`designgan.landmarks.skin.photo_skin_colour`), both linear in [0, 1]; and how many
    photos. ``landmarks``: the painter pack's landmark cache (``<pack>.landmarks.jsonl``)."""
    from tqdm import tqdm

    ccp = CCP(Path(ccp_root))
    skin_id = ccp.label_names.index("skin")
    ratios = []
    for line in tqdm(Path(landmarks).read_text().splitlines(), desc="legs and faces", disable=not progress):
        row = json.loads(line)
        photo_id, points = row["id"], row["points"]
        if is_validation(photo_id) or any(points.get(k, (0, 0, 0))[2] < MIN_CONFIDENCE
                                          for k in ("left_knee", "right_knee")):
            continue
        rgb = np.asarray(load_image(ccp.photo_path(photo_id)))
        face = photo_skin_colour(rgb, points)
        if face is None:
            continue
        legs = ccp.load_label_map(photo_id, size=(rgb.shape[1], rgb.shape[0])) == skin_id
        legs[:int(min(points["left_knee"][1], points["right_knee"][1]))] = False
        if legs.sum() < 300:
            continue
        leg = np.median(rgb[legs].astype(np.float32) / 255, axis=0)
        ratios.append(leg / np.clip((face + 1) / 2, 1e-3, None))
    table = np.stack(ratios)
    return np.median(table, axis=0), np.percentile(table, [25, 75], axis=0), len(table)
