"""The rendered prior (no learning): background fill, silhouettes, skin, fabric."""

from __future__ import annotations

import pytest
import torch

from designgan.landmarks.heatmaps import render_gaussians
from designgan.landmarks.schema import BODY_NAMES
from designgan.models.prior import (
    SKIN_SWATCH,
    PriorRenderer,
    box_blur,
    fill_along_rows,
    fill_from_surroundings,
    inpaint,
    mirror_columns,
    mirrored_tile,
    skin_pixels,
    spot_noise,
)
from designgan.models.prior_style import LEG_OVER_FACE, PriorStyle

H, W = 128, 64
POINTS = {"left_hip": (40, 26), "right_hip": (24, 26), "left_knee": (40, 70), "right_knee": (24, 70),
          "left_ankle": (40, 115), "right_ankle": (24, 115), "left_wrist": (56, 40), "right_wrist": (8, 40)}
DENIM = torch.tensor([-0.8, -0.7, 0.4])
HAND = torch.tensor([0.7, 0.3, 0.1])  # RGB (217, 166, 140): skin


def frame_inputs(hand: torch.Tensor = HAND, points: dict[str, tuple[int, int]] = POINTS
                 ) -> tuple[torch.Tensor, torch.Tensor]:
    image = torch.tensor([-0.6, -0.55, -0.4]).view(1, 3, 1, 1).repeat(1, 1, H, W)  # grey-blue background
    garment = torch.zeros(1, 1, H, W)
    garment[:, :, 22:118, 18:46] = 1  # trousers-shaped block
    image[:, :, 22:118, 18:46] = DENIM[:, None, None]
    for x, y in (points["left_wrist"], points["right_wrist"]):
        image[0, :, y - 3:y + 4, x - 3:x + 4] = hand[:, None, None]
    xy = torch.tensor([points.get(n, (-100.0, -100.0)) for n in BODY_NAMES], dtype=torch.float32)
    heat = render_gaussians(xy, H, W, sigma=2.0)[None]
    return image, torch.cat([garment, heat], dim=1)


def legs(colour: torch.Tensor) -> torch.Tensor:
    """The legs' colour for a face-and-hands ``colour``: the measured ratio (prior_style.LEG_OVER_FACE)."""
    return (colour + 1) * torch.tensor(LEG_OVER_FACE) - 1


def lit(colour: torch.Tensor, u: float) -> torch.Tensor:
    """``colour`` under the renderer's cylinder shading at across-coordinate ``u``."""
    return (colour + 1) * (1.06 - 0.3 * u * u) - 1


def test_fill_replaces_the_hole_from_its_surroundings():
    image = torch.full((1, 3, 40, 30), 0.25)
    hole = torch.zeros(1, 1, 40, 30)
    hole[:, :, 10:30, 8:20] = 1
    holed = image.clone()
    holed[:, :, 10:30, 8:20] = -1
    assert torch.allclose(fill_from_surroundings(holed, hole), image, atol=1e-5)
    assert torch.allclose(inpaint(holed, hole), image, atol=1e-5)  # a flat background has no detail to add


def test_row_fill_blends_the_two_sides_and_ignores_what_is_above():
    image = torch.zeros(1, 3, 60, 40)
    image[..., :20] = -0.5  # a wall on the left, the road on the right
    image[..., 20:] = 0.5
    image[:, :, :10] = 1.0  # a white shirt above the garment
    hole = torch.zeros(1, 1, 60, 40)
    hole[:, :, 10:60, 10:30] = 1
    filled = fill_along_rows(image, hole)
    assert filled[0, 0, 35, 10] < -0.3 and filled[0, 0, 35, 29] > 0.3  # each side continues its own colour
    assert abs(float(filled[0, 0, 35, 20])) < 0.1  # half way: half of each
    assert filled[0, 0, 12:, 10:30].max() < 0.55  # the shirt does not run down into the fill
    assert torch.equal(filled[..., :10], image[..., :10])  # outside the hole: untouched


def test_mirror_columns_reflect_across_the_nearer_edge():
    hole = torch.zeros(1, 1, 1, 12)
    hole[..., 4:9] = 1  # columns 4..8; the edges outside are 3 and 9
    assert mirror_columns(hole)[0, 0, 0].tolist() == [0, 1, 2, 3, 2, 1, 0, 11, 10, 9, 10, 11]


