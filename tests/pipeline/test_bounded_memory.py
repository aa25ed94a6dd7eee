"""Issue 19, defect 1: long thin photos sent every strip to the landmark network at once (15 GB for 60000x120).

The landmark network now sees a bounded number of strips, a bounded number at a time. Peak memory and time on
the extreme shapes are measured by ``designgan bench memory`` (figures in docs/reliability.md), not here.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from designgan.landmarks.model import create_landmark_model
from designgan.landmarks.predict import LandmarkPredictor
from designgan.pipeline import (
    MAX_STRIPS,
    STRIP_ASPECT,
    STRIP_BATCH,
    DesignGANPipeline,
    NoPersonError,
    strip_offsets,
    strips_cover,
)
from designgan.pipeline.detection import (
    LEGS_ONLY_PADS,
    MAX_SMALL_WINDOWS,
    MAX_WINDOWS,
    SMALL_WINDOW_HEIGHTS,
    small_windows,
)

from .conftest import tiny_parts


def test_strips_are_capped_and_spread_over_the_whole_width():
    strip = round(STRIP_ASPECT * 120)
    offsets = strip_offsets(60000, 120)
    assert len(offsets) == MAX_STRIPS  # not the ~1430 half-overlapping strips of before
    assert offsets[0] == 0 and offsets[-1] == 60000 - strip
    assert offsets == sorted(set(offsets))
    assert not strips_cover(60000, 120)  # gaps on such a panorama: reported as a warning
    # Ordinary wide photos keep full, half-overlapping coverage.
    assert strips_cover(1000, 400) and strips_cover(1600, 200)
    assert len(strip_offsets(1000, 400)) < MAX_STRIPS
    assert strip_offsets(120, 60000) == []  # a tall photo is read whole


class RecordingPredictor(LandmarkPredictor):
    """A real (untrained, tiny) landmark network that records the batch sizes it is run on."""

    def __init__(self) -> None:
        super().__init__(create_landmark_model(input_height=32, input_width=32), sigma=2.0, flip_test=True)
        self.calls: list[int] = []
        self.model.register_forward_hook(lambda module, inputs, output: self.calls.append(inputs[0].shape[0]))


def test_predict_many_runs_in_bounded_batches():
    predictor = RecordingPredictor()
    images = [Image.new("RGB", (20, 30), (i, 40, 90)) for i in range(37)]
    with torch.no_grad():
        results = predictor.predict_many(images, batch_size=8)
    assert len(results) == 37 and all(r.width == 20 and r.height == 30 for r in results)
    assert max(predictor.calls) <= 2 * 8  # flip test doubles each batch
    assert sum(predictor.calls) == 2 * 37


def test_a_long_thin_photo_reaches_the_landmark_network_a_few_strips_at_a_time(pipe_for_strips):
    predictor = RecordingPredictor()
    pipe = pipe_for_strips.replace(landmarks=predictor)
    # noise, not a plain colour: plain windows are not read (people.plain), and every small window should be
    photo = Image.fromarray(np.random.default_rng(0).integers(0, 256, (120, 60000, 3), dtype=np.uint8))
    with pytest.raises(NoPersonError):
        pipe(photo, to="skirt")
    assert max(predictor.calls) <= 2 * STRIP_BATCH
    # the whole photo, again under each canvas (no head seen: a legs-only photo?), the default detector's windows,
    # then (nobody found) the smaller windows of each height, nothing more (nobody found: no second pass)
    small = sum(len(small_windows(photo, share)) for share in SMALL_WINDOW_HEIGHTS)
    assert 0 < small <= len(SMALL_WINDOW_HEIGHTS) * MAX_SMALL_WINDOWS
    assert sum(predictor.calls) == 2 * (1 + len(LEGS_ONLY_PADS) + MAX_WINDOWS + small)


@pytest.fixture(scope="module")
def pipe_for_strips(run_dir):
    return DesignGANPipeline.from_pretrained(run_dir, precision="fp32", channels_last=False, **tiny_parts())
