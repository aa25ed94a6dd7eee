"""Per-person figures on photos of several people with known boxes (the composites of :mod:`.composites`).

* *found*: a person the pipeline's detection (:func:`designgan.pipeline.detection.detect_people`; by default the
  landmark network on the whole photo and on person-wide windows, chimeras dropped) finds matches a known box
  when the box around its landmarks, widened by :data:`LANDMARK_BOX_PAD` (landmarks stop at the nose, wrists and
  heels; a silhouette goes on to the hair, hands and shoe tips), overlaps it at IoU >= 0.5 (one-to-one, best
  pairs first).
* *success*: the garment judge on each person's box of the output (the box widened by 10%, landmarks predicted on
  the same crop of the input photo, as the single-photo figure places them on the source photo) gives the
  target's family. A person the translator left alone keeps their garment and fails.
* *single success*: the same person's own photo (``singles/``) translated alone and judged the usual way: the
  figure each composite person is compared with.

:func:`detection_figures` measures the detection alone (no translation; ``scripts/bench_detection.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from designgan.data import Record
from designgan.errors import DesignGANError
from designgan.eval.garment_eval import LandmarkSource
from designgan.eval.garment_evidence import read_evidence
from designgan.eval.garment_family import family_index
from designgan.eval.garment_judge import GarmentJudge
from designgan.eval.translators import Translate
from designgan.io import load_image

Box = tuple[float, float, float, float]
IOU_MATCH = 0.5
CROP_PAD = 0.10  # of the box's height, around a known box when it is judged
# Widening of a landmark box towards the silhouette's box, as shares of its height (top, bottom) and width (each
# side): the hair above the nose, the shoes beyond the heels, hands and sleeves beyond the wrists.
LANDMARK_BOX_PAD = (0.10, 0.03, 0.10)


def box_iou(a: Sequence[float], b: Sequence[float]) -> float:
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def match_boxes(known: Sequence[Sequence[float]], found: Sequence[Sequence[float]], threshold: float = IOU_MATCH
                ) -> list[tuple[int | None, float]]:
    """For each known box, (index of its found box or None, IoU): one-to-one, highest IoU pairs first."""
    pairs = sorted(((box_iou(k, f), i, j) for i, k in enumerate(known) for j, f in enumerate(found)), reverse=True)
    out: list[tuple[int | None, float]] = [(None, max((p[0] for p in pairs if p[1] == i), default=0.0))
                                           for i in range(len(known))]
    used_k, used_f = set(), set()
    for iou, i, j in pairs:
        if iou < threshold:
            break
        if i not in used_k and j not in used_f:
            used_k.add(i)
            used_f.add(j)
            out[i] = (j, iou)
    return out


def landmark_box(points: dict[str, tuple[float, float, float]], photo_size: tuple[int, int] | None = None
                 ) -> Box | None:
    """The box of a detected person: around their seen landmarks, widened by :data:`LANDMARK_BOX_PAD`, and within
    the photo when its ``(width, height)`` is given (a person cut by the photo's edge is read standing on a canvas,
    legs below the photo; the known boxes are drawn inside it)."""
    from designgan.landmarks.regions import person_box

    box = person_box(points)
    if box is None:
        return None
    x0, y0, x1, y1 = box
    top, bottom, side = LANDMARK_BOX_PAD
    w, h = x1 - x0, y1 - y0
    x0, y0, x1, y1 = x0 - side * w, y0 - top * h, x1 + side * w, y1 + bottom * h
    if photo_size is None:
        return (x0, y0, x1, y1)
    width, height = photo_size
    return (max(x0, 0.0), max(y0, 0.0), min(x1, float(width)), min(y1, float(height)))


def detected_boxes(predictor: Any, image: Image.Image, detector: str = "windows") -> list[Box]:
    """Boxes of the people the pipeline's detection (``detector``, as ``translate --detector``) finds."""
    from designgan.pipeline.detection import detect_people

    boxes = [landmark_box(p.points, image.size) for p in detect_people(predictor, image, detector) if p.found]
    return [b for b in boxes if b is not None]


def padded_crop(image: Image.Image, box: Sequence[float], pad: float = CROP_PAD) -> Image.Image:
    x0, y0, x1, y1 = box
    m = pad * (y1 - y0)
    return image.crop((max(0, round(x0 - m)), max(0, round(y0 - m)), min(image.width, round(x1 + m)),
                       min(image.height, round(y1 + m))))