def test_mirrored_tile_has_no_seam():
    patch = torch.arange(9.0).view(1, 1, 3, 3)
    tiled = mirrored_tile(patch, (7, 8))
    assert tiled.shape == (1, 1, 7, 8)
    assert torch.equal(tiled[..., 2], tiled[..., 3]) and torch.equal(tiled[..., 2, :], tiled[..., 3, :])


def test_spot_noise_keeps_the_fabrics_colour_and_grain_and_repeats_nothing():
    g = torch.Generator().manual_seed(0)
    stripes = torch.sin(torch.arange(12.0) * 1.6).view(1, 1, 1, 12).expand(1, 3, 12, 12)  # a vertical weave
    patch = 0.2 * stripes + torch.tensor([-0.5, -0.3, 0.2]).view(1, 3, 1, 1) + 0.02 * torch.randn(1, 3, 12, 12,
                                                                                               generator=g)
    texture = spot_noise(patch, (96, 64))
    assert texture.shape == (1, 3, 96, 64)
    assert torch.allclose(texture.mean(dim=(-2, -1)), patch.mean(dim=(-2, -1)), atol=0.03)
    ratio = texture.std(dim=(-2, -1)) / patch.std(dim=(-2, -1))
    assert ((ratio > 0.6) & (ratio < 1.4)).all()  # the weave's contrast
    down, across = texture[..., 1:, :] - texture[..., :-1, :], texture[..., 1:] - texture[..., :-1]
    assert across.abs().mean() > 1.5 * down.abs().mean()  # and its direction: it changes across, not down

    def repeats(t: torch.Tensor, shift: int) -> float:  # correlation of the texture with itself moved down
        t = t - t.mean(dim=(-2, -1), keepdim=True)
        a, b = t[..., shift:, :], t[..., :-shift, :]
        return float((a * b).sum() / (a.norm() * b.norm()))

    speckle = torch.tensor([-0.5, -0.3, 0.2]).view(1, 3, 1, 1) + 0.2 * torch.randn(1, 1, 12, 12, generator=g)
    assert repeats(mirrored_tile(speckle, (96, 64)), 24) > 0.9  # tiled copies come back every two patches
    assert abs(repeats(spot_noise(speckle, (96, 64)), 24)) < 0.3
    capped = spot_noise(patch, (96, 64), contrast=torch.full((1, 3), 0.05))
    assert torch.allclose(capped.std(dim=(-2, -1)), torch.full((1, 3), 0.05), atol=0.005)  # a seam's contrast, capped
    assert torch.allclose(capped.mean(dim=(-2, -1)), texture.mean(dim=(-2, -1)), atol=1e-3)
    assert torch.equal(spot_noise(patch, (96, 64), contrast=torch.ones(1, 3)), texture)  # a cap above: no change
    assert torch.equal(spot_noise(patch, (96, 64)), texture)  # the same photo, the same texture
    assert not torch.equal(spot_noise(patch + 0.1, (96, 64)), texture + 0.1)  # another photo, another one


def test_the_cloths_grain_is_read_from_all_of_it_not_from_a_seam():
    g = torch.Generator().manual_seed(1)
    image = -0.2 + 0.05 * torch.randn(1, 3, 64, 48, generator=g)
    garment = torch.zeros(1, 1, 64, 48)
    garment[..., 8:56, 8:40] = 1
    plain = PriorRenderer._grain(image, garment, 20)
    seamed = image.clone()
    seamed[..., 20, 8:40] = 0.9  # a bright seam across the cloth
    assert (PriorRenderer._grain(seamed, garment, 20) < 1.25 * plain).all()  # the seam's blurred band moves it little
    detail = seamed - box_blur(seamed, 7)
    assert (detail[..., 8:56, 8:40].std(dim=(-2, -1)) > 2 * plain).all()  # while a plain std would more than double
    assert (plain > 0.02).all() and (plain < 0.08).all()  # about the noise's 0.05, less what the blur keeps


