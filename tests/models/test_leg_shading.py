"""Real legs' shading for the prior (models.leg_shading): measured across a leg's axis, painted back in the leg's
own coordinates, and carried by the bundled priors."""

from __future__ import annotations

import numpy as np
import torch

from designgan.landmarks.schema import BODY_NAMES
from designgan.models import leg_shading as L
from designgan.models.prior import PriorRenderer
from designgan.models.prior_shapes import grid_of
from tests.models.test_prior import POINTS, frame_inputs

H, W = 256, 128
HIP, KNEE, ANKLE = torch.tensor([40.0, 20.0]), torch.tensor([40.0, 110.0]), torch.tensor([40.0, 200.0])


def _leg_photo(shade_left: float) -> tuple[torch.Tensor, torch.Tensor]:
    """A frame with one vertical skin leg at x = 40 (12 px wide) whose left half is ``shade_left`` times as bright
    as its right half, on a dark ground."""
    image = torch.full((3, H, W), -0.8)
    skin = torch.zeros(1, H, W)
    skin[:, 20:200, 34:46] = 1
    image[:, 20:200, 40:46] = 0.4
    image[:, 20:200, 34:40] = (0.4 + 1) * shade_left - 1
    return image, skin


def test_a_measured_leg_keeps_its_light_and_not_its_colour():
    rgb, on = L.sample_across_leg(*_leg_photo(0.7), HIP, KNEE, ANKLE)
    maps, colour = L.leg_map(rgb, on)
    assert maps.shape == (4, L.ROWS, L.COLS) and (maps[3] > 0.5).mean() > 0.9
    left, right = maps[:3, 30, :4].mean(), maps[:3, 30, -4:].mean()
    assert left - right < np.log(0.8)  # the darker left side: its light, relative to the leg's median colour
    assert abs(left) < 0.5 and abs(right) < 0.5
    bright = (0.4 + 1) / 2
    assert (2 * bright * 0.7 - 1) - 0.02 <= colour.min() and colour.max() <= 0.4 + 0.02  # the median: between
    widths = L.run_widths(on)
    assert abs(np.nanmedian(widths) * H - 12) <= 2  # the skin run is the leg's 12 px


def test_runs_must_be_bounded_and_long_enough():
    assert L.skin_run(np.array([0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0], bool)) == (2, 7)
    assert L.skin_run(np.array([1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0], bool)) is None  # runs off the samples
    assert L.skin_run(np.array([0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0], bool)) is None  # a speck
    assert L.skin_run(np.array([1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1], bool)) is None  # no skin near the axis


def test_clean_legs_are_kept_and_a_hand_or_a_sock_is_not():
    rgb, on = L.sample_across_leg(*_leg_photo(0.9), HIP, KNEE, ANKLE)
    maps, _ = L.leg_map(rgb, on)
    assert L.is_clean(maps)
    hand = maps.copy()
    hand[:3, 32:36] = np.log(0.4)  # a dark blob across the shin
    assert not L.is_clean(hand)
    cast = maps.copy()
    cast[0, 40:47] += 0.2  # a red sock over the ankle: the colour, not the light, changes
    assert not L.is_clean(cast)
    unseen = maps.copy()
    unseen[3, 36:] = 0
    assert not L.is_clean(unseen)


def test_coordinates_run_along_and_across_the_drawn_leg():
    knees = torch.tensor([[[40.0, 110.0], [88.0, 110.0]]])
    ankles = torch.tensor([[[40.0, 200.0], [88.0, 200.0]]])
    leg, along, across = L.leg_coordinates(grid_of(H, W, torch.device("cpu")), knees, ankles, H)
    assert leg[0, 150, 40] == 0 and leg[0, 150, 88] == 1
    assert abs(float(along[0, 110, 40]) - 0.5) < 0.01 and abs(float(along[0, 200, 40]) - 1.0) < 0.01
    half = float(L.lower_leg_radius(torch.tensor(0.3))) * H
    row = round(110 + 0.3 * 90)
    assert abs(float(across[0, row, round(40 - half)]) + 1) < 0.1 and abs(float(across[0, row, 40])) < 0.05


