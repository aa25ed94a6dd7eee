"""Measure the bare lower leg's half width along the knee -> ankle axis on CCP's pixel-labelled TRAINING photos
(the painter pack's training part), in units of the lower-body frame's height: the profile the rendered prior
draws skin legs with (``models.prior_style.LOWER_LEG``).

For each leg whose hip, knee and ankle landmarks were seen, the frame is sampled across the leg's axis at 48
places from hip to ankle; where the axis lies on CCP skin, the skin run through it (bounded on both sides, so
not merged with the other leg or cut by the frame) gives the width. Prints the median half width at the profile's
fractions of knee -> ankle (negative: above the knee) over the rows nearest each.

    designgan data pack-painter --config configs/painter_cpu.yaml     (once)
    OMP_NUM_THREADS=1 python scripts/measure_leg_profile.py [--pack data/packs/painter_ccp.pt]
"""

from __future__ import annotations

import argparse

import numpy as np
import torch
import torch.nn.functional as F

from designgan.models.prior_shapes import POINTS
from designgan.train.painter_data import PainterBatches

ROWS, SAMPLES = 48, 41  # places along hip -> knee -> ankle; samples across the axis
REACH = 0.1  # the samples span this far (h) either side of the axis
FRACTIONS = (-0.1, 0.0, 0.15, 0.3, 0.45, 0.55, 0.65, 0.8, 0.9, 1.0)


def leg_widths(skin: torch.Tensor, hip: torch.Tensor, knee: torch.Tensor, ankle: torch.Tensor) -> np.ndarray:
    """Full widths (h) of the skin run through the axis at each of ROWS places (NaN where there is none)."""
    h, w = skin.shape[-2:]
    t = torch.linspace(0, 1, ROWS)
    upper = t < 0.5
    a = torch.where(upper[:, None], hip, knee)
    e = torch.where(upper[:, None], knee, ankle)
    axis = a + torch.where(upper, 2 * t, 2 * t - 1)[:, None] * (e - a)
    d = (e - a) / (e - a).norm(dim=-1, keepdim=True).clamp(min=1e-6)
    normal = torch.stack([-d[:, 1], d[:, 0]], -1)
    offsets = torch.linspace(-REACH * h, REACH * h, SAMPLES)
    q = axis[:, None] + offsets[None, :, None] * normal[:, None]
    grid = torch.stack([(q[..., 0] + 0.5) / w * 2 - 1, (q[..., 1] + 0.5) / h * 2 - 1], -1)[None]
    on = F.grid_sample(skin[None], grid, mode="nearest", align_corners=False)[0, 0].numpy() > 0.5
    step = 2 * REACH / (SAMPLES - 1)
    widths = np.full(ROWS, np.nan)
    centre = SAMPLES // 2
    for r in range(ROWS):
        row = on[r]
        near = [centre + k for k in (0, 1, -1, 2, -2, 3, -3) if row[centre + k]]
        if not near:
            continue
        lo = hi = near[0]
        while lo > 0 and row[lo - 1]:
            lo -= 1
        while hi < SAMPLES - 1 and row[hi + 1]:
            hi += 1
        if hi - lo >= 4 and lo > 0 and hi < SAMPLES - 1:  # bounded on both sides, not a speck
            widths[r] = (hi - lo + 1) * step
    return widths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pack", default="data/packs/painter_ccp.pt")
    args = parser.parse_args()
    torch.set_num_threads(1)
    data = PainterBatches(args.pack, (256, 128), list(POINTS), torch.device("cpu"), "train")
    legs = []
    for first in range(0, len(data), 64):
        batch = data.batch(list(range(first, min(first + 64, len(data)))), augment=False)
        for skin, points in zip(batch["skin"], batch["points"], strict=True):
            for side in range(2):
                hip, knee, ankle = (points[k + side] for k in (0, 2, 4))
                if min(hip[2], knee[2], ankle[2]) < 0.3:
                    continue
                widths = leg_widths(skin, hip[:2], knee[:2], ankle[:2])
                if (~np.isnan(widths)).mean() >= 0.25:
                    legs.append(widths)
    half = np.stack(legs) / 2
    print(f"{len(legs)} legs of {len(data)} training photos; half width (h) along knee -> ankle:")
    t = np.linspace(0, 1, ROWS)
    for f in FRACTIONS:
        r = int(np.argmin(np.abs(t - (0.5 + f / 2))))
        values = half[:, max(0, r - 1):r + 2].ravel()
        values = values[~np.isnan(values)]
        print(f"  {f:+.2f}: {np.median(values):.4f}  (q25 {np.percentile(values, 25):.4f}, "
              f"q75 {np.percentile(values, 75):.4f}, {len(values)} rows)")


if __name__ == "__main__":
    main()
