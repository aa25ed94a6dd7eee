"""Finding the people to edit: landmarks per person, wide photos read in strips, duplicates merged.

The landmark network regresses ONE person per input. A portrait photo is read whole; a wide photo (where people
stand side by side) is also read in overlapping person-shaped strips, and the people found are merged (same torso
centre = same person).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image

from designgan.errors import DesignGANError
from designgan.landmarks.regions import LANDMARK_CONFIDENCE, person_box

TORSO_NAMES = ("left_shoulder", "right_shoulder", "left_hip", "right_hip")
STRIP_ASPECT = 0.7  # width / height of the strips a wide photo is searched in for more people
WIDE_PHOTO = 0.9  # photos wider than this share of their height are searched in strips
# At most this many strips per photo (about 0.1 s each on one CPU core): half-overlapping strips cover photos up to
# ~11x wider than tall, touching ones ~22x; a wider photo is read in this many evenly spread strips, with a warning.
MAX_STRIPS = 32
STRIP_BATCH = 8  # strips per landmark-network call


class NoPersonError(DesignGANError):
    """The landmark network found no person (or no garment region) to edit. ``people_found`` and ``skipped``
    (:meth:`Person.skip` records: number, reason, box) say who was seen and why each was left alone."""

    def __init__(self, message: str, people_found: int = 0, skipped: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.people_found = people_found
        self.skipped = list(skipped or [])


class AlreadyTargetError(NoPersonError):
    """Every person found already wears the target garment family: nothing to edit (and nothing is claimed)."""


@dataclass
class Person:
    """One person's landmarks as the pipeline uses them: ``points[name] = (x, y, confidence)`` in photo pixels."""

    points: dict[str, tuple[float, float, float]]
    found: bool = True
    confidence: float = 1.0
    number: int = 1  # 1 = the most prominent person of the photo, 2 the next, ... (what --person counts)

    @classmethod
    def from_landmarks(cls, landmarks: Any) -> Person:
        """From a :class:`designgan.landmarks.predict.LandmarkResult`, a ``{name: (x, y, c)}`` dict or a Person."""
        if isinstance(landmarks, Person):
            return landmarks
        if isinstance(landmarks, dict):
            points = landmarks.get("points", landmarks)
            found = bool(landmarks.get("person_found", True))
            pts = {str(k): (float(v[0]), float(v[1]), float(v[2]) if len(v) > 2 else 1.0) for k, v in points.items()}
            return cls(pts, found, 1.0 if found else 0.0)
        return cls({k: tuple(map(float, v)) for k, v in landmarks.points.items()},  # type: ignore[misc]
                   bool(landmarks.person_found), float(landmarks.person_confidence))

    def shifted(self, dx: float, dy: float) -> Person:
        return Person({k: (x + dx, y + dy, c) for k, (x, y, c) in self.points.items()}, self.found, self.confidence)

    def torso(self, threshold: float = LANDMARK_CONFIDENCE) -> tuple[np.ndarray, float] | None:
        """(centre, size) of the seen shoulders and hips, or None."""
        pts = [self.points[n][:2] for n in TORSO_NAMES if n in self.points and self.points[n][2] >= threshold]
        if len(pts) < 2:
            return None
        arr = np.array(pts, dtype=np.float64)
        return arr.mean(axis=0), float(np.ptp(arr, axis=0).max())

    def skip(self, reason: str) -> dict[str, Any]:
        """The record of this person being left alone: number, reason and the box around their landmarks (photo
        pixels, or None), so a picture or a client can show who it was."""
        box = person_box(self.points)
        return {"person": self.number, "reason": reason, "box": None if box is None else [round(v) for v in box]}

    def size(self, threshold: float = LANDMARK_CONFIDENCE) -> float:
        """Area of the box around the seen landmarks (how prominent the person is)."""
        box = person_box(self.points, threshold)
        return 0.0 if box is None else (box[2] - box[0]) * (box[3] - box[1])


