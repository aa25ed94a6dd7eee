"""What stays in front of the new garment (models.prior: hands by the skin test, and the frozen in-front segmenter
the bundled priors carry; its training target is landmarks.segmenter_data.in_front)."""

from __future__ import annotations

import numpy as np
import torch

from designgan.landmarks.schema import BODY_NAMES
from designgan.landmarks.segmenter_data import in_front, training_planes
from designgan.models.prior import PriorRenderer, connected_to
from tests.models.test_prior import HAND, frame_inputs

NAMES = ["null", "jeans", "bag", "skin", "jacket", "boots"]
POINTS = {"left_hip": (60, 40, 0.9), "right_hip": (40, 40, 0.9), "left_ankle": (60, 140, 0.9),
          "right_ankle": (40, 140, 0.9), "left_wrist": (80, 60, 0.9), "right_wrist": (20, 60, 0.2)}


def test_the_in_front_target_is_bags_tops_and_hands_not_legs_or_the_garment():
    label_map = np.zeros((160, 100), dtype=np.uint8)
    label_map[40:130, 35:65] = 1  # jeans
    label_map[70:90, 66:76] = 2  # a bag beside them
    label_map[30:45, 30:70] = 4  # a jacket's hem over the hips
    label_map[55:66, 75:86] = 3  # the left hand (wrist seen at (80, 60))
    label_map[55:66, 14:25] = 3  # skin by the right wrist, which the landmarks did not see (0.2 < 0.3)
    label_map[130:150, 40:60] = 3  # bare ankles
    mask = in_front(label_map, NAMES, POINTS)
    assert mask[80, 70] and mask[35, 50] and mask[60, 80]  # bag, jacket, hand
    assert not mask[100, 50] and not mask[140, 50] and not mask[60, 20]  # jeans, legs, a hand not seen
    prior, target, category = training_planes("in_front", label_map, NAMES, POINTS, (100, 160))
    assert category == "pants" and prior[100, 50] and not prior[80, 70] and np.array_equal(target, mask)


def test_footwear_is_in_front_only_when_the_recipe_asks():
    label_map = np.zeros((160, 100), dtype=np.uint8)
    label_map[40:130, 35:65] = 1  # jeans
    label_map[130:150, 35:65] = 5  # boots under them
    assert not in_front(label_map, NAMES, POINTS)[140, 50]
    assert in_front(label_map, NAMES, POINTS, footwear=True)[140, 50]
    _, target, _ = training_planes("in_front", label_map, NAMES, POINTS, (100, 160), footwear=True)
    assert target[140, 50] and not target[100, 50]


def _front_everywhere(family: str = "skirt", inside: bool = False) -> PriorRenderer:
    """A prior whose in-front segmenter says "in front" at every pixel (a bias, no weights)."""
    prior = PriorRenderer(family, list(BODY_NAMES), in_front_inside=inside)
    with torch.no_grad():
        for p in prior.in_front.parameters():
            p.zero_()
        prior.in_front.head.bias.fill_(10.0)
    prior.has_in_front.fill_(True)
    return prior


def test_what_the_in_front_segmenter_finds_stays_the_photo_and_the_skirt_goes_behind_it():
    gloves = torch.zeros(3)  # no skin: only the segmenter decides
    image, attention = frame_inputs(gloves)
    plain = PriorRenderer("skirt", list(BODY_NAMES))(image, attention)
    assert plain.mask[0, 0, 60, 16] > 0.5  # the skirt flares past the old garment (columns 18-45) ...
    out = _front_everywhere()(image, attention)
    assert out.mask[0, 0, 60, 16] < 0.5  # ... and goes behind what is in front there
    assert torch.allclose(out.image[0, :, 60, 10:17], image[0, :, 60, 10:17], atol=1e-3)
    assert out.mask[0, 0, 60, 32] > 0.99  # the old garment is never in front: the skirt replaces it


def test_a_segmenter_trained_on_spilled_masks_is_trusted_inside_the_old_garment():
    """A source mask that spilled onto a bag or the shoes: a segmenter trained for it keeps its finds there."""
    image, attention = frame_inputs(torch.zeros(3))
    out = _front_everywhere(inside=True)(image, attention)
    assert out.mask[0, 0, 60, 32] < 0.5  # inside the old garment (columns 18-45): kept as the photo
    assert torch.allclose(out.image[0, :, 60, 30:34], image[0, :, 60, 30:34], atol=1e-3)


def test_new_trousers_do_not_ask_the_segmenter():
    """Their source is a skirt, whose missed parts the segmenter takes for a top: the skin test's hands only."""
    image, attention = frame_inputs(torch.zeros(3))
    attention[:, 0] = 0
    attention[:, 0, 22:80, 14:50] = 1  # a skirt
    plain = PriorRenderer("trousers", list(BODY_NAMES))(image, attention)
    assert torch.equal(_front_everywhere("trousers")(image, attention).image, plain.image)


def test_the_segmenter_loads_with_the_prior_and_a_file_without_it_keeps_the_skin_test_only():
    source = _front_everywhere()
    loaded = PriorRenderer("skirt", list(BODY_NAMES))
    loaded.load_state_dict(source.state_dict())
    assert bool(loaded.has_in_front) and torch.equal(loaded.in_front.head.bias, source.in_front.head.bias)
    old = PriorRenderer("skirt", list(BODY_NAMES))
    old.load_state_dict({"leg_shading": torch.zeros(0, 8, 48, 16), "leg_colours": torch.zeros(0, 3)})
    assert not bool(old.has_in_front)
    image, attention = frame_inputs(HAND)
    assert torch.equal(old(image, attention).image, PriorRenderer("skirt", list(BODY_NAMES))(image, attention).image)
    old.train()
    assert not old.in_front.training  # frozen: batch norm keeps its running statistics


def test_the_bundled_priors_carry_a_trained_in_front_segmenter():
    from designgan.pipeline import Translator

    for name in ("jeans2skirt", "pants2skirt", "trousers2shorts"):
        generator = Translator.load(name).generators["G_AB"]
        assert bool(generator.has_in_front), name
        assert generator.in_front.head.weight.abs().sum() > 0, name


def test_inside_the_old_garment_only_what_reaches_past_its_edge_is_kept():
    """A bag over the garment reaches past its edge; an island inside it is the garment's own print."""
    found = torch.zeros(1, 1, 20, 20)
    found[0, 0, 2:8, 0:6] = 1  # a bag, from outside (columns 0-3) into the garment (columns 4+)
    found[0, 0, 12:15, 10:13] = 1  # an island inside the garment
    garment = torch.zeros(1, 1, 20, 20)
    garment[0, 0, :, 4:] = 1
    kept = connected_to(found * (1 - garment), found)
    assert kept[0, 0, 5, 5] == 1 and kept[0, 0, 5, 1] == 1  # the whole bag, inside and outside
    assert kept[0, 0, 12:15, 10:13].sum() == 0  # not the island
