"""A fixed, randomly initialised VGG-like feature network for the perceptual loss (``Generic Perceptual Loss``,
CVPR 2021: the structure of a deep network, not its training, makes its features a useful image distance).
Seeded, so every run and every resume builds the same network; it is never trained and never saved."""

from __future__ import annotations

import torch
from torch import nn


class RandomVGG(nn.Module):
    """VGG-style blocks (3x3 convs + ReLU, 2x2 average pooling between blocks), Kaiming-initialised from
    ``seed``; ``forward`` returns each block's output."""

    def __init__(self, widths: tuple[int, ...] = (32, 64, 128), convs_per_block: int = 2, seed: int = 0) -> None:
        super().__init__()
        generator = torch.Generator().manual_seed(seed)
        blocks, cin = [], 3
        for width in widths:
            layers: list[nn.Module] = []
            for _ in range(convs_per_block):
                conv = nn.Conv2d(cin, width, 3, padding=1)
                with torch.no_grad():
                    fan_in = cin * 9
                    conv.weight.copy_(torch.randn(conv.weight.shape, generator=generator) * (2 / fan_in) ** 0.5)
                    conv.bias.zero_()
                layers += [conv, nn.ReLU(inplace=True)]
                cin = width
            blocks.append(nn.Sequential(*layers))
        self.blocks = nn.ModuleList(blocks)
        self.pool = nn.AvgPool2d(2)
        self.requires_grad_(False)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        out = []
        for i, block in enumerate(self.blocks):
            x = block(x if i == 0 else self.pool(x))
            out.append(x)
        return out