def test_skin_pixels_accept_light_and_dark_skin_and_reject_cloth():
    def rgb(*c: int) -> torch.Tensor:
        return torch.tensor(c, dtype=torch.float32) / 127.5 - 1

    skins = torch.stack([rgb(224, 172, 150), rgb(110, 70, 50), rgb(217, 166, 140)])
    cloth = torch.stack([rgb(40, 60, 110), rgb(128, 128, 128), rgb(240, 240, 240), rgb(20, 20, 20)])
    assert skin_pixels(skins).all()
    assert not skin_pixels(cloth).any()


def test_skirt_prior_draws_a_skirt_to_the_knees_and_skin_legs_below():
    image, attention = frame_inputs()
    out = PriorRenderer("skirt", list(BODY_NAMES))(image, attention)
    mask = out.mask[0, 0]
    assert mask[40, 32] > 0.99 and mask[70, 32] > 0.99  # hips to knees
    assert mask[110, 40] < 0.01  # not the ankles
    assert ((mask > 0.01) & (mask < 0.99)).any()  # anti-aliased edges
    # Below the hem the old denim is gone: legs take the hands' skin colour (lit on the leg's axis), the rest the
    # background; the skirt is the denim.
    assert torch.allclose(out.image[0, :, 100, 40], lit(legs(HAND), 0.0), atol=0.03)
    assert (out.image[0, 2, 100, 32] - image[0, 2, 100, 32]).abs() > 0.5  # between the legs: no denim left
    assert torch.allclose(out.image[0, :, 60, 32], lit(DENIM, 0.0), atol=0.06)
    assert torch.equal(out.image[0, :, 5, 5], image[0, :, 5, 5])  # far from the garment: untouched


def test_skirt_prior_takes_the_callers_skin_colour_and_falls_back_without_one():
    grey_hands = torch.tensor([0.0, 0.0, 0.0])  # gloves: not skin, so the frame alone has no skin colour
    image, attention = frame_inputs(grey_hands)
    prior = PriorRenderer("skirt", list(BODY_NAMES))
    swatch = torch.tensor(SKIN_SWATCH) * 2 - 1
    assert torch.allclose(prior(image, attention).image[0, :, 100, 40], lit(legs(swatch), 0.0), atol=0.03)
    face = torch.tensor([[0.2, -0.2, -0.4]])
    assert torch.allclose(prior(image, attention, skin=face).image[0, :, 100, 40], lit(legs(face[0]), 0.0),
                          atol=0.03)
    assert not torch.allclose(prior(image, attention, skin=face).image[0, :, 100, 40], lit(face[0], 0.0), atol=0.03)
    unknown = torch.full((1, 3), torch.nan)  # the photo gave none: back to the frame's own estimate
    assert torch.allclose(prior(image, attention, skin=unknown).image[0, :, 100, 40], lit(legs(swatch), 0.0),
                          atol=0.03)


def test_shoes_and_bare_ankles_outside_the_old_garment_are_kept():
    image, attention = frame_inputs()
    out = PriorRenderer("skirt", list(BODY_NAMES))(image, attention)
    # just below the trousers' hem (row 117), around the ankle: the photo, not painted skin
    assert torch.equal(out.image[0, :, 121:124, 38:43], image[0, :, 121:124, 38:43])


def test_the_bare_legs_go_on_past_the_ankle_joint_into_the_old_hems_place():
    image, attention = frame_inputs()  # ankle joints at row 115, the trousers' hem at row 117
    for family, style in (("skirt", None), ("trousers", PriorStyle(length="shorts"))):
        out = PriorRenderer(family, list(BODY_NAMES))(image, attention, style=style)
        # row 119: below the joint, where the old hem reached over the shoe: the leg's skin, not the background
        assert torch.allclose(out.image[0, :, 119, 40], lit(legs(HAND), 0.0), atol=0.03), family
        assert (out.image[0, :, 119, 32] - image[0, :, 119, 32]).abs().max() < 0.05, family  # between the legs