def strip_offsets(width: int, height: int, max_strips: int = MAX_STRIPS) -> list[int]:
    """Left edges of the person-shaped strips a wide photo is also read in (none for a portrait photo).

    Half-overlapping strips; a photo too wide for ``max_strips`` of those gets ``max_strips`` evenly spread ones
    (overlapping less, or with gaps between them on a panorama: see :func:`strips_cover`).
    """
    strip = round(STRIP_ASPECT * height)
    if width <= WIDE_PHOTO * height or strip >= width:
        return []
    stride = max(1, strip // 2)
    offsets = list(range(0, width - strip + 1, stride))
    if offsets[-1] != width - strip:
        offsets.append(width - strip)
    if len(offsets) > max_strips:
        span = width - strip
        offsets = [round(i * span / (max_strips - 1)) for i in range(max_strips)]
    return offsets


def strips_cover(width: int, height: int, max_strips: int = MAX_STRIPS) -> bool:
    """Whether the strips of :func:`strip_offsets` leave no column of the photo unread."""
    offsets = strip_offsets(width, height, max_strips)
    strip = round(STRIP_ASPECT * height)
    return all(b - a <= strip for a, b in itertools.pairwise(offsets))


def _same_person(a: Person, b: Person) -> bool:
    ta, tb = a.torso(), b.torso()
    return ta is not None and tb is not None and \
        float(np.linalg.norm(ta[0] - tb[0])) <= 0.5 * max(ta[1], tb[1], 1.0)


def merge_people(people: list[Person], only_near: list[Person] | None = None) -> list[Person]:
    """Found people, one per torso: of detections whose torso centres lie within half a torso of each other,
    the most confident is kept (most confident first). With ``only_near``, a detection is kept only if it is the
    same person as one of those. A photo where nobody is found keeps its first entry (with ``found=False``)."""
    found = sorted((p for p in people if p.found and p.torso() is not None), key=lambda p: p.confidence,
                   reverse=True)
    kept: list[Person] = []
    for person in found:
        if only_near is not None and not any(_same_person(person, q) for q in only_near):
            continue
        if not any(_same_person(person, k) for k in kept):
            kept.append(person)
    return kept or people[:1]



DETECTORS = ("landmarks", "hog")
SAME_BOX = 0.5  # two people whose boxes share this much of the smaller one are one person


def merge_by_box(people: list[Person]) -> list[Person]:
    """Found people, most confident first, without those whose landmark box lies mostly (:data:`SAME_BOX` of
    the smaller box) inside a more confident one's: readings of one person from differently placed crops."""
    kept: list[tuple[Person, tuple[float, float, float, float]]] = []
    for person in sorted((p for p in people if p.found), key=lambda p: p.confidence, reverse=True):
        box = person_box(person.points)
        if box is None:
            continue
        if not any(_shared(box, other) > SAME_BOX for _, other in kept):
            kept.append((person, box))
    return [p for p, _ in kept]


def _shared(a: Sequence[float], b: Sequence[float]) -> float:
    """Intersection of two boxes over the smaller one's area."""
    inter = max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return inter / smaller if smaller > 0 else 0.0


def detect_people(predictor: Any, photo: Image.Image, detector: str = "landmarks") -> list[Person]:
    """Every person the landmark network (``predictor.predict_many``) can find in ``photo``, most confident first.

    ``detector="hog"`` also reads a crop around each person OpenCV's HOG detector proposes
    (:mod:`designgan.pipeline.detector`) and merges those people with the landmark network's own reading by box;
    people standing close together, which the landmark network alone reads as one chimera, are then found.
    People overlapping in depth within one strip are not separated.
    """
    if detector not in DETECTORS:
        raise DesignGANError(f"unknown person detector '{detector}' (choose {' or '.join(DETECTORS)})")
    if detector == "hog":
        from designgan.pipeline.detector import hog_boxes, person_crops

        own = detect_people(predictor, photo)
        crops = person_crops(photo, hog_boxes(photo))
        proposed = []
        for start in range(0, len(crops), STRIP_BATCH):  # bounded batches, as the strips
            chunk = crops[start:start + STRIP_BATCH]
            predictions = predictor.predict_many([crop for crop, _ in chunk])
            proposed += [Person.from_landmarks(p).shifted(*corner) for p, (_, corner) in zip(predictions, chunk,
                                                                                             strict=True)]
        return merge_by_box([*proposed, *own]) or own
    w, h = photo.size
    offsets = strip_offsets(w, h)
    whole = Person.from_landmarks(predictor.predict_many([photo])[0])
    strips = []
    for start in range(0, len(offsets), STRIP_BATCH):  # a few strips at a time: memory stays bounded
        chunk = offsets[start:start + STRIP_BATCH]
        crops = [photo.crop((x, 0, x + min(w, round(STRIP_ASPECT * h)), h)) for x in chunk]
        predictions = predictor.predict_many(crops)
        strips += [Person.from_landmarks(p).shifted(x, 0) for x, p in zip(chunk, predictions, strict=True)]
    strips = merge_people(strips)
    if not any(p.found for p in strips):
        return [whole]
    # Read whole, a wide photo of two people can give one chimera between them: trust the strips, and the
    # whole-photo reading only where it agrees with one of them.
    return merge_people([*strips, whole], only_near=strips)


VISIBLE_SHARE = 0.6  # "clearly visible": at least this share of the most prominent person's size


def find_people(photos: Sequence[Image.Image | None], given: Sequence[Any] | None, detect: Any,
                select: str | int, has_mask: Sequence[bool], failed: dict[int, DesignGANError]
                ) -> tuple[list[list[Person]], list[list[str]], list[list[dict[str, Any]]], list[int]]:
    """The people to edit in each photo (most prominent first, numbered from 1), per-photo warnings, the people
    left out (:meth:`Person.skip`: ``{"person": number, "reason": ..., "box": ...}``) and how many were found.

    ``select``: ``"visible"`` every clearly visible person (at least :data:`VISIBLE_SHARE` of the most prominent
    one's size: people in the background are left alone), ``"all"`` everyone found, ``"prominent"`` the most
    prominent one, or a number (1 = the most prominent) for that person only.

    ``given``: per photo, landmarks the caller supplies (None: ``detect(photo)`` finds them). A photo with no
    person found but a garment mask given (``has_mask``) is still edited: the whole photo is the crop and the
    landmark heatmaps are empty. A photo where nobody is found gets a :class:`NoPersonError` in ``failed``;
    photos already in ``failed`` (or None) are skipped.
    """
    warnings: list[list[str]] = [[] for _ in photos]
    found: list[list[Person]] = [[] for _ in photos]
    if given is not None:
        if len(given) != len(photos):
            raise DesignGANError(f"got landmarks for {len(given)} photos but {len(photos)} photos")
        for i, g in enumerate(given):
            if g is not None:
                found[i] = [Person.from_landmarks(p) for p in (g if isinstance(g, list | tuple) else [g])]
    for i, photo in enumerate(photos):
        if photo is None or i in failed or found[i]:
            continue
        found[i] = detect(photo)
        w, h = photo.size
        if not strips_cover(w, h):
            warnings[i].append(f"the photo is {w / h:.0f} times wider than tall: people were searched for "
                               f"in {MAX_STRIPS} strips spread across it, and one standing between two "
                               "strips may be missed")
    people: list[list[Person]] = []
    skipped: list[list[dict[str, Any]]] = [[] for _ in photos]
    counts: list[int] = []
    for i, candidates in enumerate(found):
        seen = sorted((p for p in candidates if p.found), key=lambda p: p.size(), reverse=True)
        for number, person in enumerate(seen, start=1):
            person.number = number
        counts.append(len(seen))
        if not seen and has_mask[i]:
            seen = [Person({}, found=False, confidence=0.0)]
            warnings[i].append("no person found; edited the given garment mask without landmark attention")
        elif not seen and photos[i] is not None and i not in failed:
            failed[i] = NoPersonError("no person found in the photo (the landmark network's torso confidence is "
                                      "too low)")
        chosen, left = _select(seen, select)
        skipped[i] += left
        if isinstance(select, int) and not chosen and seen and i not in failed:
            failed[i] = NoPersonError(f"--person {select}: only {len(seen)} people were found in the photo",
                                      len(seen), left)
        people.append(chosen)
    return people, warnings, skipped, counts


def _select(people: list[Person], select: str | int) -> tuple[list[Person], list[dict[str, Any]]]:
    """The people ``select`` picks (see :func:`find_people`) and the others, each with the reason."""
    if not people:
        return [], []
    if isinstance(select, int):
        return ([p for p in people if p.number == select],
                [p.skip(f"not --person {select}") for p in people if p.number != select])
    if select == "all":
        return people, []
    if select == "prominent":
        return people[:1], [p.skip("not the most prominent person") for p in people[1:]]
    largest = people[0].size()
    visible = [p for p in people if p.size() >= VISIBLE_SHARE * largest]
    return visible, [p.skip(f"in the background (under {VISIBLE_SHARE:.0%} of the most prominent person's size)")
                     for p in people if p.size() < VISIBLE_SHARE * largest]
