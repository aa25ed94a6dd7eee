"""The landmark regressor: a timm HRNet backbone, HRNetV2-style fusion of all branches, a deconvolution head.

One heatmap channel per landmark of :data:`designgan.landmarks.schema.LANDMARK_NAMES`, at ``1 / stride`` of the
input resolution (stride 2 by default). No I/O here: weights are loaded by :mod:`designgan.landmarks.predict`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import timm
import torch
import torch.nn.functional as F
from torch import nn

from designgan.landmarks.schema import NUM_LANDMARKS


@dataclass(frozen=True)
class LandmarkModelConfig:
    backbone: str = "hrnet_w18_small"
    num_landmarks: int = NUM_LANDMARKS
    head_channels: int = 64
    deconv_layers: int = 1  # each doubles the resolution of the stride-4 fused features
    input_height: int = 256
    input_width: int = 192

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def stride(self) -> int:
        return 4 // (2**self.deconv_layers)


MODEL_PRESETS: dict[str, LandmarkModelConfig] = {
    "hrnet_w18_small": LandmarkModelConfig(backbone="hrnet_w18_small"),
    "hrnet_w18_small_v2": LandmarkModelConfig(backbone="hrnet_w18_small_v2"),
}


def _conv_bn_relu(cin: int, cout: int, k: int = 3) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, k, padding=k // 2, bias=False), nn.BatchNorm2d(cout), nn.ReLU(True))


class LandmarkNet(nn.Module):
    def __init__(self, config: LandmarkModelConfig):
        super().__init__()
        self.config = config
        # feature_location="" returns the raw high-resolution branches (strides 2, 4, 8, 16, 32)
        self.backbone = timm.create_model(config.backbone, pretrained=False, features_only=True,
                                          feature_location="", out_indices=(1, 2, 3, 4))
        channels = sum(self.backbone.feature_info.channels())
        self.fuse = _conv_bn_relu(channels, config.head_channels, k=1)
        layers: list[nn.Module] = []
        for _ in range(config.deconv_layers):
            layers += [
                nn.ConvTranspose2d(config.head_channels, config.head_channels, 4, stride=2, padding=1, bias=False),
                nn.BatchNorm2d(config.head_channels), nn.ReLU(True),
            ]
        self.deconv = nn.Sequential(*layers)
        self.refine = _conv_bn_relu(config.head_channels, config.head_channels)
        self.final = nn.Conv2d(config.head_channels, config.num_landmarks, 1)
        nn.init.normal_(self.final.weight, std=0.001)
        nn.init.zeros_(self.final.bias)

    @property
    def stride(self) -> int:
        return self.config.stride

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """``images``: (B, 3, H, W) normalised, H and W multiples of 32 -> heatmaps (B, K, H/stride, W/stride)."""
        feats = self.backbone(images)
        size = feats[0].shape[-2:]
        up = [feats[0]] + [F.interpolate(f, size=size, mode="bilinear", align_corners=False) for f in feats[1:]]
        x = self.fuse(torch.cat(up, dim=1))
        x = self.refine(self.deconv(x))
        return self.final(x)


def create_landmark_model(name: str = "hrnet_w18_small", **overrides: object) -> LandmarkNet:
    """A fresh (randomly initialised) landmark model from a preset name, with optional config overrides."""
    if name not in MODEL_PRESETS:
        raise ValueError(f"unknown landmark model {name!r} (known: {', '.join(MODEL_PRESETS)})")
    config = LandmarkModelConfig(**{**asdict(MODEL_PRESETS[name]), **overrides})
    return LandmarkNet(config)


def model_from_config(config: dict) -> LandmarkNet:
    return LandmarkNet(LandmarkModelConfig(**config))
