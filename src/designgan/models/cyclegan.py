"""The reference CycleGAN models (Zhu et al., 2017): ResNet generator and 70x70 PatchGAN.

Used for the ``cyclegan`` baseline and as the speed reference of the training benchmark. Same interface as the
DesignGAN models (attention is accepted and ignored) so one training loop drives both.
"""

from __future__ import annotations

import torch
from torch import nn

from designgan.models.generator import GeneratorOutput
from designgan.models.layers import NormName, ResnetBlock, conv_norm_act, init_weights, make_norm


class ResnetGenerator(nn.Module):
    """c7s1-ngf, d2ngf, d4ngf, ``n_blocks`` x R4ngf, u2ngf, u1ngf (transposed convs), c7s1-3 + tanh."""

    def __init__(self, ngf: int = 64, n_blocks: int = 9, norm: NormName = "torch_instance") -> None:
        super().__init__()
        self.attention_channels = 0
        self.texture_channels = 0
        self.has_mask_head = False
        layers: list[nn.Module] = [conv_norm_act(3, ngf, 7, norm=norm)]
        ch = ngf
        for _ in range(2):
            layers.append(conv_norm_act(ch, ch * 2, 3, stride=2, norm=norm, pad="zeros"))
            ch *= 2
        layers += [ResnetBlock(ch, norm) for _ in range(n_blocks)]
        for _ in range(2):
            layers += [nn.ConvTranspose2d(ch, ch // 2, 3, stride=2, padding=1, output_padding=1, bias=True),
                       make_norm(norm, ch // 2), nn.ReLU(inplace=True)]
            ch //= 2
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(ch, 3, 7), nn.Tanh()]
        self.model = nn.Sequential(*layers)
        init_weights(self)

    def forward(self, image: torch.Tensor, attention: torch.Tensor | None = None,
                texture: torch.Tensor | None = None) -> GeneratorOutput:
        out = self.model(image)
        if out.shape[-2:] != image.shape[-2:]:  # odd sizes: transposed convs overshoot by one pixel
            out = out[..., : image.shape[-2], : image.shape[-1]]
        return GeneratorOutput(image=out, mask_logits=None)


class PatchDiscriminator(nn.Module):
    """The 70x70 PatchGAN (n_layers=3): C64-C128-C256-C512, then a 1-channel score map."""

    def __init__(self, ndf: int = 64, n_layers: int = 3, norm: NormName = "torch_instance") -> None:
        super().__init__()
        self.attention_channels = 0
        layers: list[nn.Module] = [nn.Conv2d(3, ndf, 4, 2, 1), nn.LeakyReLU(0.2, inplace=True)]
        ch = ndf
        for i in range(1, n_layers + 1):
            out = ndf * min(2 ** i, 8)
            stride = 2 if i < n_layers else 1
            layers += [nn.Conv2d(ch, out, 4, stride, 1), make_norm(norm, out), nn.LeakyReLU(0.2, inplace=True)]
            ch = out
        layers.append(nn.Conv2d(ch, 1, 4, 1, 1))
        self.model = nn.Sequential(*layers)
        init_weights(self)

    def forward(self, image: torch.Tensor, attention: torch.Tensor | None = None) -> list[torch.Tensor]:
        return [self.model(image)]
