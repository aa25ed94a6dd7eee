"""The classifier two-sample test on synthetic photos whose answer is known."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from PIL import Image

from designgan.errors import DataError
from designgan.eval.detectability import (
    DetectPopulations,
    DetectSample,
    DetectSettings,
    blurred_edit,
    detectability,
    photo_sample,
    sample_patches,
    trained_reference,
    two_sample_test,
)

FAST = DetectSettings(folds=3, patches=8, patch_size=24, patch_steps=30, frame_steps=30, frame_shift=4, batch_size=32,
                      width=8)


def _texture(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Fabric-like noise: a random colour with a random amount of grain."""
    colour = rng.uniform(60, 200, size=3)
    grain = rng.normal(0, rng.uniform(10, 30), size=shape)
    return np.clip(colour + grain, 0, 255).astype(np.uint8)


def _population(n: int, seed: int, flat_square: bool = False) -> list[DetectSample]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        frame, patches = _texture(rng, (160, 100, 3)), _texture(rng, (8, 24, 24, 3))
        if flat_square:  # the obvious fault: a flat square with hard edges, as a careless paste leaves
            frame[40:100, 30:70] = 250
            patches[:, 6:18, 6:18] = 128
        out.append(DetectSample(frame=frame, patches=patches))
    return out


def test_identical_populations_read_chance():
    result = two_sample_test(_population(18, 1), _population(18, 2), FAST)
    assert 0.25 <= result["patches"]["mean"] <= 0.75
    assert 0.25 <= result["frame"]["mean"] <= 0.75
    assert result["photos"] == 18 and len(result["patches"]["folds"]) == 3


def test_obvious_artefact_reads_near_one():
    result = two_sample_test(_population(18, 3, flat_square=True), _population(18, 4), FAST)
    assert result["patches"]["mean"] >= 0.9
    assert result["frame"]["mean"] >= 0.9
    assert result["both"]["mean"] >= 0.9


def test_unequal_populations_read_balanced_accuracy():
    """Fewer photos on one side (translations against a larger pool of real photos): chance is still 0.5, an
    artefact still ~1.0, and both sizes are reported."""
    same = two_sample_test(_population(9, 11), _population(30, 12), FAST)
    assert 0.25 <= same["patches"]["mean"] <= 0.75 and 0.25 <= same["frame"]["mean"] <= 0.75
    assert same["photos"] == 9 and same["photos_second"] == 30
    bad = two_sample_test(_population(9, 13, flat_square=True), _population(30, 14), FAST)
    assert bad["patches"]["mean"] >= 0.9 and bad["both"]["mean"] >= 0.9


def test_one_view_only():
    result = two_sample_test(_population(9, 15, flat_square=True), _population(9, 16),
                             replace(FAST, views=("patches",)))
    assert set(result) == {"patches", "both", "photos", "photos_second"}
    assert result["both"] == result["patches"]


def test_detectability_rows_meet_one_real_pool():
    """The translations and every control meet the same pool of real photos; real vs real holds out as many real
    photos as there are translations."""
    pops = DetectPopulations(outputs=_population(8, 21, flat_square=True), sources=_population(8, 22),
                             known_bad=_population(8, 23, flat_square=True), reals=_population(24, 24))
    result = detectability(pops, replace(FAST, views=("patches",)))
    assert result["real_pool"] == 16
    for row in ("translation", "real_vs_real", "do_nothing", "known_bad"):
        assert result[row]["photos"] == 8 and result[row]["photos_second"] == 16
    assert result["translation"]["patches"]["mean"] >= 0.75 and result["known_bad"]["patches"]["mean"] >= 0.75
    assert result["real_vs_real"]["patches"]["mean"] <= 0.8
    assert "skipped" in detectability(DetectPopulations(_population(2, 25), [], [], _population(4, 26)), FAST)


def test_deterministic_with_seed():
    a, b = _population(12, 5, flat_square=True), _population(12, 6)
    assert two_sample_test(a, b, FAST) == two_sample_test(a, b, FAST)


def test_too_few_photos_is_one_line_error():
    with pytest.raises(DataError, match="at least 3 photos"):
        two_sample_test(_population(2, 7), _population(2, 8), FAST)


def test_patches_come_from_the_region():
    image = np.zeros((100, 80, 3), np.uint8)
    image[50:, :] = 255
    region = np.zeros((100, 80), bool)
    region[60:, :] = True
    patches, fallback = sample_patches(image, region, np.ones_like(region), 20, 16, np.random.default_rng(0))
    assert not fallback and patches.shape == (20, 16, 16, 3)
    assert (patches[:, 8, 8] == 255).all()  # every centre in the white region
    _, fallback = sample_patches(image, np.zeros_like(region), np.ones_like(region), 4, 16, np.random.default_rng(0))
    assert fallback


def test_photo_sample_and_blur():
    rng = np.random.default_rng(0)
    photo = Image.fromarray(rng.integers(0, 255, (400, 200, 3), dtype=np.uint8))
    points = {"left_hip": (90, 180, 1.0), "right_hip": (110, 180, 1.0), "left_knee": (90, 270, 1.0),
              "right_knee": (110, 270, 1.0), "left_ankle": (90, 360, 1.0), "right_ankle": (110, 360, 1.0),
              "left_shoulder": (85, 80, 1.0), "right_shoulder": (115, 80, 1.0)}
    region = np.zeros((400, 200), bool)
    region[180:360, 70:130] = True
    sample = photo_sample(photo, points, region, FAST, seed=1)
    assert sample.frame.shape == (160, 100, 3) and sample.patches.shape == (8, 24, 24, 3) and not sample.fallback
    marked = np.asarray(photo).copy()
    marked[region] = 255  # patches come from the photo's own pixels, centred in the region
    assert (photo_sample(Image.fromarray(marked), points, region, FAST, seed=1).patches[:, 12, 12] == 255).all()
    resampled = photo_sample(photo, points, region, replace(FAST, patch_source="frame"), seed=1)
    assert resampled.patches.shape == (8, 24, 24, 3) and not resampled.fallback
    bad = np.asarray(blurred_edit(photo, region)).astype(float)
    assert np.array_equal(bad[~region], np.asarray(photo)[~region])
    assert bad[region].std() < 0.5 * np.asarray(photo, float)[region].std()  # the edit is a smear
    with pytest.raises(DataError, match="does not match"):
        photo_sample(photo, points, region[:10], FAST)
    assert DetectPopulations([], [], [], []).reals == []


def test_trained_reference_reads_a_given_classifier_on_the_frames():
    """The trained classifier's balanced accuracy per row against the whole real pool: a classifier that calls a
    frame the target when it has the flat square tells the squareless sources from square reals (1.0), calls every
    square translation the target (chance) and every real photo too."""
    def has_square(frames: np.ndarray) -> np.ndarray:
        return (frames[:, 40:100, 30:70] == 250).all(axis=(1, 2, 3))

    pops = DetectPopulations(outputs=_population(6, 31, flat_square=True), sources=_population(5, 32),
                             known_bad=[], reals=_population(7, 33, flat_square=True))
    result = trained_reference(pops, has_square)
    assert result == {"real_photos": 7, "translation": 0.5, "do_nothing": 1.0}
    half = DetectPopulations(pops.outputs, pops.sources[:2] + _population(2, 34, flat_square=True), [], pops.reals)
    assert trained_reference(half, has_square)["do_nothing"] == 0.75
