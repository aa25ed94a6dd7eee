"""Issue 17: the optional HOG person detector in front of the landmark network (``--detector hog``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from designgan.errors import DesignGANError
from designgan.eval.people_eval import detected_boxes, match_boxes
from designgan.landmarks.predict import DEFAULT_WEIGHTS, LandmarkPredictor
from designgan.pipeline.detection import detect_people, merge_by_box
from designgan.pipeline.detector import hog_boxes
from designgan.pipeline.person import Person

COMPOSITES = Path(__file__).resolve().parents[1] / "fixtures" / "composites_mini"
needs_landmarks = pytest.mark.skipif(not DEFAULT_WEIGHTS.is_file(), reason="the shipped landmark network")


def _person(x0: float, x1: float, confidence: float) -> Person:
    points = {f"p{i}": (x, y, 0.9) for i, (x, y) in enumerate([(x0, 0), (x1, 0), (x0, 100), (x1, 100)])}
    return Person(points, True, confidence)


def test_merge_by_box_keeps_the_most_confident_reading_of_each_person():
    one_a, one_b, two = _person(0, 40, 0.5), _person(5, 38, 0.9), _person(60, 100, 0.7)
    assert merge_by_box([one_a, two, one_b]) == [one_b, two]
    assert merge_by_box([_person(0, 40, 0.5), Person({}, False, 0.0)])[0].confidence == 0.5


def test_hog_proposes_people_standing_side_by_side():
    with Image.open(COMPOSITES / "testA" / "c0002.jpg") as img:
        boxes = hog_boxes(img.convert("RGB"))
    known = json.loads((COMPOSITES / "boxes.json").read_text())["testA/c0002"]
    assert len(boxes) >= 2
    assert sum(j is not None for j, _ in match_boxes([p["box"] for p in known], boxes, 0.3)) >= 2


@needs_landmarks
def test_hog_finds_people_the_landmark_network_alone_reads_as_one():
    predictor = LandmarkPredictor.load()
    boxes = json.loads((COMPOSITES / "boxes.json").read_text())
    found = {}
    for detector in ("landmarks", "hog"):
        found[detector] = 0
        for key, people in boxes.items():
            with Image.open(COMPOSITES / f"{key}.jpg") as img:
                seen = detected_boxes(predictor, img.convert("RGB"), detector)
            found[detector] += sum(j is not None for j, _ in match_boxes([p["box"] for p in people], seen))
    # measured on this sample: 6 of 9 people without HOG, 8 of 9 with it (c0001: two people read as one)
    assert found["hog"] > found["landmarks"], found


def test_an_unknown_detector_is_one_line():
    with pytest.raises(DesignGANError, match="unknown person detector 'yolo'"):
        detect_people(None, Image.new("RGB", (64, 64)), "yolo")
