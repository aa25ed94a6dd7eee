"""The DesignGAN discriminator: a PatchGAN whose features are weighted element-wise by landmark heatmaps.

Input: the image plus its garment mask (the pair (y, b) of the paper) and the attention stack. After the second
stride-2 conv, the attention stack (garment mask + heatmaps) is resized to the feature map, mixed by a learned
1x1 projection into one weight per feature channel, multiplied element-wise into the features, and the weighted
features are fused with the unweighted ones. The rest is the 70x70 PatchGAN; the output is a map of
least-squares real/fake scores. Optionally several scales (each on a 2x average-pooled copy of the input).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from designgan.models.layers import NormName, init_weights, make_norm


def _down(in_ch: int, out_ch: int, stride: int, norm: NormName | None) -> nn.Sequential:
    layers: list[nn.Module] = [nn.Conv2d(in_ch, out_ch, 4, stride, 1, bias=norm in (None, "none"))]
    if norm is not None:
        layers.append(make_norm(norm, out_ch))
    layers.append(nn.LeakyReLU(0.2, inplace=True))
    return nn.Sequential(*layers)


class LandmarkWeighting(nn.Module):
    """features * (W @ resized heatmaps), fused with the features by a 1x1 conv."""

    def __init__(self, channels: int, attention_channels: int) -> None:
        super().__init__()
        self.project = nn.Conv2d(attention_channels, channels, 1, bias=True)
        self.fuse = nn.Sequential(nn.Conv2d(channels * 2, channels, 1), nn.LeakyReLU(0.2, inplace=True))

    def forward(self, features: torch.Tensor, attention: torch.Tensor) -> torch.Tensor:
        # Area resizing keeps a heatmap's mass where it was, whatever the downsampling factor.
        heat = F.adaptive_avg_pool2d(attention.to(features.dtype), features.shape[-2:])
        weighted = features * self.project(heat)
        return self.fuse(torch.cat([features, weighted], dim=1))


class LandmarkPatchDiscriminator(nn.Module):
    """One scale of the landmark-weighted PatchGAN (see module docstring)."""

    def __init__(self, attention_channels: int = 1, ndf: int = 64, n_layers: int = 3,
                 norm: NormName = "instance") -> None:
        super().__init__()
        self.attention_channels = attention_channels
        self.stem = nn.Sequential(_down(3 + 1, ndf, 2, None), _down(ndf, ndf * 2, 2, norm))
        self.weighting = LandmarkWeighting(ndf * 2, attention_channels)
        layers: list[nn.Module] = []
        ch = ndf * 2
        for i in range(2, n_layers + 1):
            out = ndf * min(2 ** i, 8)
            layers.append(_down(ch, out, 2 if i < n_layers else 1, norm))
            ch = out
        layers.append(nn.Conv2d(ch, 1, 4, 1, 1))
        self.head = nn.Sequential(*layers)
        init_weights(self)

    def forward(self, image: torch.Tensor, attention: torch.Tensor) -> torch.Tensor:
        features = self.stem(torch.cat([image, attention[:, :1].to(image.dtype)], dim=1))
        return self.head(self.weighting(features, attention))


class MultiScaleDiscriminator(nn.Module):
    """``n_scales`` landmark-weighted PatchGANs on 1x, 1/2x, ... copies of the input; returns a list of maps."""

    def __init__(self, attention_channels: int = 1, ndf: int = 64, n_layers: int = 3, n_scales: int = 1,
                 norm: NormName = "instance") -> None:
        super().__init__()
        self.attention_channels = attention_channels
        self.scales = nn.ModuleList(
            LandmarkPatchDiscriminator(attention_channels, ndf, n_layers, norm) for _ in range(n_scales)
        )

    def forward(self, image: torch.Tensor, attention: torch.Tensor) -> list[torch.Tensor]:
        outputs = []
        for i, disc in enumerate(self.scales):
            if i > 0:
                image = F.avg_pool2d(image, 3, stride=2, padding=1, count_include_pad=False)
                attention = F.avg_pool2d(attention, 3, stride=2, padding=1, count_include_pad=False)
            outputs.append(disc(image, attention))
        return outputs
