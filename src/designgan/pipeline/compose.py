"""Composition at full resolution: each person's generator output is resampled into the photo and blended in
only inside the feathered edit region (source garment ∪ predicted target garment, dilated), so every pixel
outside it is bit-identical to the input; the painted pixels get the photo's own grain
(:func:`designgan.imaging.matched_grain`). Where the generator says it passed the input through
(:class:`~designgan.models.generator.GeneratorOutput` ``untouched`` and ``in_front``), the photo's own
full-resolution pixels stay: upsampled, a hand in front of the new skirt was a blurred copy of itself with the
in-front mask's steps along its edge. The in-front parts' edges are snapped to the photo's with a guided filter
(:func:`designgan.imaging.guided_filter`)."""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from designgan.imaging import guided_filter, matched_grain
from designgan.landmarks.frame import apply, invert, warp
from designgan.models.compose import edit_alpha
from designgan.pipeline.output import Job

# Snapping the in-front parts' edges: the guided filter's window radius in model pixels (the in-front mask is made
# at half the model's rows, so its steps are two model pixels wide), its eps (the squared colour difference, photo
# colours in [0, 1], that counts as an edge), and the gain its result is stretched by about 0.5: the filter
# averages where the mask and the photo's edge disagree, and a kept hand at 0.7 would be a ghost. Chosen on the
# tuning half of the held-out pixel-labelled CCP photos (``scripts/kept_edges.py``, docs/translator.md); None
# keeps the upsampled mask.
SNAP_EDGES: tuple[float, float, float] | None = (4.0, 1e-3, 4.0)


def separable_edit_alpha(source_mask: torch.Tensor, target_mask: torch.Tensor | None = None, dilate: int = 3,
                         feather: int = 3, threshold: float = 0.5) -> torch.Tensor:
    """:func:`designgan.models.edit_alpha` with running sums (``separable=True``): the same values, O(1) per pixel."""
    return edit_alpha(source_mask, target_mask, dilate=dilate, feather=feather, threshold=threshold, separable=True)


def _resample(t: torch.Tensor, box: tuple[int, int, int, int], window: tuple[int, int, int, int],
              mode: str) -> torch.Tensor:
    """``t`` (C, h, w), covering crop ``box``, resampled at the photo pixels of ``window`` (both photo
    coordinates): the same values as upsampling it to the box's size and slicing, without the rest of the box."""
    x0, y0, x1, y1 = box
    wx0, wy0, wx1, wy1 = window
    # align_corners=False: pixel v of the crop samples normalised position 2 * (v + 0.5) / size - 1.
    gx = (torch.arange(wx0, wx1, dtype=torch.float32) - x0 + 0.5) * (2 / (x1 - x0)) - 1
    gy = (torch.arange(wy0, wy1, dtype=torch.float32) - y0 + 0.5) * (2 / (y1 - y0)) - 1
    grid = torch.stack(torch.meshgrid(gx, gy, indexing="xy"), dim=-1)[None]
    return F.grid_sample(t[None].float(), grid, mode=mode, padding_mode="border", align_corners=False)[0]


def _own_source(job: Job, source_mask: np.ndarray, window: tuple[int, int, int, int]) -> np.ndarray:
    """The source garment ``job`` may blend over, at the photo pixels of ``window``: the person's own mask where
    the job has one, else the photo's ``source_mask``. With several people, a neighbour's garment can lie inside
    this person's frame; blending there would paste this person's output (the neighbour still in their old
    garment) over the neighbour's edit, undoing it for whoever is composed first."""
    if job.source_mask is not None:
        return job.source_mask.window(window)
    wx0, wy0, wx1, wy1 = window
    return source_mask[wy0:wy1, wx0:wx1]


