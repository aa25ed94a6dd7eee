"""A second opinion for the garment judge: the landmark network's trouser evidence, read on the photo judged.

Trousers and shorts have inner hems and a crotch; skirts have neither. The mean confidence the landmark network
gives those three landmarks (:func:`designgan.landmarks.regions.trouser_evidence`) is an opinion formed by a
network trained differently (keypoint regression, on other labels) from the judge's CNN, and it is right where
the judge is weakest: a long skirt over black tights, a short flared skirt the CNN calls shorts. On CCP's
pixel-level photos outside the judge's held-out split, evidence below 0.1 came with 69% of skirt-like garments and
4% of trousers; above 0.5 with 77% of trousers and 3% of skirts.

The two are combined by Bayes' rule, the evidence cut into three bins (:data:`BINS`, the thresholds the pipeline's
"already wears" check reads): ``p(family | photo) ∝ p_judge(family | photo) · P(bin | family)``, with
``P(bin | family)`` counted on those training photos (Laplace-smoothed) and stored in the judge's JSON sidecar
(``evidence``), so a judge without a table judges alone. Only the two decisive bins speak; the middle one
(0.1-0.5) is neutral, because that is where the landmark network's own training shows: 21% of the trousers it
was trained on fall there, 55% of the held-out ones, so its counted likelihood would push unseen trousers towards
skirts (held-out accuracy 0.891 with it, 0.913 without, 0.902 for the judge alone). Evidence is read only where
an ankle is seen (:func:`designgan.landmarks.regions.ankles_in_view`): a photo cut above the hems has none to give.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from designgan.errors import DataError
from designgan.eval.garment_family import FAMILIES
from designgan.landmarks.regions import SKIRT_BELOW, TROUSER_EVIDENCE, TROUSERS_ABOVE, ankles_in_view, trouser_evidence

BINS = (SKIRT_BELOW, TROUSERS_ABOVE)  # evidence < 0.1 | 0.1-0.5 | > 0.5
Points = dict[str, Sequence[float]]


def read_evidence(points: Points, photo_height: int) -> float | None:
    """The trouser evidence of landmarks read on a photo ``photo_height`` pixels tall; None where it says nothing
    (no garment landmarks, or no ankle in the photo)."""
    typed = {n: (float(p[0]), float(p[1]), float(p[2])) for n, p in points.items()}
    if not all(n in typed for n in TROUSER_EVIDENCE) or not ankles_in_view(typed, photo_height):
        return None
    return trouser_evidence(typed)


def evidence_bin(evidence: float) -> int:
    return int(np.digitize(evidence, BINS))  # < 0.1 -> 0, 0.1 to < 0.5 -> 1, >= 0.5 -> 2


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


def likelihood_table(entry: dict) -> np.ndarray:
    """(families, bins) array of a sidecar ``evidence`` entry; a one-line DataError when it is malformed."""
    try:
        if tuple(entry["bins"]) != BINS:
            raise ValueError(f"bins {entry['bins']} are not {list(BINS)}")
        table = np.array([entry["likelihood"][f] for f in FAMILIES], dtype=np.float64)
    except (KeyError, TypeError, ValueError) as exc:
        raise DataError(f"garment judge sidecar: bad 'evidence' entry ({type(exc).__name__}: {exc})") from None
    if table.shape != (len(FAMILIES), len(BINS) + 1) or (table <= 0).any():
        raise DataError(f"garment judge sidecar: 'evidence' likelihoods must be positive, {len(BINS) + 1} per family")
    return table


def fuse(probs: np.ndarray, evidence: Sequence[float | None], table: np.ndarray) -> np.ndarray:
    """``probs`` (B, families) times each photo's ``P(bin | family)``, renormalised; rows without evidence
    unchanged."""
    out = np.array(probs, dtype=np.float64, copy=True)
    for i, value in enumerate(evidence):
        if value is not None:
            row = out[i] * table[:, evidence_bin(value)]
            out[i] = row / row.sum()
    return out.astype(np.float32)
