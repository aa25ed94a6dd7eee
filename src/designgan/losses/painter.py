"""The painter's losses (pure functions): L1 inside the repainted region, and a perceptual distance in the
features of a fixed, randomly initialised VGG-like network ("Generic Perceptual Loss", Liu et al., CVPR 2021:
random deep features already measure structure, so no pretrained backbone is needed)."""

from __future__ import annotations

from collections.abc import Callable

import torch


def region_l1(output: torch.Tensor, target: torch.Tensor, region: torch.Tensor) -> torch.Tensor:
    """Mean absolute difference over the pixels (and channels) where ``region`` (B, 1, H, W) is 1."""
    weight = region.float().expand_as(output)
    return ((output.float() - target.float()).abs() * weight).sum() / weight.sum().clamp(min=1)


def perceptual_distance(features: Callable[[torch.Tensor], list[torch.Tensor]], output: torch.Tensor,
                        target: torch.Tensor) -> torch.Tensor:
    """Mean over ``features``' layers of the L1 distance between the two images' features (the target's carry
    no gradient)."""
    with torch.no_grad():
        reference = features(target)
    ours = features(output)
    return torch.stack([(a.float() - b.float()).abs().mean() for a, b in zip(ours, reference, strict=True)]).mean()
