"""Training image grids: input | attention | output | predicted mask | reconstruction, one row per direction."""

from __future__ import annotations

import torch


def _rgb(image: torch.Tensor) -> torch.Tensor:
    return ((image.float().clamp(-1, 1) + 1) / 2).cpu()


def attention_overlay(image: torch.Tensor, attention: torch.Tensor | None) -> torch.Tensor:
    """Dimmed image, garment mask in red, landmark heatmaps in green. image (3, H, W) in [-1, 1]."""
    base = _rgb(image) * 0.4
    if attention is None or attention.shape[0] == 0:
        return base
    attention = attention.float().cpu()
    base[0] = torch.maximum(base[0], attention[0])
    if attention.shape[0] > 1:
        base[1] = torch.maximum(base[1], attention[1:].amax(dim=0))
    return base


def mask_image(mask: torch.Tensor | None, like: torch.Tensor) -> torch.Tensor:
    if mask is None:
        return torch.zeros(3, *like.shape[-2:])
    return mask.float().cpu().expand(3, -1, -1).clone()


def translation_grid(rows: list[dict[str, torch.Tensor | None]], pad: int = 2) -> torch.Tensor:
    """Rows of {"input", "attention", "output", "mask", "reconstruction"} (single images) -> uint8 (3, H, W)."""
    lines = []
    for row in rows:
        tiles = [_rgb(row["input"]), attention_overlay(row["input"], row["attention"]), _rgb(row["output"]),
                 mask_image(row["mask"], row["input"]), _rgb(row["reconstruction"])]
        h = tiles[0].shape[1]
        spacer = torch.ones(3, h, pad)
        line = []
        for tile in tiles:
            line += [tile, spacer]
        lines.append(torch.cat(line[:-1], dim=2))
        lines.append(torch.ones(3, pad, lines[-1].shape[2]))
    grid = torch.cat(lines[:-1], dim=1)
    return (grid.clamp(0, 1) * 255).round().to(torch.uint8)
