"""Texture conditioning input: a fabric patch tiled over the canvas, as the generator's ``texture`` channels.

The format matches ``designgan.pipeline.tile_texture``: a square tile ``tile_height * h`` pixels high, repeated
over an (h, w) canvas from an offset given in fractions of a tile, values in [-1, 1]. During training the tile is
cut from a garment in the batch: from the top centre of the garment's box (the hips, which trousers and skirts
alike cover with fabric, unlike the box centre, which for trousers falls between the legs).
"""

from __future__ import annotations

import math

import torch

from designgan.losses.style import crop_resize, mask_boxes


def garment_square_boxes(mask: torch.Tensor, threshold: float = 0.5) -> tuple[torch.Tensor, torch.Tensor]:
    """Square boxes ``[B, 4]`` at the top centre of each garment's box, and validity.

    Side: half the box width, at most a fifth of its height (above a trouser crotch), starting 5% below the top.
    """
    boxes, valid = mask_boxes(mask, threshold, margin=0.0)
    x1, y1, x2, y2 = boxes.unbind(dim=1)
    side = torch.minimum(0.5 * (x2 - x1), 0.2 * (y2 - y1)).clamp(min=1.0)
    cx = (x1 + x2) / 2
    top = y1 + 0.05 * (y2 - y1)
    top = torch.minimum(top, y2 - side)
    squares = torch.stack([cx - side / 2, top, cx + side / 2, top + side], dim=1)
    return squares, valid


def tile(patch: torch.Tensor, size: tuple[int, int], offset: tuple[float, float] = (0.0, 0.0)) -> torch.Tensor:
    """Repeat square tiles ``[B, C, t, t]`` over ``size`` = (h, w) from ``offset`` (fractions of a tile)."""
    h, w = size
    t = patch.shape[-1]
    canvas = patch.repeat(1, 1, math.ceil(h / t) + 1, math.ceil(w / t) + 1)
    oy, ox = round(offset[1] % 1.0 * t), round(offset[0] % 1.0 * t)
    return canvas[:, :, oy:oy + h, ox:ox + w].contiguous()


def garment_texture(image: torch.Tensor, mask: torch.Tensor, tile_height: float = 0.25,
                    offset: tuple[float, float] = (0.0, 0.0)) -> tuple[torch.Tensor, torch.Tensor]:
    """The garment's own fabric tiled over the image size: ``([B, 3, H, W], valid [B])``.

    What a texture-conditioned generator gets when the user gives no fabric (keep the source texture).
    """
    h, w = image.shape[-2:]
    t = max(2, round(tile_height * h))
    squares, valid = garment_square_boxes(mask)
    patch = crop_resize(image.detach(), squares, (t, t)).to(image.dtype)
    return tile(patch, (h, w), offset), valid
