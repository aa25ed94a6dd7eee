"""Landmark-network points of CCP photos, predicted once (the shipped network unless given) and cached as JSON lines
(``{"key": id, "points": {name: [x, y, confidence]}}``): the judges and the garment segmenter train on them."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tqdm import tqdm

from designgan.data import CCP
from designgan.io import load_image, write_text_atomic
from designgan.landmarks.predict import LandmarkPredictor

Points = dict[str, list[float]]


def ccp_landmarks(ccp: CCP, ids: list[str], cache: Path, progress: bool = True,
                  log: Callable[[str], None] = print, predictor: LandmarkPredictor | None = None
                  ) -> dict[str, Points]:
    """Landmark-network points of CCP photos, read from ``cache`` (JSON lines ``{"key", "points"}``) or predicted
    with ``predictor`` (default: the shipped network, loaded only when a photo is missing) and written there."""
    known: dict[str, Points] = {}
    if cache.is_file():
        for line in cache.read_text().splitlines():
            if line.strip():
                rec = json.loads(line)
                known[rec["key"]] = rec["points"]
    missing = [i for i in ids if i not in known]
    if missing:
        log(f"predicting landmarks of {len(missing)} CCP photos -> {cache}")
        predictor = predictor or LandmarkPredictor.load()
        for start in tqdm(range(0, len(missing), 8), desc="landmarks", disable=not progress):
            chunk = missing[start:start + 8]
            for image_id, res in zip(chunk, predictor.predict_many([load_image(ccp.photo_path(i)) for i in chunk]),
                                     strict=True):
                known[image_id] = res.to_json()["points"]
        write_text_atomic(cache, "".join(json.dumps({"key": k, "points": v}) + "\n" for k, v in sorted(known.items())))
    return {i: known[i] for i in ids}
