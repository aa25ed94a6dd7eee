"""The garment judge applied to datasets: landmarks of test photos, family votes, and the ceiling.

The *ceiling* of a domain is the garment judge's success on the domain's **real** test photos: the share it
assigns to the domain's own family (``jeans`` -> trousers, ``skirt`` -> skirt...). A perfect translator into
that domain would score about that.

CCP's image-level tags list every garment in a photo, so some "skirt" photos show a man in trousers beside a
skirt, or a skirt hidden under a coat. :data:`AUDIT` holds a by-eye check of every jeans / skirt test photo;
for CCP datasets whose domain it covers, the ceiling is also reported on the photos whose tag held up.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from tqdm import tqdm

from designgan.data import Record, TwoDomainData
from designgan.errors import DataError
from designgan.eval.garment_family import FAMILIES, family_index
from designgan.eval.garment_judge import GarmentJudge, Points
from designgan.io import load_image

LANDMARK_CACHE = "landmarks.jsonl"
AUDIT = Path(__file__).with_name("ccp_test_audit.json")


def read_landmark_cache(path: Path) -> dict[str, dict]:
    """``{key: {"points": ..., "person_found": ...}}`` from a ``designgan landmarks cache`` file ({} if absent)."""
    if not path.is_file():
        return {}
    out = {}
    for n, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            out[rec["key"]] = {"points": rec["points"], "person_found": bool(rec.get("person_found", True))}
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise DataError(f"{path}:{n}: not a landmark record ({type(exc).__name__}: {exc})") from None
    return out


class LandmarkSource:
    """Landmark points of dataset records: from the dataset's cache when it has the record, else predicted by
    the shipped landmark network (loaded on first need)."""

    def __init__(self, cache: dict[str, dict] | None = None, weights: str | Path | None = None):
        self.cache = cache or {}
        self.weights = weights
        self._predictor = None

    @classmethod
    def for_dataset(cls, root: str | Path, weights: str | Path | None = None) -> LandmarkSource:
        # a cache was made with the shipped network; other weights must predict themselves
        return cls(read_landmark_cache(Path(root) / LANDMARK_CACHE) if weights is None else {}, weights)

    @property
    def predictor(self):
        """The landmark network (the shipped one, or ``weights``), loaded on first use."""
        if self._predictor is None:
            from designgan.landmarks.predict import LandmarkPredictor

            self._predictor = LandmarkPredictor.load(self.weights)
        return self._predictor

    def predict(self, image) -> tuple[Points, bool]:
        res = self.predictor.predict(image)
        return res.points, res.person_found

    def points(self, record: Record, image) -> tuple[Points, bool]:
        hit = self.cache.get(record.key)
        return (hit["points"], hit["person_found"]) if hit else self.predict(image)


def judge_records(judge: GarmentJudge, records: Sequence[Record], landmarks: LandmarkSource,
                  desc: str = "garment judge", progress: bool = True, batch_size: int = 16) -> np.ndarray:
    """Family probabilities (n, families) of the records' photos."""
    out = []
    for start in tqdm(range(0, len(records), batch_size), desc=desc, disable=not progress, leave=False):
        chunk = records[start:start + batch_size]
        images = [load_image(r.path("image")) for r in chunk]
        points = [landmarks.points(r, img)[0] for r, img in zip(chunk, images, strict=True)]
        out.append(judge.classify_read(images, points))
    return np.concatenate(out) if out else np.zeros((0, len(FAMILIES)), np.float32)


def domain_ceiling(probs: np.ndarray, category: str) -> dict:
    """Success of real photos of ``category``: the share whose most likely family is the category's, with the
    count of each predicted family (one row of the confusion table)."""
    target = family_index(category)
    pred = probs.argmax(1) if len(probs) else np.zeros(0, int)
    counts = np.bincount(pred, minlength=len(FAMILIES))
    return {"category": category, "family": FAMILIES[target],
            "success": round(float((pred == target).mean()), 4) if len(pred) else None, "n": len(pred),
            "predicted": dict(zip(FAMILIES, counts.tolist(), strict=True))}


def audited_ceiling(records: Sequence[Record], probs: np.ndarray, category: str, audit: dict) -> dict | None:
    """The ceiling on the photos whose tag the audit confirmed, or None when the audit does not cover every
    record (another dataset, another category)."""
    covered = set(audit["audited"].get(category, ()))
    if not records or any(r.id not in covered for r in records):
        return None
    verdicts = audit["verdicts"].get(category, {})
    keep = [i for i, r in enumerate(records) if r.id not in verdicts]
    left_out = Counter(verdicts[r.id]["verdict"] for r in records if r.id in verdicts)
    row = domain_ceiling(probs[keep], category)
    return {"success": row["success"], "n": row["n"], "predicted": row["predicted"],
            "left_out": dict(sorted(left_out.items()))}


def ccp_audit(data: TwoDomainData) -> dict | None:
    """:data:`AUDIT` for a dataset built from CCP, None for any other."""
    return json.loads(AUDIT.read_text()) if str(data.metadata.get("source", "")).startswith("ccp:") else None


def tag_check(data: TwoDomainData) -> Callable[[Record], bool]:
    """Whether a photo shows its domain's garment: False for the test photos :data:`AUDIT` found wrong or unclear
    (a CCP dataset, a domain it covers); True otherwise. The detectability test draws its real and do-nothing
    photos from those that pass, so a "skirt" photo of a man in trousers is not counted as a real skirt."""
    audit = ccp_audit(data)
    verdicts = audit["verdicts"] if audit else {}
    return lambda record: record.split != "test" or record.id not in verdicts.get(record.category, {})


def dataset_ceiling(data: TwoDomainData, judge: GarmentJudge, landmarks: LandmarkSource, split: str = "test",
                    progress: bool = True, log: Callable[[str], None] | None = None) -> dict:
    """``{"a": domain_ceiling(...), "b": ...}`` over the real photos of ``split``, each with ``audited`` (the
    ceiling on the photos whose tag held up in :data:`AUDIT`) for the CCP domains the audit covers."""
    audit = ccp_audit(data)
    out = {}
    for domain in ("a", "b"):
        name = data.domain_name(domain)
        family_index(name)  # a non-garment domain fails before any work
        records = data.records(split=split, domain=domain)
        probs = judge_records(judge, records, landmarks, f"judging real {name} photos", progress)
        out[domain] = domain_ceiling(probs, name)
        audited = audited_ceiling(records, probs, name, audit) if audit and split == "test" else None
        if audited is not None:
            out[domain]["audited"] = audited
        if log:
            log(f"{domain} ({name}): {out[domain]}")
    return out
