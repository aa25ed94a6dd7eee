"""Cycle-consistency and identity losses on (image, mask) pairs."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def pair_l1(image: torch.Tensor, target_image: torch.Tensor,
            mask: torch.Tensor | None = None, target_mask: torch.Tensor | None = None,
            mask_weight: float = 1.0) -> torch.Tensor:
    """``|image - target_image|_1 + mask_weight * |mask - target_mask|_1`` (means).

    Masks are probabilities in [0, 1]; the mask term is skipped when either mask is missing (e.g. the CycleGAN
    baseline has no mask head).
    """
    loss = F.l1_loss(image.float(), target_image.float())
    if mask is not None and target_mask is not None and mask_weight > 0:
        loss = loss + mask_weight * F.l1_loss(mask.float(), target_mask.float())
    return loss


def cycle_loss(reconstructed: torch.Tensor, original: torch.Tensor,
               reconstructed_mask: torch.Tensor | None = None, original_mask: torch.Tensor | None = None,
               mask_weight: float = 1.0) -> torch.Tensor:
    """L_cyc for one direction: ``G_YX(G_XY(x, a))`` against ``(x, a)``."""
    return pair_l1(reconstructed, original, reconstructed_mask, original_mask, mask_weight)


def identity_loss(same_domain_output: torch.Tensor, original: torch.Tensor,
                  output_mask: torch.Tensor | None = None, original_mask: torch.Tensor | None = None,
                  mask_weight: float = 1.0) -> torch.Tensor:
    """L_idt for one direction: ``G_XY(y, b)`` against ``(y, b)``."""
    return pair_l1(same_domain_output, original, output_mask, original_mask, mask_weight)


def context_loss(output: torch.Tensor, source: torch.Tensor, source_mask: torch.Tensor,
                 target_mask: torch.Tensor) -> torch.Tensor:
    """InstaGAN's context-preserving loss: L1 between output and source, weighted by ``1 - max(a, b')``, i.e.
    only where neither the source garment ``a`` nor the translated one ``b'`` is (the background should stay)."""
    weight = 1 - torch.maximum(source_mask.detach().float(), target_mask.detach().float())
    return (weight * (output.float() - source.float()).abs()).mean()
