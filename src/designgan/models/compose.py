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
    separable: bool = False,
) -> torch.Tensor:
    """Blend weight in [0, 1], [B, 1, H, W]: 1 deep inside the edit region, exactly 0 outside it.

    Masks are probabilities in [0, 1] ([B, 1, H, W]); they are thresholded at ``threshold``. The union is
    dilated by ``dilate`` px, then box-blurred with radius ``feather`` px, so the support of the result is the
    union dilated by ``dilate + feather`` px. No gradient flows through the weight.

    ``separable``: the same values computed with running sums along rows and columns, O(1) instead of O(k^2) per
    pixel: what the inference pipeline uses at full resolution, where the margins are tens of pixels wide.
    Dilating a binary mask by a square is "any pixel of the square set", i.e. a box sum above zero; a box filter
    is separable, and so is its border count (the valid window is a rectangle).
    """
    with torch.no_grad():
        region = source_mask.float() > threshold
        for extra in (target_mask, extra_region):
            if extra is not None:
                region = region | (extra.float() > threshold)
        alpha = region.float()
        if separable:
            if dilate > 0:
                alpha = (_box_mean(_box_mean(alpha, dilate, -2), dilate, -1) > 0).float()
            if feather > 0:
                alpha = _box_mean(_box_mean(alpha, feather, -2), feather, -1)
                alpha = torch.where(alpha > 1e-6, alpha, 0.0)  # running sums leave ~1e-16 where the box is empty
            return alpha
        if dilate > 0:
            alpha = F.max_pool2d(alpha, 2 * dilate + 1, stride=1, padding=dilate)
        if feather > 0:
            alpha = F.avg_pool2d(alpha, 2 * feather + 1, stride=1, padding=feather, count_include_pad=False)
        return alpha


def _box_mean(x: torch.Tensor, radius: int, dim: int) -> torch.Tensor:
    """Mean over a window of ``2 * radius + 1`` along ``dim``, counting only positions inside the tensor (like
    ``avg_pool2d(count_include_pad=False)``), via a cumulative sum: O(1) per element whatever the radius."""
    n = x.shape[dim]
    c = F.pad(x.double().cumsum(dim).movedim(dim, -1), (1, 0)).movedim(-1, dim)  # c[i] = sum of x[:i]
    idx = torch.arange(n, device=x.device)
    hi, lo = (idx + radius + 1).clamp(max=n), (idx - radius).clamp(min=0)
    total = c.index_select(dim, hi) - c.index_select(dim, lo)
    shape = [1] * x.dim()
    shape[dim] = n
    return (total / (hi - lo).to(total.dtype).view(shape)).to(x.dtype)


def compose(source: torch.Tensor, translated: torch.Tensor, alpha: torch.Tensor) -> torch.Tensor:
    """``alpha * translated + (1 - alpha) * source``, and exactly ``source`` wherever ``alpha == 0``."""
    alpha = alpha.to(translated.dtype)
    blended = alpha * translated + (1 - alpha) * source.to(translated.dtype)
    return torch.where(alpha > 0, blended, source.to(translated.dtype))
