"""The prior refiner: an untrained one is exactly the rendered prior; training can move it; configs name it."""

from __future__ import annotations

import pytest
import torch

from designgan.errors import ConfigError
from designgan.landmarks.schema import BODY_NAMES
from designgan.models import ModelConfig, build_generator, model_card
from designgan.models.prior_refiner import PriorRefiner
from tests.models.test_prior import frame_inputs

NAMES = list(BODY_NAMES)


def refiner(into: str = "b") -> PriorRefiner:
    torch.manual_seed(0)
    config = ModelConfig(generator="prior_refiner", ngf=8, n_blocks=1).validate()
    g = build_generator(config, 1 + len(NAMES), NAMES, into)  # type: ignore[arg-type]
    assert isinstance(g, PriorRefiner)
    return g


def test_untrained_refiner_outputs_the_prior_and_its_silhouette():
    image, attention = frame_inputs()
    g = refiner()
    out, prior = g(image, attention), g.prior(image, attention)
    assert torch.equal(out.image, prior.image)
    assert torch.equal(out.mask > 0.5, prior.mask > 0.5)
    inside = prior.mask > 0.99  # the silhouette less its anti-aliased edge
    assert out.mask[inside].min() > 0.9  # confident where the prior draws, yet not saturated
    assert out.mask[inside].max() < 0.99


def test_directions_draw_their_own_target_family():
    assert refiner("b").target_family == "skirt"
    assert refiner("a").target_family == "trousers"
    flipped = ModelConfig(generator="prior_refiner", prior_families=["skirt", "trousers"]).validate()
    g = build_generator(flipped, 1 + len(NAMES), NAMES, "b")
    assert g.target_family == "trousers"  # type: ignore[union-attr]


def test_gradients_reach_the_input_image_and_the_refinement_heads():
    image, attention = frame_inputs()
    image.requires_grad_(True)
    g = refiner()
    out = g(image, attention)
    (out.image.square().mean() + out.mask_logits.square().mean()).backward()
    assert image.grad is not None and image.grad.abs().sum() > 0  # through the prior's fill and the network
    head = [m for m in g.net.image_head.modules() if isinstance(m, torch.nn.Conv2d)][-1]
    assert head.weight.grad is not None and head.weight.grad.abs().sum() > 0


def test_one_optimiser_step_moves_the_output_off_the_prior():
    image, attention = frame_inputs()
    g = refiner()
    target = torch.zeros_like(image)
    opt = torch.optim.Adam(g.parameters(), lr=1e-3)  # 1e-2 overshoots and bounces back within three steps
    before = (g(image, attention).image - target).abs().mean()
    for _ in range(3):
        opt.zero_grad()
        (g(image, attention).image - target).abs().mean().backward()
        opt.step()
    assert (g(image, attention).image - target).abs().mean() < before


def test_card_and_config_validation():
    assert model_card("prior_refiner").prior and model_card("prior_refiner").mask_head
    with pytest.raises(ConfigError, match=r"model\.prior_families"):
        ModelConfig(generator="prior_refiner", prior_families=["skirt", "dress"]).validate()
    with pytest.raises(ValueError, match="one heatmap per landmark name"):
        PriorRefiner("skirt", NAMES, attention_channels=3)
