"""An optional person detector in front of the landmark network: OpenCV's HOG people detector.

The landmark network regresses one person per input, so a photo of people standing close together gives it
chimeras (the upper body of one, the legs of the next), also in the person-shaped strips of a wide photo when
those strips hold two people. HOG (Dalal-Triggs, the SVM OpenCV ships) proposes upright full-body boxes; the
landmark network then reads a person-shaped crop around each. On the 50 composites of ``docs/evaluation.md``
("Several people") HOG with the landmark network, merged with the landmark network's own reading, found 102 of 130
people against 60 without it (IoU >= 0.5 with the known boxes). The default detector since then, person-wide
windows with chimeras dropped (:func:`designgan.pipeline.detection.detect_windows`), finds 129 without HOG.

The settings are the ones measured there: the photo scaled to :data:`HOG_HEIGHT` px high (a standing person is then
about the detector's 128 px window), windows every 8 px, scales 1.05 apart, windows kept down to an SVM margin of
:data:`HOG_THRESHOLD` (below OpenCV's 0: more windows grouped into boxes), grouped boxes scoring at least
:data:`MIN_SCORE` kept, overlapping ones suppressed above an IoU of 0.3. The landmark network rejects crops with
nobody in them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PIL import Image

HOG_HEIGHT = 300
HOG_THRESHOLD = -0.5
MIN_SCORE = 0.0  # grouped boxes scoring below this are dropped
NMS_IOU = 0.3
CROP_HEIGHT = 1.1  # the crop given to the landmark network: this times the box's height ...
CROP_ASPECT = 0.7  # ... and this share of that as its width (the strips' person shape)

_hog: Any = None


def hog_boxes(photo: Image.Image) -> list[tuple[float, float, float, float]]:
    """Upright people HOG proposes in ``photo``: (x0, y0, x1, y1) in photo pixels, strongest first."""
    import cv2  # opencv-python-headless: imported only when this detector is asked for

    global _hog
    if _hog is None:
        _hog = cv2.HOGDescriptor()
        _hog.setSVMDetector(cv2.HOGDescriptor_getDefaultPeopleDetector())
    scale = HOG_HEIGHT / photo.height
    small = np.ascontiguousarray(np.asarray(photo.convert("RGB").resize(
        (max(64, round(photo.width * scale)), HOG_HEIGHT), Image.Resampling.BILINEAR))[:, :, ::-1])
    rects, weights = _hog.detectMultiScale(small, winStride=(8, 8), padding=(16, 16), scale=1.05,
                                           hitThreshold=HOG_THRESHOLD)
    if len(rects) == 0:
        return []
    scores = [float(w) for w in np.ravel(weights)]
    keep = np.ravel(cv2.dnn.NMSBoxes([[int(v) for v in r] for r in rects], scores, MIN_SCORE, NMS_IOU))
    order = sorted(keep, key=lambda i: -scores[i])
    return [(rects[i][0] / scale, rects[i][1] / scale, (rects[i][0] + rects[i][2]) / scale,
             (rects[i][1] + rects[i][3]) / scale) for i in order]


def person_crops(photo: Image.Image, boxes: list[tuple[float, float, float, float]]
                 ) -> list[tuple[Image.Image, tuple[int, int]]]:
    """A person-shaped crop around each box (clipped to the photo) and its top-left corner."""
    out = []
    for x0, y0, x1, y1 in boxes:
        h = CROP_HEIGHT * (y1 - y0)
        cx, cy, w = (x0 + x1) / 2, (y0 + y1) / 2, CROP_ASPECT * h
        left, top = max(0, round(cx - w / 2)), max(0, round(cy - h / 2))
        right, bottom = min(photo.width, round(cx + w / 2)), min(photo.height, round(cy + h / 2))
        if right - left >= 8 and bottom - top >= 8:
            out.append((photo.crop((left, top, right, bottom)), (left, top)))
    return out