def test_a_hand_on_the_hip_stays_in_front_of_the_new_skirt():
    on_hip = {**POINTS, "left_wrist": (47, 58)}  # beside the old garment (columns 18-45), where the skirt flares
    prior = PriorRenderer("skirt", list(BODY_NAMES))
    gloved, gloved_attention = frame_inputs(torch.zeros(3), on_hip)  # not skin: nothing to keep in front
    assert prior(gloved, gloved_attention).mask[0, 0, 56:61, 46:48].min() > 0.9  # the skirt covers the spot
    image, attention = frame_inputs(HAND, on_hip)
    out = prior(image, attention)
    hand = (slice(56, 61), slice(47, 48))  # column 46 is the soft edge by the old garment
    assert out.mask[0, 0][hand].max() < 0.1  # the new garment goes behind the hand
    assert torch.allclose(out.image[0, :, hand[0], hand[1]], image[0, :, hand[0], hand[1]], atol=0.02)
    far_hand = frame_inputs(HAND)  # the wrists away from where the skirt goes: the same skirt as with gloves
    assert torch.allclose(prior(*far_hand).mask, prior(*frame_inputs(torch.zeros(3))).mask, atol=1e-4)


def test_swatch_avoids_a_bag_over_one_thigh():
    image, attention = frame_inputs()
    image[:, :, 40:56, 18:32] = torch.tensor([0.9, 0.9, -0.9])[:, None, None]  # a yellow bag on the right thigh
    out = PriorRenderer("skirt", list(BODY_NAMES))(image, attention)
    below_crotch = out.image[0, :, 60:72, 30:34].flatten(1)  # the skirt's middle, from the tiled swatch
    assert torch.allclose(below_crotch, lit(DENIM, 0.0)[:, None].expand_as(below_crotch), atol=0.08)


def test_the_fabric_comes_from_slim_shins_when_a_bag_hides_the_thighs():
    image = torch.full((1, 3, H, W), -0.2)  # pavement
    garment = torch.zeros(1, 1, H, W)
    for x in (40, 24):  # skinny trouser legs 7 px wide: narrower than the 10-px swatch
        garment[:, :, 70:118, x - 3:x + 4] = 1
        image[0, :, 70:118, x - 3:x + 4] = DENIM[:, None, None]
    garment[:, :, 22:30, 18:46] = 1  # the waistband, with the hands over it
    image[0, :, 22:30, 18:46] = HAND[:, None, None]
    image[0, :, 30:70, 16:48] = -0.95  # a black bag over both thighs: not garment
    pose = {"hips": torch.tensor([[[40.0, 26.0], [24.0, 26.0]]]), "knees": torch.tensor([[[40.0, 70.0], [24.0, 70.0]]]),
            "ankles": torch.tensor([[[40.0, 115.0], [24.0, 115.0]]])}
    swatch = PriorRenderer._swatch(image, garment, pose)
    assert swatch.shape == (1, 3, 10, 10)
    assert torch.allclose(swatch.mean(dim=(2, 3))[0], DENIM, atol=0.05)  # denim, not the hands or the bag


def test_trouser_prior_covers_both_legs_to_the_ankles_in_the_source_fabric():
    image, attention = frame_inputs()
    out = PriorRenderer("trousers", list(BODY_NAMES))(image, attention)
    mask = out.mask[0, 0] > 0.5
    assert mask[112, 40] and mask[112, 24] and mask[24, 32]  # both ankles; the waist band joins the legs
    assert not mask[100, 32]  # between the lower legs: background
    assert torch.allclose(out.image[0, :, 100, 40], lit(DENIM, 0.0), atol=0.06)
    with pytest.raises(ValueError, match="dress"):
        PriorRenderer("dress", list(BODY_NAMES))


def test_new_trousers_stop_at_the_old_garments_waist():
    image, attention = frame_inputs()
    attention[0, 0, 14:24] = 0  # the old garment starts at row 24, just above the hip joints (row 26)
    image[0, :, 14:24, 18:46] = torch.tensor([0.6, 0.5, 0.2])[:, None, None]  # a belt bag above it
    out = PriorRenderer("trousers", list(BODY_NAMES))(image, attention)
    assert out.mask[0, 0, 14:20, 18:46].max() < 0.5  # the thighs' round tops do not paint over the bag
    assert out.mask[0, 0, 25, 24] > 0.5 and out.mask[0, 0, 25, 40] > 0.5  # the waist itself is covered


