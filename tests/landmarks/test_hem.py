"""A long skirt's mask grown down to its hem (:mod:`designgan.landmarks.hem`), alone in a frame and through
:meth:`GarmentMasker.photo_mask` (skirts only; trouser sources keep the segmenter's mask as it was)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from designgan.landmarks.hem import grow_to_hem
from designgan.landmarks.regions import garment_region
from designgan.landmarks.segment import GarmentMasker
from designgan.models.segmenter import GarmentSegmenter, SegmenterConfig

GREY, RED, SKIN = (0.45, 0.45, 0.47), (0.8, 0.1, 0.15), (0.85, 0.62, 0.5)
HIP_ROW, ANKLE_ROW = 35.0, 144.0  # the shipped frame's, at 160 rows


def _frame(blocks: list[tuple[slice, slice, tuple[float, float, float]]], size: int = 160) -> torch.Tensor:
    """A (3, size, size) frame in [0, 1]: grey with a little noise (real backgrounds are never flat), then the
    coloured ``blocks`` (rows, columns, colour)."""
    rng = np.random.default_rng(0)
    image = np.empty((size, size, 3))
    image[:] = GREY
    for rows, cols, colour in blocks:
        image[rows, cols] = colour
    image += rng.normal(0, 0.02, image.shape)
    return torch.from_numpy(image.clip(0, 1)).permute(2, 0, 1).float()


def _grow(image: torch.Tensor, mask: np.ndarray) -> np.ndarray:
    return grow_to_hem(image, mask, np.ones(mask.shape, bool), HIP_ROW, ANKLE_ROW)


def test_a_long_skirt_is_grown_to_its_hem_and_not_onto_legs_or_shoes():
    legs = [(slice(125, 160), slice(66, 76), SKIN), (slice(125, 160), slice(84, 94), SKIN)]
    shoes = (slice(142, 160), slice(60, 100), RED)  # the skirt's colour, below the ankles
    image = _frame([(slice(30, 125), slice(50, 110), RED), *legs, shoes])
    mask = np.zeros((160, 160), bool)
    mask[30:80, 50:110] = True  # the segmenter stopped near the knees
    grown = _grow(image, mask)
    assert grown[mask].all()
    assert grown[80:125, 52:108].mean() > 0.98  # the rest of the skirt
    assert not grown[125:, 66:76].any() and not grown[125:, 84:94].any()  # the legs
    assert not grown[143:].any()  # shoes: growth stops above the ankle row
    assert not grown[:, :48].any() and not grown[:, 112:].any()  # the background beside it


def test_a_short_skirt_stays_as_it_is():
    legs = [(slice(80, 150), slice(66, 76), SKIN), (slice(80, 150), slice(84, 94), SKIN)]
    image = _frame([(slice(30, 80), slice(50, 110), RED), *legs])
    mask = np.zeros((160, 160), bool)
    mask[30:80, 50:110] = True
    assert np.array_equal(_grow(image, mask), mask)


def test_a_flared_skirt_is_grown_into_its_flare():
    """A maxi skirt widening by 2 frame pixels a row below the knees: its flare is skirt too (growing 1 pixel a
    row, the mask stopped short of it and left it beside the new trousers)."""
    flare = [(slice(r, r + 1), slice(50 - 2 * (r - 80), 110 + 2 * (r - 80)), RED) for r in range(80, 100)]
    image = _frame([(slice(30, 80), slice(50, 110), RED), *flare])
    mask = np.zeros((160, 160), bool)
    mask[30:80, 50:110] = True
    grown = _grow(image, mask)
    assert grown[95:100, 25:45].mean() > 0.9 and grown[95:100, 115:135].mean() > 0.9
    assert not grown[101:].any()  # no further than the cloth


def test_the_same_colour_beside_the_skirt_is_not_reached():
    """A passer-by or car of the skirt's colour beside its upper rows is reached only sideways: not added."""
    beside = (slice(20, 110), slice(125, 160), RED)
    image = _frame([(slice(30, 110), slice(50, 110), RED), beside])
    mask = np.zeros((160, 160), bool)
    mask[30:80, 50:110] = True
    grown = _grow(image, mask)
    assert grown[80:110, 52:108].mean() > 0.98
    assert not grown[:, 118:].any()


def test_tights_or_coat_panels_of_its_colour_are_not_grown():
    """Below a short skirt, legs in tights of the skirt's colour (or a coat's panels beside them) leave the body
    axis bare: they are not skirt."""
    tights = [(slice(80, 150), slice(62, 76), RED), (slice(80, 150), slice(84, 98), RED)]
    panels = [(slice(80, 130), slice(40, 56), RED), (slice(80, 130), slice(104, 120), RED)]
    image = _frame([(slice(30, 80), slice(50, 110), RED), *tights, *panels])
    mask = np.zeros((160, 160), bool)
    mask[30:80, 50:110] = True
    assert np.array_equal(_grow(image, mask), mask)


def _follows_prior() -> GarmentMasker:
    """A segmenter that returns its landmark prior: the mask stops where the skirt's landmark region does."""
    model = GarmentSegmenter(SegmenterConfig(widths=(4, 8)))
    with torch.no_grad():
        model.head.weight.zero_()
        model.head.bias.zero_()
        model.prior_scale.fill_(10.0)
    return GarmentMasker(model, precision="fp32")


@pytest.fixture(scope="module")
def maxi_skirt() -> tuple[np.ndarray, dict[str, tuple[float, float, float]]]:
    """A 300 x 400 photo of a red skirt down to just above the ankles, with landmarks whose hems are at the knees
    (as the landmark network places a maxi skirt's)."""
    rng = np.random.default_rng(1)
    rgb = np.full((400, 300, 3), 115.0) + rng.normal(0, 4, (400, 300, 3))
    rgb[100:330, 95:205] = (200, 30, 40)  # the skirt
    rgb[330:360, 132:142] = rgb[330:360, 158:168] = (215, 160, 128)  # the shins below it
    points = {"right_hip": (130, 120, 1.0), "left_hip": (170, 120, 1.0), "right_knee": (133, 230, 1.0),
              "left_knee": (167, 230, 1.0), "right_ankle": (137, 345, 1.0), "left_ankle": (163, 345, 1.0),
              "right_waistline": (100, 105, 1.0), "left_waistline": (200, 105, 1.0), "left_hem": (200, 225, 1.0),
              "right_hem": (100, 225, 1.0)}
    return rgb.clip(0, 255).astype(np.uint8), points


def test_photo_mask_of_a_skirt_reaches_the_hem(maxi_skirt):
    rgb, points = maxi_skirt
    region, _ = garment_region(points, "skirt", (300, 400))
    assert not region[270:].any()  # the landmark region stops at the knees
    mask = _follows_prior().photo_mask(rgb, points, "skirt", region)
    assert mask[270:325, 100:200].mean() > 0.95  # the lower skirt, beyond the reach limit
    assert not mask[340:].any()  # not the shins, nor below
    skirt = np.zeros((400, 300), bool)
    skirt[100:330, 95:205] = True
    assert (mask & ~skirt).sum() < 0.02 * mask.sum()  # the background is left alone


def test_trouser_sources_are_not_grown(maxi_skirt, monkeypatch):
    rgb, points = maxi_skirt
    masker = _follows_prior()

    def refuse(*args: object) -> None:
        raise AssertionError("a trouser source's mask was grown")

    monkeypatch.setattr(masker, "skirt_to_hem", refuse)
    region, _ = garment_region(points, "jeans", (300, 400))
    assert masker.photo_mask(rgb, points, "jeans", region) is not None