def _edit_window(job: Job, source_mask: np.ndarray, bounds: tuple[int, int, int, int], margin: int
                 ) -> tuple[int, int, int, int] | None:
    """Photo-pixel box (within ``bounds``) holding the source and predicted garments plus ``margin``."""
    assert job.mask is not None
    x0, y0, x1, y1 = job.edit.box
    mh, mw = job.mask.shape[-2:]
    sy, sx = (y1 - y0) / mh, (x1 - x0) / mw
    boxes = []
    region = ((job.attention[0] > 0.5) | (job.mask[0] > 0.5)).numpy()
    if region.any():
        rows, cols = np.flatnonzero(region.any(axis=1)), np.flatnonzero(region.any(axis=0))
        if job.edit.frame is None:
            boxes.append((x0 + math.floor(cols[0] * sx), y0 + math.floor(rows[0] * sy),
                          x0 + math.ceil((cols[-1] + 1) * sx), y0 + math.ceil((rows[-1] + 1) * sy)))
        else:  # the region's box corners, mapped back from the (rotated) garment frame
            corners = np.array([[c, r] for c in (cols[0] - 0.5, cols[-1] + 0.5)
                                for r in (rows[0] - 0.5, rows[-1] + 0.5)])
            xy = apply(invert(job.edit.frame), corners)
            boxes.append((math.floor(xy[:, 0].min()), math.floor(xy[:, 1].min()),
                          math.ceil(xy[:, 0].max()) + 1, math.ceil(xy[:, 1].max()) + 1))
    bx0, by0, bx1, by1 = bounds
    inside = _own_source(job, source_mask, bounds)
    if inside.any():  # thin parts of the source garment may vanish at model resolution
        rows, cols = np.flatnonzero(inside.any(axis=1)), np.flatnonzero(inside.any(axis=0))
        boxes.append((bx0 + int(cols[0]), by0 + int(rows[0]), bx0 + int(cols[-1]) + 1, by0 + int(rows[-1]) + 1))
    if not boxes:
        return None
    wx0 = max(bx0, min(b[0] for b in boxes) - margin)
    wy0 = max(by0, min(b[1] for b in boxes) - margin)
    wx1 = min(bx1, max(b[2] for b in boxes) + margin)
    wy1 = min(by1, max(b[3] for b in boxes) + margin)
    return (wx0, wy0, wx1, wy1) if wx0 < wx1 and wy0 < wy1 else None


def _in_window(t: torch.Tensor, job: Job, window: tuple[int, int, int, int], mode: str = "bilinear",
               padding: str = "zeros") -> torch.Tensor:
    """``t`` (C, h, w), one of ``job``'s model-resolution planes, at the photo pixels of ``window``: resampled from
    the crop box, or warped back from the garment frame (``padding`` past the frame's edge)."""
    if job.edit.frame is None:
        return _resample(t, job.edit.box, window, mode)
    wx0, wy0, wx1, wy1 = window
    to_window = invert(job.edit.frame) - np.array([[0, 0, wx0], [0, 0, wy0]])
    return warp(t[None], to_window, (wy1 - wy0, wx1 - wx0), mode=mode, padding_mode=padding)[0]


def _kept(job: Job, window: tuple[int, int, int, int], photo: np.ndarray, scale: float
          ) -> tuple[np.ndarray, np.ndarray] | None:
    """What the generator passed through at the photo pixels of ``window`` (``job.untouched`` and
    ``job.in_front``; the in-front parts' edges snapped to ``photo``, the window's pixels, over
    :data:`SNAP_EDGES`): (the share of each pixel kept, the in-front parts), or None where the generator does not
    say."""
    if job.untouched is None and job.in_front is None:
        return None

    def at_photo(t: torch.Tensor | None) -> np.ndarray:
        return np.zeros(photo.shape[:2], np.float32) if t is None else _in_window(t, job, window)[0].numpy()

    untouched, front = at_photo(job.untouched), at_photo(job.in_front)
    if SNAP_EDGES is not None and front.any():
        radius, eps, gain = SNAP_EDGES
        snapped = guided_filter(photo.astype(np.float32) / 255, front, max(1, round(radius * scale)), eps)
        front = np.clip((snapped - 0.5) * gain + 0.5, 0, 1)
    return 1 - (1 - untouched) * (1 - front), front


