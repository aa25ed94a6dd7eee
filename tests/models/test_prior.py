"""The rendered prior (no learning): background fill, silhouettes, skin, fabric."""

from __future__ import annotations

import pytest
import torch

from designgan.landmarks.heatmaps import render_gaussians
from designgan.landmarks.schema import BODY_NAMES
from designgan.models.prior import PriorRenderer, fill_from_surroundings

H, W = 128, 64
POINTS = {"left_hip": (40, 26), "right_hip": (24, 26), "left_knee": (40, 70), "right_knee": (24, 70),
          "left_ankle": (40, 115), "right_ankle": (24, 115), "left_wrist": (56, 40), "right_wrist": (8, 40)}


def frame_inputs() -> tuple[torch.Tensor, torch.Tensor]:
    image = torch.full((1, 3, H, W), -0.6)  # grey-blue background
    image[:, 0] = -0.2
    garment = torch.zeros(1, 1, H, W)
    garment[:, :, 22:118, 18:46] = 1  # trousers-shaped block
    image[:, :, 22:118, 18:46] = torch.tensor([-0.8, -0.7, 0.4])[:, None, None]  # denim blue
    hand = torch.tensor([0.7, 0.3, 0.1])
    for x, y in (POINTS["left_wrist"], POINTS["right_wrist"]):
        image[0, :, y - 3:y + 4, x - 3:x + 4] = hand[:, None, None]
    xy = torch.tensor([POINTS.get(n, (-100.0, -100.0)) for n in BODY_NAMES], dtype=torch.float32)
    heat = render_gaussians(xy, H, W, sigma=2.0)[None]
    return image, torch.cat([garment, heat], dim=1)


def test_fill_replaces_the_hole_from_its_surroundings():
    image = torch.full((1, 3, 40, 30), 0.25)
    hole = torch.zeros(1, 1, 40, 30)
    hole[:, :, 10:30, 8:20] = 1
    holed = image.clone()
    holed[:, :, 10:30, 8:20] = -1
    filled = fill_from_surroundings(holed, hole)
    assert torch.allclose(filled, image, atol=1e-5)


def test_skirt_prior_draws_a_skirt_to_the_knees_and_skin_legs_below():
    image, attention = frame_inputs()
    out = PriorRenderer("skirt", list(BODY_NAMES))(image, attention)
    mask = out.mask[0, 0] > 0.5
    assert mask[40, 32] and mask[70, 32]  # hips to knees
    assert not mask[110, 40]  # not the ankles
    # Below the hem the old denim is gone: legs take the hands' skin colour, the rest the background.
    assert torch.allclose(out.image[0, :, 100, 40], torch.tensor([0.7, 0.3, 0.1]), atol=0.05)
    assert (out.image[0, 2, 100, 32] - image[0, 2, 100, 32]).abs() > 0.5  # between the legs: no denim left
    assert torch.equal(out.image[0, :, 5, 5], image[0, :, 5, 5])  # far from the garment: untouched


def test_trouser_prior_covers_both_legs_to_the_ankles_in_the_source_fabric():
    image, attention = frame_inputs()
    out = PriorRenderer("trousers", list(BODY_NAMES))(image, attention)
    mask = out.mask[0, 0] > 0.5
    assert mask[112, 40] and mask[112, 24] and mask[30, 32]  # both ankles; the legs meet below the waist
    assert torch.allclose(out.image[0, :, 100, 40], torch.tensor([-0.8, -0.7, 0.4]), atol=0.05)
    with pytest.raises(ValueError, match="shorts"):
        PriorRenderer("shorts", list(BODY_NAMES))
