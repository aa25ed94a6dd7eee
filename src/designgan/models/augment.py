"""Differentiable augmentation of discriminator inputs (DiffAugment, Zhao et al., NeurIPS 2020), our own code.

With ~160 photos per domain a discriminator memorises the real set within a few thousand steps and its gradients
stop helping the generator. Augmenting *every* image it sees (real and fake, in the generator's and in its own
step) with the same differentiable transforms keeps it from memorising without teaching the generator to produce
augmented pictures. The attention stack (garment mask + landmark heatmaps) moves with the image under
translation; colour and cutout change only the image.

Policy: a comma-separated subset of ``color``, ``translation``, ``cutout`` (empty = off).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

POLICIES = ("color", "translation", "cutout")


def parse_policy(policy: str) -> tuple[str, ...]:
    parts = tuple(p.strip() for p in policy.split(",") if p.strip())
    unknown = [p for p in parts if p not in POLICIES]
    if unknown:
        raise ValueError(f"unknown augmentation '{unknown[0]}' (choose from {', '.join(POLICIES)})")
    return parts


def _color(x: torch.Tensor) -> torch.Tensor:
    """Random brightness, saturation and contrast per sample; ``x`` in [-1, 1]."""
    n = x.shape[0]
    x = x + (torch.rand(n, 1, 1, 1, device=x.device, dtype=x.dtype) - 0.5)
    mean = x.mean(dim=1, keepdim=True)
    x = (x - mean) * (torch.rand(n, 1, 1, 1, device=x.device, dtype=x.dtype) * 2) + mean
    mean = x.mean(dim=[1, 2, 3], keepdim=True)
    return (x - mean) * (torch.rand(n, 1, 1, 1, device=x.device, dtype=x.dtype) + 0.5) + mean


def _translate(x: torch.Tensor, attention: torch.Tensor, ratio: float = 0.125) -> tuple[torch.Tensor, torch.Tensor]:
    """Shift image and attention together by up to ``ratio`` of the size, zero-filling what comes in."""
    n, _, h, w = x.shape
    shift = (torch.rand(n, 2, device=x.device) * 2 - 1) * ratio * 2  # in normalised [-1, 1] units
    theta = torch.zeros(n, 2, 3, device=x.device)
    theta[:, 0, 0] = 1
    theta[:, 1, 1] = 1
    theta[:, :, 2] = shift
    grid = F.affine_grid(theta, [n, 1, h, w], align_corners=False)
    # Nearest sampling: a pure pixel shift, so the discriminator cannot spot interpolation blur on one side only.
    moved = F.grid_sample(torch.cat([x, attention.to(x.dtype)], dim=1).float(), grid, mode="nearest",
                          padding_mode="zeros", align_corners=False).to(x.dtype)
    return moved[:, :x.shape[1]], moved[:, x.shape[1]:].to(attention.dtype)


def _cutout(x: torch.Tensor, ratio: float = 0.5) -> torch.Tensor:
    """Zero one random rectangle of ``ratio`` x the size per sample."""
    n, _, h, w = x.shape
    ch, cw = max(1, int(h * ratio + 0.5)), max(1, int(w * ratio + 0.5))
    cy = torch.randint(0, h + (1 - ch % 2), (n, 1, 1), device=x.device)
    cx = torch.randint(0, w + (1 - cw % 2), (n, 1, 1), device=x.device)
    ys = torch.arange(h, device=x.device)[None, :, None]
    xs = torch.arange(w, device=x.device)[None, None, :]
    inside = ((ys - cy).abs() <= ch // 2) & ((xs - cx).abs() <= cw // 2)
    return x * (~inside)[:, None].to(x.dtype)


def diff_augment(image: torch.Tensor, attention: torch.Tensor, policy: tuple[str, ...]) -> tuple[torch.Tensor,
                                                                                                  torch.Tensor]:
    """Apply ``policy`` (from :func:`parse_policy`) to a discriminator input; differentiable in ``image``."""
    for name in policy:
        if name == "color":
            image = _color(image)
        elif name == "translation":
            image, attention = _translate(image, attention)
        elif name == "cutout":
            image = _cutout(image)
    return image, attention