def _bank(left_gain: float, n: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
    maps = torch.zeros(n, 8, L.ROWS, L.COLS)
    maps[:, [3, 7]] = 1  # seen everywhere
    maps[:, 0:3, :, : L.COLS // 2] = np.log(left_gain)
    maps[:, 4:7, :, : L.COLS // 2] = np.log(left_gain)
    return maps, torch.zeros(n, 3)


def test_the_prior_lights_its_legs_with_the_bank_and_as_cylinders_without_one():
    image, attention = frame_inputs()
    plain = PriorRenderer("skirt", list(BODY_NAMES))
    lit = PriorRenderer("skirt", list(BODY_NAMES))
    lit.leg_shading, lit.leg_colours = _bank(0.6)
    a, b = plain(image, attention).image[0], lit(image, attention).image[0]
    legs = (a - b).abs().sum(0) > 0.05
    assert legs.sum() > 100  # only the legs differ
    cols = legs.nonzero()[:, 1]
    centre = (cols.min() + cols.max()) / 2
    left_leg = legs.clone()
    left_leg[:, int(centre):] = False  # the image's left leg
    xs = left_leg.nonzero()
    mid = xs[:, 1].float().median()
    darker = b[:, xs[:, 0], xs[:, 1]].mean(0)[xs[:, 1] < mid].mean()
    lighter = b[:, xs[:, 0], xs[:, 1]].mean(0)[xs[:, 1] > mid].mean()
    assert darker < lighter - 0.05  # the bank's darker left half shows


def test_a_bank_of_any_size_loads_and_a_file_without_one_keeps_the_cylinder():
    source = PriorRenderer("skirt", list(BODY_NAMES))
    source.leg_shading, source.leg_colours = _bank(0.8, n=3)
    loaded = PriorRenderer("skirt", list(BODY_NAMES))
    loaded.load_state_dict(source.state_dict())
    assert loaded.leg_shading.shape[0] == 3 and torch.equal(loaded.leg_shading, source.leg_shading)
    old = PriorRenderer("skirt", list(BODY_NAMES))
    old.load_state_dict({})  # a prior saved before the bank
    assert old.leg_shading.shape[0] == 0


def test_the_bundled_priors_carry_measured_legs():
    from designgan.pipeline import Translator

    for name in ("jeans2skirt", "pants2skirt", "trousers2shorts"):
        generator = Translator.load(name).generators["G_AB"]
        assert generator.leg_shading.shape[0] >= 10, name
        assert generator.leg_colours.shape == (generator.leg_shading.shape[0], 3)


def test_a_hem_shades_the_skin_below_it_as_measured_and_nothing_else():
    from designgan.models.prior_style import HEM_SHADOW

    garment = torch.zeros(1, 1, 256, 64)
    garment[:, :, 40:100, 10:40] = 1  # a skirt ending on row 99, columns 10-39
    shadow = L.hem_shadow(garment)[0, 0]
    assert torch.allclose(shadow[100, 20], torch.tensor(HEM_SHADOW[0])) and shadow[100, 20] < 0.75
    assert torch.allclose(shadow[104, 20], torch.tensor(HEM_SHADOW[4]))
    assert (shadow[99 + len(HEM_SHADOW):, 20] == 1).all() and (shadow[:100, 20] == 1).all()  # past it; above it
    assert (shadow[:, 50] == 1).all()  # a column the garment misses
    half = L.hem_shadow(torch.nn.functional.interpolate(garment, size=(128, 32)))[0, 0]
    assert torch.allclose(half[50, 10], torch.tensor(HEM_SHADOW[1]))  # steps scale with the frame: 1 px = 2 steps


def test_the_prior_darkens_the_legs_just_below_the_skirt():
    image, attention = frame_inputs()
    out = PriorRenderer("skirt", list(BODY_NAMES))(image, attention)
    skirt = out.mask[0, 0] > 0.5
    column = POINTS["left_knee"][0]  # down the middle of the left leg
    hem = int(skirt[:, column].nonzero().max())
    leg = out.image[0, :, :, column]
    near, far = (leg[:, hem + 1] + 1).mean(), (leg[:, hem + 12] + 1).mean()
    assert near < 0.85 * far  # the measured shadow at 1/128 h below the hem (the cylinder alone is even there)
