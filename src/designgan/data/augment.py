"""Batch augmentation of in-memory training crops (the judges, the garment segmenter): one random affine per
sample for ``affine_grid`` (flip, zoom, small turn, shift) and photometric jitter."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def random_affines(n: int, generator: torch.Generator, scale: tuple[float, float] = (0.8, 1.25),
                   shift: float = 0.08, rotate_deg: float = 7.0, flip: bool = True) -> torch.Tensor:
    """(n, 2, 3) ``affine_grid`` thetas (output -> input, normalised coordinates): flip (half of them, unless
    ``flip`` is False), zoom, small turn, shift."""
    u = torch.rand(n, 5, generator=generator)
    s = scale[0] * (scale[1] / scale[0]) ** u[:, 0]  # log-uniform zoom
    angle = (u[:, 1] * 2 - 1) * math.radians(rotate_deg)
    mirror = torch.where((u[:, 2] < 0.5) & flip, -1.0, 1.0)
    cos, sin = torch.cos(angle) / s, torch.sin(angle) / s
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0], theta[:, 0, 1] = cos * mirror, -sin
    theta[:, 1, 0], theta[:, 1, 1] = sin * mirror, cos
    theta[:, 0, 2], theta[:, 1, 2] = (u[:, 3] * 2 - 1) * shift, (u[:, 4] * 2 - 1) * shift
    return theta


def context_grid(n: int, size: tuple[int, int], context: float, generator: torch.Generator | None,
                 augment: bool, **affine: float | tuple[float, float]) -> torch.Tensor:
    """``grid_sample`` grid (n, h, w, 2) of the central ``1 / context`` of context crops (crops ``context`` times
    larger than the frame, same centre), each moved by :func:`random_affines` (``affine`` its ranges) when
    ``augment``, else the plain frame."""
    if augment:
        theta = random_affines(n, generator, **affine)  # type: ignore[arg-type]
    else:
        theta = torch.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]).repeat(n, 1, 1)
    return F.affine_grid(theta / context, [n, 3, *size], align_corners=False)


def photometric_jitter(images: torch.Tensor, generator: torch.Generator | None, erase: float = 0.5
                       ) -> torch.Tensor:
    """Per image: brightness, contrast, saturation, a grey version (p 0.15), one erased rectangle (p ``erase``)."""
    b, _, h, w = images.shape
    u = torch.rand(b, 9, generator=generator)
    brightness, contrast, saturation = (0.7 + 0.6 * u[:, 0], 0.7 + 0.6 * u[:, 1], 0.5 + 1.0 * u[:, 2])
    saturation = torch.where(u[:, 3] < 0.15, 0.0, saturation)
    grey = images.mean(dim=1, keepdim=True)
    images = grey + (images - grey) * saturation.view(b, 1, 1, 1)
    mean = images.mean(dim=(1, 2, 3), keepdim=True)
    images = ((mean + (images - mean) * contrast.view(b, 1, 1, 1)) * brightness.view(b, 1, 1, 1)).clamp(0, 1)
    for i in torch.nonzero(u[:, 4] < erase).ravel().tolist():  # erase a rectangle of 10-30% of each side
        eh, ew = int(h * (0.1 + 0.2 * u[i, 5])), int(w * (0.1 + 0.2 * u[i, 6]))
        top, left = int((h - eh) * u[i, 7]), int((w - ew) * u[i, 8])
        images[i, :, top:top + eh, left:left + ew] = images[i].mean()
    return images
