"""The judge network: a timm backbone (``features_only``) and a light FPN head predicting the judge's classes.

Input: float RGB in [0, 1], (B, 3, H, W); normalisation happens inside. Output: class logits at 1/4 of the input
resolution. No I/O here: weights are read by :mod:`designgan.eval.judge`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import timm
import torch
import torch.nn.functional as F
from torch import nn

from designgan.eval.classes import NUM_CLASSES

MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)


@dataclass(frozen=True)
class JudgeModelConfig:
    backbone: str = "regnetx_004"
    fpn_channels: int = 96
    num_classes: int = NUM_CLASSES
    input_height: int = 256
    input_width: int = 176

    def to_dict(self) -> dict:
        return asdict(self)


def _conv_bn_relu(cin: int, cout: int, k: int = 3) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, k, padding=k // 2, bias=False), nn.BatchNorm2d(cout), nn.ReLU(True))


class JudgeNet(nn.Module):
    """Backbone at strides 4-32, top-down FPN, all levels upsampled to stride 4 and summed, a 1x1 classifier."""

    stride = 4

    def __init__(self, config: JudgeModelConfig):
        super().__init__()
        self.config = config
        self.backbone = timm.create_model(config.backbone, pretrained=False, features_only=True,
                                          out_indices=(1, 2, 3, 4))
        channels = self.backbone.feature_info.channels()
        c = config.fpn_channels
        self.lateral = nn.ModuleList(nn.Conv2d(ch, c, 1) for ch in channels)
        self.smooth = nn.ModuleList(_conv_bn_relu(c, c) for _ in channels)
        self.fuse = _conv_bn_relu(c, c)
        self.classifier = nn.Conv2d(c, config.num_classes, 1)
        self.register_buffer("mean", torch.tensor(MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(STD).view(1, 3, 1, 1), persistent=False)
        self.embedding_dim = sum(channels)

    def _pyramid(self, x: torch.Tensor) -> tuple[list[torch.Tensor], torch.Tensor]:
        feats = self.backbone((x - self.mean) / self.std)
        top = self.lateral[-1](feats[-1])
        merged = [top]
        for level in range(len(feats) - 2, -1, -1):
            top = self.lateral[level](feats[level]) + F.interpolate(top, size=feats[level].shape[-2:],
                                                                     mode="nearest")
            merged.insert(0, top)
        size = feats[0].shape[-2:]
        fused = sum(F.interpolate(s(m), size=size, mode="bilinear", align_corners=False) if i else s(m)
                    for i, (s, m) in enumerate(zip(self.smooth, merged, strict=True)))
        return feats, self.fuse(fused)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, 3, H, W) in [0, 1] -> (B, num_classes, H/4, W/4) logits."""
        return self.classifier(self._pyramid(x)[1])

    def forward_with_features(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Logits, the fused stride-4 head features (for texture statistics) and a global embedding (for KID):
        the concatenated global average of every backbone level."""
        feats, fused = self._pyramid(x)
        embedding = torch.cat([f.float().mean(dim=(2, 3)) for f in feats], dim=1)
        return self.classifier(fused), fused, embedding


def create_judge_model(config: JudgeModelConfig | None = None) -> JudgeNet:
    return JudgeNet(config or JudgeModelConfig())


def model_from_config(data: dict) -> JudgeNet:
    return JudgeNet(JudgeModelConfig(**data))
