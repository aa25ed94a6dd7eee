"""Visibility-weighted heatmap MSE: pure function."""

from __future__ import annotations

import torch


def heatmap_mse(pred: torch.Tensor, target: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """Mean squared error per heatmap, averaged over landmarks with weight > 0.

    ``pred``, ``target``: (B, K, H, W); ``weight``: (B, K), 0 for unlabelled landmarks (no gradient), 1 for
    visible ones (Gaussian target) and for labelled-absent ones (all-zero target).
    """
    if pred.shape != target.shape or weight.shape != pred.shape[:2]:
        raise ValueError(f"shape mismatch: pred {tuple(pred.shape)}, target {tuple(target.shape)}, "
                         f"weight {tuple(weight.shape)}")
    per_map = (pred.float() - target.float()).pow(2).mean(dim=(-2, -1))
    return (per_map * weight).sum() / weight.sum().clamp(min=1.0)