def test_prior_is_differentiable_in_the_image_and_each_sample_of_a_batch_is_its_own():
    image, attention = frame_inputs()
    other_image, other_attention = frame_inputs(torch.tensor([0.2, -0.2, -0.4]))
    other_image, other_attention = other_image.flip(-1), other_attention.flip(-1)  # a mirrored person
    prior = PriorRenderer("skirt", list(BODY_NAMES))
    both = torch.cat([image, other_image]).requires_grad_(True)
    out = prior(both, torch.cat([attention, other_attention]))
    out.image.mean().backward()
    assert both.grad is not None and both.grad.abs().sum() > 0
    assert torch.allclose(out.image[:1], prior(image, attention).image, atol=1e-5)
    assert torch.allclose(out.image[1:], prior(other_image, other_attention).image, atol=1e-5)


def test_a_given_fabric_covers_the_whole_new_garment():
    image, attention = frame_inputs()
    tartan = torch.zeros(1, 3, H, W)
    tartan[:, 0] = 0.6  # red
    out = PriorRenderer("skirt", list(BODY_NAMES))(image, attention, fabric=tartan)
    for row in (30, 60):  # above the crotch too: no old denim kept when the user gives a fabric
        assert torch.allclose(out.image[0, :, row, 32], lit(tartan[0, :, 0, 0], 0.0), atol=0.06)


def test_trousers_hide_bare_legs_wider_than_the_drawn_ones_but_not_the_hands():
    image, attention = frame_inputs()
    image[:, :, 80:118, 16:48] = HAND[:, None, None]  # bare legs below a short skirt, wider than the drawn trousers
    attention[:, 0] = 0
    attention[:, 0, 22:80, 18:46] = 1  # the skirt
    out = PriorRenderer("trousers", list(BODY_NAMES))(image, attention)
    mask = out.mask[0, 0]
    assert mask[100, 17] > 0.5 and mask[100, 46] > 0.5  # the legs' outer edges, beyond the drawn legs' width
    assert mask[POINTS["left_wrist"][1], POINTS["left_wrist"][0]] < 0.5  # the hand stays a hand
    drawn_only = PriorRenderer("trousers", list(BODY_NAMES))(*frame_inputs())
    assert drawn_only.mask[0, 0, 100, 17] < 0.5  # without bare skin there, the drawn legs do not reach it


def test_the_new_garments_waist_follows_the_old_ones_where_the_photos_waist_is_not_level():
    image, attention = frame_inputs()
    # the old trousers' top slants from row 14 (left) to row 24 (right): a waist the frame did not level
    for x in range(18, 46):
        top = 14 + (x - 18) * 10 // 27
        attention[0, 0, 14:top, x] = 0
        image[0, :, 14:top, x] = torch.tensor([-0.6, -0.55, -0.4])[:, None]
        attention[0, 0, top:22, x] = 1
        image[0, :, top:22, x] = DENIM[:, None]
    for family in ("skirt", "trousers"):
        out = PriorRenderer(family, list(BODY_NAMES))(image, attention)
        above_hips = attention[0, 0, :27] > 0.5  # the hip joints are at row 26
        assert out.mask[0, 0, :27][above_hips].min() > 0.99, family  # none of the old waist is filled as background
        assert out.mask[0, 0, :14].max() < 0.01, family  # and the garment starts no higher than the old one


def test_the_prior_says_which_pixels_it_passed_through():
    image, attention = frame_inputs(HAND, {**POINTS, "left_wrist": (47, 58)})
    out = PriorRenderer("skirt", list(BODY_NAMES))(image, attention)
    assert out.untouched is not None and out.in_front is not None
    untouched, front = out.untouched[0, 0] > 0.999, out.in_front[0, 0] > 0.999
    assert untouched.any() and front.any() and not (untouched & front).any()
    assert torch.equal(out.image[0][:, untouched], image[0][:, untouched])  # the input itself, bit for bit
    assert torch.allclose(out.image[0][:, front], image[0][:, front], atol=1e-6)  # the hand
    assert out.untouched[0, 0][attention[0, 0] > 0.5].max() == 0  # nothing of the old garment passes through
