"""Fitting the garment judge's second opinion: the landmark network's trouser evidence, ``P(bin | family)``.

Reading and fusing the evidence is part of the garment classifier (:mod:`designgan.landmarks.garment_classifier`,
whose docstring explains the rule); this module counts the table on training photos. On CCP's pixel-level photos
outside the judge's held-out split, evidence below 0.1 came with 69% of skirt-like garments and 4% of trousers;
above 0.5 with 77% of trousers and 3% of skirts. The middle bin (0.1-0.5) is neutral, because that is where the
landmark network's own training shows: 21% of the trousers it was trained on fall there, 55% of the held-out ones,
so its counted likelihood would push unseen trousers towards skirts (held-out accuracy 0.891 with it, 0.913
without, 0.902 for the judge alone).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from designgan.errors import DataError
from designgan.landmarks.garment_classifier import BINS, evidence_bin, fuse, likelihood_table, read_evidence
from designgan.landmarks.garment_family import FAMILIES

__all__ = ["BINS", "evidence_bin", "fit_likelihood", "fuse", "likelihood_table", "read_evidence"]


def fit_likelihood(families: Sequence[int], evidence: Sequence[float | None]) -> dict:
    """``P(bin | family)`` (Laplace-smoothed) from photos of known family; photos without evidence are left out.
    Returns the sidecar's ``evidence`` entry: bins, likelihood per family, the counts it came from."""
    counts = np.zeros((len(FAMILIES), len(BINS) + 1), dtype=np.int64)
    for family, value in zip(families, evidence, strict=True):
        if value is not None:
            counts[int(family), evidence_bin(value)] += 1
    if (counts.sum(1) == 0).any():
        missing = [f for f, n in zip(FAMILIES, counts.sum(1), strict=True) if n == 0]
        raise DataError(f"no photo with trouser evidence for {', '.join(missing)}: cannot fit the evidence table")
    likelihood = (counts + 1) / (counts.sum(1, keepdims=True) + counts.shape[1])
    likelihood[:, 1] = 1.0  # the undecided middle: no opinion (module docstring)
    return {"bins": list(BINS), "likelihood": {f: [round(float(v), 4) for v in row]
                                               for f, row in zip(FAMILIES, likelihood, strict=True)},
            "counts": {f: row.tolist() for f, row in zip(FAMILIES, counts, strict=True)}}