def compose_photo(photo: Image.Image, source_mask: np.ndarray, jobs: list[Job], model_height: int, dilate: int,
                  feather: int, match_grain: bool = True
                  ) -> tuple[Image.Image, np.ndarray, np.ndarray, np.ndarray]:
    """Paste each person's output back into ``photo`` at full resolution, only inside the feathered edit region
    (each person's own source garment, :attr:`Job.source_mask`, where given, else ``source_mask``, and the
    garment the generator predicts).

    ``dilate`` and ``feather`` are the composition margins at model resolution (``model_height`` rows); they are
    scaled with each crop. ``match_grain``: add to the painted pixels the pixel-scale noise the photo has around
    them and they lack (seeded: the same photo gets the same result). Returns (result, predicted target garment
    mask, blend weight, what of the people stays in front of the new garment), all at photo size.
    """
    rgb = np.asarray(photo)
    h, w = rgb.shape[:2]
    result = rgb.copy()
    target_mask = np.zeros((h, w), dtype=bool)
    alpha_full = np.zeros((h, w), dtype=np.float32)
    front_full = np.zeros((h, w), dtype=np.float32)
    rng = np.random.default_rng(0)
    for job in jobs:
        assert job.output is not None and job.mask is not None
        x0, y0, x1, y1 = job.edit.box
        # Only the part of the crop inside the photo matters.
        ix0, iy0, ix1, iy1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
        if ix0 >= ix1 or iy0 >= iy1:
            continue
        # Photo pixels per model pixel: the composition margins are set at model resolution.
        frame = job.edit.frame
        scale = (y1 - y0) / model_height if frame is None else 1 / math.sqrt(abs(np.linalg.det(frame[:, :2])))
        grow, soften = max(1, round(dilate * scale)), max(1, round(feather * scale))
        # Work only in a window around the garments: the rest of the crop cannot change.
        window = _edit_window(job, source_mask, (ix0, iy0, ix1, iy1), grow + soften + math.ceil(2 * scale))
        if window is None:
            continue
        ix0, iy0, ix1, iy1 = window
        out = _in_window(job.output, job, window, "bicubic", padding="border")
        pred = _in_window(job.mask, job, window)
        src_mask = torch.from_numpy(_own_source(job, source_mask, window).copy()).float()[None]
        alpha = edit_alpha(src_mask[None], pred[None], dilate=grow, feather=soften, separable=True)[0, 0]
        if frame is not None:
            # the generator saw only the frame: past its edge its output is the edge's pixels smeared outwards,
            # so the photo keeps its own pixels there (softly, over the frame's last pixel)
            inside = _in_window(torch.ones_like(job.mask), job, window)[0]
            alpha = alpha * inside.clamp(0, 1)
        alpha = alpha.numpy()
        patch = torch.from_numpy(result[iy0:iy1, ix0:ix1])  # a view: writing it writes the result
        kept = _kept(job, window, patch.numpy(), scale)
        if kept is not None:
            alpha = alpha * (1 - kept[0])
            front_full[iy0:iy1, ix0:ix1] = np.maximum(front_full[iy0:iy1, ix0:ix1], kept[1])
        region = alpha > 0
        a = torch.from_numpy(alpha)[..., None]
        new = (out.permute(1, 2, 0) + 1) * 127.5
        if match_grain:  # the photo's grain where it is painted over fully, taken from where it is kept
            new = new + torch.from_numpy(matched_grain(new.numpy(), patch.numpy(), alpha >= 0.99, ~region, rng))
        blended = (a * new + (1 - a) * patch).round_().clamp_(0, 255).to(torch.uint8)
        # Where the weight is 0 the input's bytes are kept as they are, not recomputed.
        patch.copy_(torch.where(torch.from_numpy(region)[..., None], blended, patch))
        target_mask[iy0:iy1, ix0:ix1] |= pred[0].numpy() > 0.5
        alpha_full[iy0:iy1, ix0:ix1] = np.maximum(alpha_full[iy0:iy1, ix0:ix1], alpha)
    return Image.fromarray(result), target_mask, alpha_full, front_full
