"""Skin loss: the skin a garment change exposes should look like the person's own visible skin.

Reference (PAPER.md decision): the mean colour of the person's visible skin (from the skin mask, outside the
edit region) -> a prepared skin swatch when none is visible -> the term is skipped for that sample. The output
is compared pixel by pixel with the reference inside the exposed region (source garment minus target garment),
optionally weighted (e.g. more at the knees and ankles, from the landmark heatmaps):

    L_skin = 1/(2N) * sum_n sum_ij w_ij ||y'_ij - s_n||^2 / sum_ij w_ij
"""

from __future__ import annotations

import torch


def skin_reference_colour(image: torch.Tensor, skin_mask: torch.Tensor | None, exclude: torch.Tensor | None = None,
                          fallback: torch.Tensor | None = None, min_pixels: int = 16,
                          threshold: float = 0.5) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-sample reference skin colour ``[B, 3]`` and a validity flag ``[B]``.

    Uses the pixels of ``skin_mask`` outside ``exclude`` when at least ``min_pixels`` of them exist; otherwise
    ``fallback`` (a ``[3]`` colour, e.g. a skin swatch's mean) if given; otherwise the sample is invalid.
    """
    b = image.shape[0]
    colour = image.new_zeros((b, 3), dtype=torch.float32)
    valid = torch.zeros(b, dtype=torch.bool, device=image.device)
    if skin_mask is not None:
        keep = skin_mask.detach().float() > threshold
        if exclude is not None:
            keep = keep & ~(exclude.detach().float() > threshold)
        keep = keep.float()
        count = keep.sum(dim=(1, 2, 3))
        mean = (image.detach().float() * keep).sum(dim=(2, 3)) / count.clamp(min=1)[:, None]
        valid = count >= min_pixels
        colour = torch.where(valid[:, None], mean, colour)
    if fallback is not None:
        colour = torch.where(valid[:, None], colour, fallback.to(colour).expand(b, 3))
        valid = torch.ones_like(valid)
    return colour, valid


def exposed_region(source_mask: torch.Tensor, target_mask: torch.Tensor, threshold: float = 0.5) -> torch.Tensor:
    """Where the source garment was and the target garment is not: skin appears there. [B, 1, H, W] in {0, 1}."""
    return ((source_mask.detach() > threshold) & ~(target_mask.detach() > threshold)).float()


def skin_loss(output: torch.Tensor, region: torch.Tensor, reference: torch.Tensor, valid: torch.Tensor,
              weight: torch.Tensor | None = None, min_pixels: int = 16) -> torch.Tensor:
    """L_skin (module docstring). Samples with an invalid reference or a region under ``min_pixels`` are skipped."""
    w = region.float() if weight is None else region.float() * weight.float()
    area = w.sum(dim=(1, 2, 3))
    dist = ((output.float() - reference[:, :, None, None]) ** 2).sum(dim=1, keepdim=True)
    per_sample = (dist * w).sum(dim=(1, 2, 3)) / area.clamp(min=1e-6)
    use = valid & (region.float().sum(dim=(1, 2, 3)) >= min_pixels)
    return (per_sample * use).sum() / (2 * use.sum().clamp(min=1))
