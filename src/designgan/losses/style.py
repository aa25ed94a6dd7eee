"""Texture (style) loss on resized garment patches, weighted by the inverse-centre map ``w_style``.

The garment is cropped from the input (its bounding box under mask ``a``) and from the output (under the
predicted target mask ``b'``); both crops are resized to one fixed size and compared pixel by pixel:

    L_style = 1/(2N) * sum_n sum_c sum_ij w_ij * (p(a)_cij - p(b')_cij)^2 / (h * w)

``w_style`` is low in the middle of the patch and high towards its border, because the border (garment against
background or skin) carries the detail that matters:

    w(u, v) = floor + (1 - floor) * r(u, v)^power,   r = max(|u|, |v|),  u, v in [-1, 1] across the patch,

normalised to mean 1 so the loss scale does not depend on ``floor`` or ``power``.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def inverse_centre_weight(size: tuple[int, int], floor: float = 0.2, power: float = 2.0,
                          device: torch.device | str | None = None) -> torch.Tensor:
    """The ``w_style`` map, [h, w], mean 1 (see module docstring)."""
    h, w = size
    v = torch.linspace(-1, 1, h, device=device).abs()[:, None]
    u = torch.linspace(-1, 1, w, device=device).abs()[None, :]
    r = torch.maximum(u, v)
    weight = floor + (1 - floor) * r ** power
    return weight / weight.mean()


def mask_boxes(mask: torch.Tensor, threshold: float = 0.5, margin: float = 0.05) -> tuple[torch.Tensor, torch.Tensor]:
    """Bounding boxes ``[B, 4]`` (x1, y1, x2, y2, pixel coordinates) of ``mask > threshold`` and a validity flag.

    Boxes are grown by ``margin`` of their size on every side (so the border context is in the patch) and
    clipped to the image. An empty mask gives an invalid (all-image) box.
    """
    b, _, h, w = mask.shape
    hit = mask[:, 0].detach() > threshold
    rows, cols = hit.any(dim=2), hit.any(dim=1)
    valid = rows.any(dim=1)
    ar_h = torch.arange(h, device=mask.device)
    ar_w = torch.arange(w, device=mask.device)
    big = torch.iinfo(torch.long).max
    y1 = torch.where(rows, ar_h, big).amin(dim=1)
    y2 = torch.where(rows, ar_h, -1).amax(dim=1) + 1
    x1 = torch.where(cols, ar_w, big).amin(dim=1)
    x2 = torch.where(cols, ar_w, -1).amax(dim=1) + 1
    boxes = torch.stack([x1, y1, x2, y2], dim=1).float()
    full = torch.tensor([0.0, 0.0, float(w), float(h)], device=mask.device).expand(b, 4)
    boxes = torch.where(valid[:, None], boxes, full)
    grow = torch.stack([boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]], dim=1).repeat(1, 2) * margin
    boxes = boxes + grow * torch.tensor([-1.0, -1.0, 1.0, 1.0], device=mask.device)
    upper = torch.tensor([float(w), float(h), float(w), float(h)], device=mask.device)
    boxes = torch.minimum(torch.maximum(boxes, torch.zeros_like(boxes)), upper)
    return boxes, valid


def crop_resize(image: torch.Tensor, boxes: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Crop each image's box (x1, y1, x2, y2 in pixels; pixel i spans [i, i+1)) and resize it to ``size``.

    Bilinear samples on a grid ``k`` times finer than the output, averaged over k x k (like RoIAlign's sampling
    ratio, so large boxes are not aliased); ``k`` adapts to the largest box. Differentiable w.r.t. ``image``.
    """
    grid, k = crop_grid(boxes, image.shape[-2:], size)
    patches = F.grid_sample(image.float(), grid, mode="bilinear", padding_mode="border", align_corners=False)
    return F.avg_pool2d(patches, k) if k > 1 else patches


def crop_grid(boxes: torch.Tensor, image_size: tuple[int, int] | torch.Size, size: tuple[int, int]
              ) -> tuple[torch.Tensor, int]:
    """The sampling grid of :func:`crop_resize` (``[B, h*k, w*k, 2]``, normalised x, y) and its factor ``k``."""
    b = boxes.shape[0]
    height, width = int(image_size[0]), int(image_size[1])
    h, w = size
    ratio = float(torch.max((boxes[:, 3] - boxes[:, 1]) / h).clamp(min=1).item())
    ratio = max(ratio, float(torch.max((boxes[:, 2] - boxes[:, 0]) / w).clamp(min=1).item()))
    k = min(4, math.ceil(ratio - 1e-6))
    steps_y = (torch.arange(h * k, device=boxes.device, dtype=torch.float32) + 0.5) / (h * k)
    steps_x = (torch.arange(w * k, device=boxes.device, dtype=torch.float32) + 0.5) / (w * k)
    ys = boxes[:, 1:2] + steps_y[None] * (boxes[:, 3:4] - boxes[:, 1:2])  # [B, h*k] pixel coordinates
    xs = boxes[:, 0:1] + steps_x[None] * (boxes[:, 2:3] - boxes[:, 0:1])
    grid_y = (2 * ys / height - 1)[:, :, None].expand(b, h * k, w * k)
    grid_x = (2 * xs / width - 1)[:, None, :].expand(b, h * k, w * k)
    return torch.stack([grid_x, grid_y], dim=-1), k


