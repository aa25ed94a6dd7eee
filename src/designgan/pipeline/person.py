"""One person as the pipeline sees them (landmarks in photo pixels, how prominent they are, the record of being
left alone) and the errors that say nobody was edited."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from designgan.errors import DesignGANError
from designgan.landmarks.regions import LANDMARK_CONFIDENCE, person_box

TORSO_NAMES = ("left_shoulder", "right_shoulder", "left_hip", "right_hip")


class NoPersonError(DesignGANError):
    """The landmark network found no person (or no garment region) to edit. ``people_found`` and ``skipped``
    (:meth:`Person.skip` records: number, reason, box) say who was seen and why each was left alone."""

    def __init__(self, message: str, people_found: int = 0, skipped: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.people_found = people_found
        self.skipped = list(skipped or [])


class AlreadyTargetError(NoPersonError):
    """Every person found already wears the target garment family: nothing to edit (and nothing is claimed)."""


class NotSourceError(NoPersonError):
    """Nobody considered wears the model's source garment family (the garment classifier saw another garment, or
    could not tell): nothing was edited."""


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

    def _box(self, threshold: float, photo_height: float | None) -> tuple[float, float, float, float] | None:
        """The box around the seen landmarks, its rows clipped to the photo's when ``photo_height`` is given (a
        person read standing on a canvas has landmarks below the photo: they do not make them look nearer)."""
        box = person_box(self.points, threshold)
        if box is None or photo_height is None:
            return box
        return box[0], min(max(box[1], 0.0), photo_height), box[2], min(max(box[3], 0.0), photo_height)

    def height(self, threshold: float = LANDMARK_CONFIDENCE, photo_height: float | None = None) -> float:
        """Height of the box around the seen landmarks (how near the person stands: unlike the box's area, it
        does not depend on whether the arms hang down or are held out), within the photo if its height is given."""
        box = self._box(threshold, photo_height)
        return 0.0 if box is None else box[3] - box[1]

    def size(self, threshold: float = LANDMARK_CONFIDENCE, photo_height: float | None = None) -> float:
        """Area of the box around the seen landmarks (how prominent the person is), within the photo's rows if
        its height is given."""
        box = self._box(threshold, photo_height)
        return 0.0 if box is None else (box[2] - box[0]) * (box[3] - box[1])
