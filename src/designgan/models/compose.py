"""Output composition: the generator only paints the edit region; every other pixel is the input's.

The edit region is the source garment mask ∪ the predicted target garment mask ∪ any extra region (e.g. skin
the change exposes), binarised, dilated by a few pixels and feathered. Outside it the blend weight is exactly 0,
so the output there equals the input bit for bit.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def edit_alpha(
    source_mask: torch.Tensor,
    target_mask: torch.Tensor | None = None,
    extra_region: torch.Tensor | None = None,
    dilate: int = 3,
    feather: int = 3,
    threshold: float = 0.5,
) -> torch.Tensor:
    """Blend weight in [0, 1], [B, 1, H, W]: 1 deep inside the edit region, exactly 0 outside it.

    Masks are probabilities in [0, 1] ([B, 1, H, W]); they are thresholded at ``threshold``. The union is
    dilated by ``dilate`` px, then box-blurred with radius ``feather`` px, so the support of the result is the
    union dilated by ``dilate + feather`` px. No gradient flows through the weight.
    """
    with torch.no_grad():
        region = source_mask.float() > threshold
        for extra in (target_mask, extra_region):
            if extra is not None:
                region = region | (extra.float() > threshold)
        alpha = region.float()
        if dilate > 0:
            alpha = F.max_pool2d(alpha, 2 * dilate + 1, stride=1, padding=dilate)
        if feather > 0:
            alpha = F.avg_pool2d(alpha, 2 * feather + 1, stride=1, padding=feather, count_include_pad=False)
        return alpha


def compose(source: torch.Tensor, translated: torch.Tensor, alpha: torch.Tensor) -> torch.Tensor:
    """``alpha * translated + (1 - alpha) * source``, and exactly ``source`` wherever ``alpha == 0``."""
    alpha = alpha.to(translated.dtype)
    blended = alpha * translated + (1 - alpha) * source.to(translated.dtype)
    return torch.where(alpha > 0, blended, source.to(translated.dtype))
