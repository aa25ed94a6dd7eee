"""Measure bare legs on CCP's pixel-labelled TRAINING photos (the painter pack's training part), in the lower-body
frame of 256 rows: the lower leg's half width along the knee -> ankle axis (in frame heights), the profile the
rendered prior draws skin legs with (``models.prior_style.LOWER_LEG``), and the shadow a garment's hem casts on
the skin below it (``models.prior_style.HEM_SHADOW``, ``train.leg_bank.hem_shadow``), and the legs' colour over
the face-and-hands colour the pipeline reads (``models.prior_style.LEG_OVER_FACE``, ``train.leg_bank.leg_over_face``).

Every leg whose hip, knee and ankle landmarks were seen is sampled across its axis at 48 places from hip to ankle
(``train.leg_bank.measure_legs``); where the axis lies on CCP skin, the skin run through it (bounded on both
sides, so not merged with the other leg or cut by the frame) gives the width. Prints the median half width at the
profile's fractions of knee -> ankle (negative: above the knee) over the rows nearest each; then the skin's
median brightness 1, 2, ... pixels below a hem over its brightness further down; then the legs' colour over the
face's.

    designgan data pack-painter --config configs/painter_cpu.yaml     (once)
    OMP_NUM_THREADS=1 PYTHONPATH=src python scripts/measure_legs.py [--pack data/packs/painter_ccp.pt]
"""

from __future__ import annotations

import argparse

import numpy as np
import torch

from designgan.models.leg_shading import ROWS
from designgan.train.leg_bank import hem_shadow, leg_over_face, measure_legs, training_data

FRACTIONS = (-0.1, 0.0, 0.15, 0.3, 0.45, 0.55, 0.65, 0.8, 0.9, 1.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pack", default="data/packs/painter_ccp.pt")
    parser.add_argument("--ccp-root", default="../shared/datasets/ccp")
    args = parser.parse_args()
    torch.set_num_threads(1)
    data = training_data(args.pack)  # read once, measured twice
    legs = measure_legs(data, progress=True)
    half = np.stack([leg.widths for leg in legs]) / 2
    print(f"{len(legs)} legs; half width (h) along knee -> ankle:")
    t = np.linspace(0, 1, ROWS)
    for f in FRACTIONS:
        r = int(np.argmin(np.abs(t - (0.5 + f / 2))))
        values = half[:, max(0, r - 1):r + 2].ravel()
        values = values[~np.isnan(values)]
        print(f"  {f:+.2f}: {np.median(values):.4f}  (q25 {np.percentile(values, 25):.4f}, "
              f"q75 {np.percentile(values, 75):.4f}, {len(values)} rows)")
    shadow, columns = hem_shadow(data, progress=True)
    print(f"skin below a hem ({columns} columns), brightness over that further down, 1, 2, ... px below it:")
    print("  " + ", ".join(f"{v:.3f}" for v in shadow))
    ratio, quartiles, photos = leg_over_face(args.ccp_root, args.pack + ".landmarks.jsonl", progress=True)
    print(f"legs' colour over the face-and-hands colour ({photos} photos), RGB: median "
          f"{' / '.join(f'{v:.3f}' for v in ratio)}, quartiles {quartiles.round(2).tolist()}")


if __name__ == "__main__":
    main()
