"""The lower-garment segmenter: a small U-Net that finds the person's lower garment (trousers, shorts or skirt) in
the landmark-aligned lower-body frame (:mod:`designgan.landmarks.frame`).

Input: RGB in [0, 1] and a prior channel, the garment region the landmarks give (the polygon through the garment
landmarks, or the body-keypoint capsules), both (B, ., H, W) in the frame. Output: mask logits (B, 1, H, W). The
prior also enters the logits directly through one learned scale, so an untrained or unsure network falls back to
it instead of to nothing. No I/O here; the frame, the prior and the warp back to the photo are in
:mod:`designgan.landmarks.segment`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from designgan.config import from_dict, to_dict

MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)


@dataclass(frozen=True)
class SegmenterConfig:
    widths: tuple[int, ...] = (16, 32, 64, 128)  # channels per resolution (each after the first halves H and W)
    prior_channels: int = 1

    def to_dict(self) -> dict[str, Any]:
        return to_dict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SegmenterConfig:
        """From a sidecar's ``model`` mapping; an unknown key is a one-line ConfigError naming it."""
        return from_dict(cls, data, "model")


def _block(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(True),
        nn.Conv2d(cout, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(True))


class GarmentSegmenter(nn.Module):
    """U-Net: ``len(widths) - 1`` stride-2 stages down, bilinear upsampling with skip connections back up."""

    def __init__(self, config: SegmenterConfig = SegmenterConfig()):
        super().__init__()
        if len(config.widths) < 2:
            raise ValueError(f"segmenter widths need at least 2 levels, got {list(config.widths)}")
        self.config = config
        w = config.widths
        self.down = nn.ModuleList([_block(3 + config.prior_channels, w[0])]
                                  + [_block(w[i - 1], w[i], stride=2) for i in range(1, len(w))])
        self.up = nn.ModuleList(_block(w[i] + w[i - 1], w[i - 1]) for i in range(len(w) - 1, 0, -1))
        self.head = nn.Conv2d(w[0], 1, 1)
        self.prior_scale = nn.Parameter(torch.tensor(2.0))
        self.register_buffer("mean", torch.tensor(MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(STD).view(1, 3, 1, 1), persistent=False)

    def forward(self, image: torch.Tensor, prior: torch.Tensor) -> torch.Tensor:
        """``image`` (B, 3, H, W) in [0, 1], ``prior`` (B, P, H, W) in [0, 1] -> logits (B, 1, H, W)."""
        h = torch.cat([(image - self.mean) / self.std, prior * 2 - 1], dim=1)
        skips = []
        for stage in self.down:
            h = stage(h)
            skips.append(h)
        for stage, skip in zip(self.up, reversed(skips[:-1]), strict=True):
            h = F.interpolate(h, size=skip.shape[-2:], mode="bilinear", align_corners=False)
            h = stage(torch.cat([h, skip], dim=1))
        return self.head(h) + self.prior_scale * (prior[:, :1] * 2 - 1)

    def mirror_summed(self, image: torch.Tensor, prior: torch.Tensor) -> torch.Tensor:
        """The logits plus those of the mirrored frame, mirrored back (the frame is symmetric about the body axis):
        halve them for their mean."""
        return self(image, prior) + self(image.flip(-1), prior.flip(-1)).flip(-1)


def segmenter_from_config(data: dict[str, Any]) -> GarmentSegmenter:
    """The (untrained) segmenter a sidecar's ``model`` mapping describes."""
    return GarmentSegmenter(SegmenterConfig.from_dict(data))