class PeopleScorer:
    """Scores every composite record's people (see the module doc); :meth:`summary` sums them up."""

    def __init__(self, translate: Translate, garment: GarmentJudge, target_category: str,
                 landmarks: LandmarkSource | None = None, detector: str = "windows"):
        self.translate = translate
        self.detector = detector
        self.garment = garment
        self.target = family_index(target_category)
        self.landmarks = landmarks or LandmarkSource()
        self.people: list[dict] = []
        self._single: dict[str, float] = {}

    @property
    def predictor(self) -> Any:
        return self.landmarks.predictor

    def _judged(self, source: Image.Image, output: Image.Image) -> bool:
        points = self.predictor.predict(source).points
        evidence = ([read_evidence(self.predictor.predict(output).points, output.height)]
                    if self.garment.evidence_table is not None else None)
        return bool(self.garment.classify([output], [points], evidence)[0].argmax() == self.target)

    def single_success(self, root: Path, person: dict) -> float:
        """The person's own photo translated alone and judged (cached: a person appears in several composites)."""
        key = person["source"]
        if key not in self._single:
            photo = load_image(root / person["single"])
            try:
                output, _ = self.translate(photo)
                self._single[key] = float(self._judged(photo, output.convert("RGB")))
            except DesignGANError:
                self._single[key] = 0.0
        return self._single[key]

    def score(self, record: Record, image: Image.Image, output: Image.Image | None) -> dict:
        """Per-photo figures (people known, found, success, single success); each person is kept for the summary."""
        known = record.extra["people"]
        found = detected_boxes(self.predictor, image, self.detector)
        matches = match_boxes([p["box"] for p in known], found)
        rows = []
        for person, (j, iou) in zip(known, matches, strict=True):
            success = 0.0
            if output is not None:
                success = float(self._judged(padded_crop(image, person["box"]), padded_crop(output, person["box"])))
            rows.append({"photo": record.key, "person": person["person"], "source": person["source"],
                         "found": j is not None, "iou": round(iou, 3), "success": success,
                         "single_success": self.single_success(record.root or Path("."), person)})
        self.people += rows
        return {"people_known": len(known), "people_detected": len(found),
                "people_found": sum(r["found"] for r in rows),
                "people_success": float(np.mean([r["success"] for r in rows])),
                "people_single_success": float(np.mean([r["single_success"] for r in rows]))}

    def summary(self) -> dict:
        rows = self.people
        if not rows:
            return {}
        mean = lambda key, sel=rows: round(float(np.mean([r[key] for r in sel])), 4) if sel else None  # noqa: E731
        found = [r for r in rows if r["found"]]
        return {"detector": self.detector, "known": len(rows), "found": len(found), "found_share": mean("found"),
                "success": mean("success"), "single_success": mean("single_success"),
                "success_minus_single": round(mean("success") - mean("single_success"), 4),
                "success_of_found": mean("success", found), "single_success_of_found": mean("single_success", found),
                "median_iou": round(float(np.median([r["iou"] for r in rows])), 3), "iou_match": IOU_MATCH,
                "per_person": rows}


def detection_figures(predictor: Any, photos: Iterable[tuple[Image.Image, Sequence[Box]]],
                      detector: str = "windows") -> dict:
    """Detection alone (no translation) on photos with known boxes: people found (IoU >= :data:`IOU_MATCH`, one to
    one, as :meth:`PeopleScorer.score`), people found that match no known box (false positives), the same for
    the clearly visible people the pipeline edits by default (``find_people(select="visible")``), and seconds of
    detection per photo (median and max)."""
    import time

    from designgan.pipeline.detection import detect_people
    from designgan.pipeline.people import visible_people

    known = found = wrong = visible_wrong = visible_missed = 0
    seconds = []
    for image, boxes in photos:
        start = time.perf_counter()
        people = [p for p in detect_people(predictor, image, detector)
                  if p.found and landmark_box(p.points, image.size)]
        seconds.append(time.perf_counter() - start)
        visible = [landmark_box(p.points, image.size) for p in visible_people(people, image.height)[0]]
        matches = match_boxes(boxes, [landmark_box(p.points, image.size) for p in people])
        seen = match_boxes(boxes, visible)
        known += len(boxes)
        found += sum(j is not None for j, _ in matches)
        wrong += len(people) - sum(j is not None for j, _ in matches)
        visible_missed += sum(j is None for j, _ in seen)
        visible_wrong += len(visible) - sum(j is not None for j, _ in seen)
    return {"detector": detector, "photos": len(seconds), "known": known, "found": found,
            "found_share": round(found / known, 4) if known else None, "false_positives": wrong,
            "visible_missed": visible_missed, "visible_false_positives": visible_wrong,
            "s_per_photo_median": round(float(np.median(seconds)), 3) if seconds else None,
            "s_per_photo_max": round(max(seconds), 3) if seconds else None}
