"""MediaPipe Pose as the teacher that pseudo-labels body keypoints (optional extra ``designgan[teacher]``).

MediaPipe ships its pose models inside the wheel, so this runs offline. Only the body keypoints named in
:data:`designgan.landmarks.schema.BODY_NAMES` are kept, in image pixel coordinates, with MediaPipe's visibility.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from designgan.errors import DesignGANError
from designgan.landmarks.schema import BODY_NAMES, MEDIAPIPE_INDEX


class TeacherUnavailableError(DesignGANError):
    """The teacher's optional dependency is not installed."""


def _import_mediapipe() -> Any:
    try:
        import mediapipe as mp
    except ImportError:
        raise TeacherUnavailableError(
            "the MediaPipe teacher needs the 'teacher' extra: pip install 'designgan[teacher]'"
        ) from None
    return mp


def mediapipe_available() -> bool:
    try:
        _import_mediapipe()
    except TeacherUnavailableError:
        return False
    return True


class MediaPipeTeacher:
    """Body keypoints of the most prominent person in a photo; use as a context manager or call ``close()``."""

    name = "mediapipe"

    def __init__(self, model_complexity: int = 1, min_detection_confidence: float = 0.5):
        # complexity 2 ("heavy") is downloaded at run time, so only 0 and 1, which ship in the wheel, are allowed
        if model_complexity not in (0, 1):
            raise DesignGANError(f"MediaPipe model_complexity must be 0 or 1 (offline models), got {model_complexity}")
        mp = _import_mediapipe()
        self._pose = mp.solutions.pose.Pose(
            static_image_mode=True, model_complexity=model_complexity, enable_segmentation=False,
            min_detection_confidence=min_detection_confidence,
        )

    def __call__(self, rgb: np.ndarray) -> dict[str, list[float]] | None:
        """``rgb``: uint8 (H, W, 3). Returns name -> [x, y, visibility] in pixels, or None if no person."""
        height, width = rgb.shape[:2]
        result = self._pose.process(np.ascontiguousarray(rgb))
        if result.pose_landmarks is None:
            return None
        marks = result.pose_landmarks.landmark
        out = {}
        for name in BODY_NAMES:
            m = marks[MEDIAPIPE_INDEX[name]]
            # MediaPipe's normalised coordinates are relative to the image edges; convert to pixel centres
            out[name] = [float(m.x * width - 0.5), float(m.y * height - 0.5), float(np.clip(m.visibility, 0, 1))]
        return out

    def close(self) -> None:
        self._pose.close()

    def __enter__(self) -> MediaPipeTeacher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
