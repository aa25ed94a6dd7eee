"""A long skirt's mask down to its hem: the segmenter's skirt mask grown downwards over pixels of its own colour.

The segmenter (:mod:`designgan.landmarks.segment`) follows its landmark prior, and for a skirt that prior stops near
the knees: the lower half of a maxi skirt is left out of the mask, so the edit neither paints over it nor fills it
as background, and pieces of the old skirt stay beside the new trousers. A second pass with the prior drawn down to
the ankles does not help: the segmenter then claims the bare legs below a short skirt.

So the mask is grown in the segmenter's frame (a few thousand pixels, whatever the photo's size) by the garment's
own colour: a Lab histogram of the mask's lowest rows (the cloth that continues below) against one of the frame
outside the mask and outside the box below its hem (the background beside the legs). A pixel is a candidate where
the garment's histogram is at least ``ratio`` times the background's and it is not skin. Growth then runs row by
row from the mask's lowest band down to just above the ankles (shoes are not cloth), each row adding only the
candidates within ``spread`` pixels of the previous row's mask, and only in runs at least ``min_width`` wide: a
skirt is continuous downwards, flares gradually and spans both legs, whereas a car or a passer-by of the same colour
beside the legs is reached only sideways, and a leg in dark tights, a coat's panel or the shadow between the legs
is narrow (on the CCP fixture photos 0001 and 0006, growth without that rule ran down such strips and halved the
mask's IoU against the labelled skirt).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from scipy import ndimage

from designgan.imaging import srgb_to_lab
from designgan.models.prior import skin_pixels

# Lab histogram bins: lightness coarser than colour, so shading across folds stays in one bin
BINS = (6, 10, 10)
RANGES = ((0.0, 100.0), (-60.0, 80.0), (-60.0, 90.0))


@dataclass(frozen=True)
class HemGrowth:
    """How far and over what the skirt mask grows; lengths in leg lengths (hip row to ankle row of the frame)."""

    ratio: float = 2.0  # a candidate's colour is at least this many times likelier garment than background
    band: float = 0.25  # the colour model comes from the lowest quarter of the mask's rows
    half_width: float = 0.55  # the corridor: this far either side of the body axis
    above_ankles: float = 0.02  # growth stops this far above the ankle row (shoes)
    spread: int = 2  # frame pixels a row may reach sideways beyond the row above (a skirt flares gradually)
    min_width: float = 0.2  # a grown row's cloth lies in runs at least this wide (a leg in tights is narrower)


def colour_histogram(samples: np.ndarray) -> np.ndarray:
    """Lab samples (N, 3) -> each bin's share of the samples in it and its 26 neighbours (a few hundred samples
    leave gaps that are not colours the garment lacks)."""
    counts, _ = np.histogramdd(samples, bins=BINS, range=RANGES)
    return ndimage.convolve(counts, np.ones((3, 3, 3)), mode="constant") / max(len(samples), 1)


def bin_index(colours: np.ndarray) -> tuple[np.ndarray, ...]:
    """Lab (..., 3) -> the histogram bin of each pixel, one index array per channel."""
    return tuple(np.clip(((colours[..., c] - lo) / (hi - lo) * n).astype(np.int64), 0, n - 1)
                 for c, (n, (lo, hi)) in enumerate(zip(BINS, RANGES, strict=True)))


def grow_to_hem(image: torch.Tensor, mask: np.ndarray, valid: np.ndarray, hip_row: float, ankle_row: float,
                growth: HemGrowth = HemGrowth()) -> np.ndarray:
    """The skirt ``mask`` (h, w) bool in the lower-body frame, grown down to the hem. ``image``: the frame
    (3, h, w) in [0, 1]; ``valid``: the frame pixels inside the photo; ``hip_row``, ``ankle_row``: where the frame
    puts the hip and ankle centres. Returns a new mask that contains ``mask``."""
    if not mask.any():
        return mask
    h, w = mask.shape
    leg = ankle_row - hip_row
    ys, xs = np.mgrid[0:h, 0:w]
    rows = np.flatnonzero(mask.any(axis=1))
    top, hem = int(rows[0]), int(rows[-1])
    start = hem - int(growth.band * (hem - top))
    stop = min(h - 1, int(ankle_row - growth.above_ankles * leg))
    if stop <= start:
        return mask
    colours = srgb_to_lab(image.permute(1, 2, 0).double().numpy())
    skin = skin_pixels(image * 2 - 1).numpy()
    corridor = (ys >= top) & (ys <= stop) & (np.abs(xs - (w - 1) / 2) <= growth.half_width * leg) & valid
    candidates = corridor & ~skin & (likelihood_ratio(colours, mask, valid, skin, start, hem, leg) >= growth.ratio)
    candidates = ndimage.binary_opening(candidates)  # single pixels of a matching colour lead nowhere
    min_width = growth.min_width * leg
    grown = mask.copy()
    for r in range(start + 1, stop + 1):
        if grown[r - 1].any():
            reach = ndimage.binary_dilation(grown[r - 1], iterations=growth.spread)
            grown[r] |= wide_runs(grown[r] | (reach & candidates[r]), min_width)
    # the folds' shadows and the pleats' gaps that did not match are inside the skirt all the same
    grown = ndimage.binary_closing(grown, iterations=2) & corridor
    return ndimage.binary_fill_holes(grown | mask)


def wide_runs(row: np.ndarray, min_width: float) -> np.ndarray:
    """The runs of ``row`` (w,) bool at least ``min_width`` pixels long. Below the knees a skirt spans both legs;
    a leg in tights of its colour, a coat's panel beside the legs or the shadow where they meet is narrower, and
    stops the growth there."""
    runs, _ = ndimage.label(row)
    lengths = np.bincount(runs.ravel())
    return (lengths >= min_width)[runs] & row


def likelihood_ratio(colours: np.ndarray, mask: np.ndarray, valid: np.ndarray, skin: np.ndarray, start: int,
                     hem: int, leg: float) -> np.ndarray:
    """Per pixel (h, w): how many times likelier its colour is among the garment's lowest rows (``start`` to
    ``hem``) than in the background. The background is the frame outside the mask's surroundings and outside the
    box below its hem, where the skirt's unmasked rest and the legs are."""
    h, w = mask.shape
    ys, xs = np.mgrid[0:h, 0:w]
    near = ndimage.binary_dilation(mask, iterations=max(1, round(0.04 * leg)))
    hem_cols = np.flatnonzero(mask[max(0, hem - 2):hem + 1].any(axis=0))
    below = (ys > hem - 2) & (xs >= hem_cols[0] - 0.1 * leg) & (xs <= hem_cols[-1] + 0.1 * leg)
    garment = colour_histogram(colours[mask & (ys >= start)])
    background = colour_histogram(colours[valid & ~near & ~below & ~skin])
    index = bin_index(colours)
    return (garment[index] + 1e-3) / (background[index] + 1e-3)
