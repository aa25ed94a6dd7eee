"""The lower-garment segmenter network: shapes, the prior's direct path, its config."""

import pytest
import torch

from designgan.errors import ConfigError
from designgan.models.segmenter import GarmentSegmenter, SegmenterConfig, segmenter_from_config


@pytest.mark.parametrize("size", [(160, 96), (37, 26)])
def test_shapes_any_frame_size(size):
    model = GarmentSegmenter(SegmenterConfig(widths=(4, 8, 16))).eval()
    image, prior = torch.rand(2, 3, *size), (torch.rand(2, 1, *size) > 0.5).float()
    logits = model(image, prior)
    assert logits.shape == (2, 1, *size)
    assert torch.isfinite(logits).all()
    logits.sum().backward()
    assert all(p.grad is not None for p in model.parameters())


def test_prior_enters_the_logits_directly():
    model = GarmentSegmenter(SegmenterConfig(widths=(4, 8))).eval()
    with torch.no_grad():
        model.head.weight.zero_()
        model.head.bias.zero_()
    prior = torch.zeros(1, 1, 16, 8)
    prior[..., 4:12, 2:6] = 1
    assert torch.equal(model(torch.rand(1, 3, 16, 8), prior) > 0, prior > 0)


def test_config_round_trip_and_bad_keys():
    config = SegmenterConfig(widths=(8, 16, 32))
    model = segmenter_from_config(config.to_dict())
    assert model.config == config
    with pytest.raises(ConfigError, match=r"unknown config key 'model\.width'"):
        segmenter_from_config({"width": [8, 16]})
    with pytest.raises(ValueError, match="at least 2 levels"):
        GarmentSegmenter(SegmenterConfig(widths=(8,)))