def garment_patches(image: torch.Tensor, mask: torch.Tensor, size: tuple[int, int] = (64, 64),
                    threshold: float = 0.5, margin: float = 0.05) -> tuple[torch.Tensor, torch.Tensor]:
    """The garment's bounding-box crop of each image, resized to ``size``: ``([B, C, h, w], valid [B])``."""
    boxes, valid = mask_boxes(mask, threshold, margin)
    return crop_resize(image, boxes, size), valid


def weighted_patch_loss(patch_a: torch.Tensor, patch_b: torch.Tensor, weight: torch.Tensor,
                        valid: torch.Tensor | None = None) -> torch.Tensor:
    """``1/(2N) sum_n sum_c mean_ij w_ij (a - b)^2`` over the valid samples (0 when none is valid)."""
    per_sample = (weight * (patch_a.float() - patch_b.float()) ** 2).mean(dim=(2, 3)).sum(dim=1)
    if valid is None:
        valid = torch.ones_like(per_sample, dtype=torch.bool)
    n = valid.sum()
    # Multiply by zero rather than returning a constant so the graph (and DDP's bookkeeping) stays intact.
    return (per_sample * valid).sum() / (2 * n.clamp(min=1))


def style_loss(source: torch.Tensor, source_mask: torch.Tensor, output: torch.Tensor, output_mask: torch.Tensor,
               size: tuple[int, int] = (64, 64), weight: torch.Tensor | None = None,
               threshold: float = 0.5, margin: float = 0.05) -> torch.Tensor:
    """L_style between the source garment (under ``source_mask``) and the generated one (under ``output_mask``).

    The target patch is detached from the source side (the input is data); a sample counts only when both
    masks are non-empty.
    """
    patch_a, valid_a = garment_patches(source.detach(), source_mask, size, threshold, margin)
    patch_b, valid_b = garment_patches(output, output_mask, size, threshold, margin)
    if weight is None:
        weight = inverse_centre_weight(size, device=output.device)
    return weighted_patch_loss(patch_a, patch_b, weight, valid_a & valid_b)


def reference_style_loss(reference_patch: torch.Tensor, output: torch.Tensor, output_mask: torch.Tensor,
                         weight: torch.Tensor | None = None, threshold: float = 0.5,
                         margin: float = 0.05) -> torch.Tensor:
    """L_style against a given reference patch (texture customisation: a fabric image as the style source)."""
    size = (reference_patch.shape[-2], reference_patch.shape[-1])
    patch_b, valid = garment_patches(output, output_mask, size, threshold, margin)
    if weight is None:
        weight = inverse_centre_weight(size, device=output.device)
    return weighted_patch_loss(reference_patch.detach(), patch_b, weight, valid)


def gram_matrix(x: torch.Tensor) -> torch.Tensor:
    """``[B, C, C]`` channel Gram matrix normalised by the number of positions."""
    b, c, h, w = x.shape
    flat = x.float().reshape(b, c, h * w)
    return flat @ flat.transpose(1, 2) / (h * w)


def gram_texture_loss(patch_a: torch.Tensor, patch_b: torch.Tensor, scales: int = 3,
                      valid: torch.Tensor | None = None) -> torch.Tensor:
    """Shape-free texture term: MSE between Gram matrices of local 2x2-unfolded patches at several scales."""
    total = patch_a.new_zeros((), dtype=torch.float32)
    if valid is None:
        valid = torch.ones(patch_a.shape[0], dtype=torch.bool, device=patch_a.device)
    for s in range(scales):
        a = F.avg_pool2d(patch_a, 2 ** s) if s else patch_a
        b = F.avg_pool2d(patch_b, 2 ** s) if s else patch_b
        # Unfolding 2x2 neighbourhoods makes the Gram matrix see local structure, not only colour.
        ga = gram_matrix(F.unfold(a, 2).reshape(a.shape[0], -1, a.shape[2] - 1, a.shape[3] - 1))
        gb = gram_matrix(F.unfold(b, 2).reshape(b.shape[0], -1, b.shape[2] - 1, b.shape[3] - 1))
        per_sample = ((ga - gb) ** 2).mean(dim=(1, 2))
        total = total + (per_sample * valid).sum() / valid.sum().clamp(min=1)
    return total / scales
