"""InstaGAN (Mo, Cho and Shin, "InstaGAN: Instance-aware Image-to-Image Translation", ICLR 2019), written here
from the paper for the baseline row of ``designgan compare``.

The generator encodes the image and every instance mask separately (one mask encoder shared by all instances),
pools the mask features by a sum, which makes it invariant to the instances' order, and decodes

* the image from ``[h_x, sum_i h_a_i]``, and
* each instance's translated mask from ``[h_x, h_a_i, sum_j h_a_j]``.

The discriminator reads the image and the instances' masks the same way (sum-pooled mask features beside the
image features) before a PatchGAN head. Its losses (LSGAN, cycle and identity on image and masks, and the
context-preserving loss :func:`designgan.losses.context_loss`) are the training loop's, with
``loss.context > 0`` and no style/skin terms (``configs/instagan.yaml``).

Instances are channels of the attention stack (``attention[:, :K]``, one mask per channel; a channel of zeros is
an absent instance). CCP gives one garment per photo, so the shipped configs use K = 1, and the paper's
sequential mini-batch translation of many instances (translate a few, paste them, translate the next few on the
result) is the inference pipeline's per-person loop. The mask head returns the *union* of the translated
instances as ``mask_logits`` (the interface the pipeline composes with) and every instance in
``instance_logits``.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from designgan.models.generator import GeneratorOutput
from designgan.models.layers import NormName, ResnetBlock, Upsample, conv_norm_act, init_weights


@dataclass
class InstaGANOutput(GeneratorOutput):
    instance_logits: torch.Tensor | None = None  # [B, K, H, W]


def _encoder(in_ch: int, ngf: int, n_blocks: int, norm: NormName) -> nn.Sequential:
    layers: list[nn.Module] = [conv_norm_act(in_ch, ngf, 7, norm=norm), conv_norm_act(ngf, ngf * 2, 3, stride=2,
                                                                                      norm=norm, pad="zeros"),
                               conv_norm_act(ngf * 2, ngf * 4, 3, stride=2, norm=norm, pad="zeros")]
    layers += [ResnetBlock(ngf * 4, norm) for _ in range(n_blocks)]
    return nn.Sequential(*layers)


class _Decoder(nn.Module):
    def __init__(self, in_ch: int, ngf: int, n_blocks: int, out_ch: int, norm: NormName, tanh: bool) -> None:
        super().__init__()
        self.fuse = conv_norm_act(in_ch, ngf * 4, 1, norm=norm, pad="zeros")
        self.blocks = nn.Sequential(*[ResnetBlock(ngf * 4, norm) for _ in range(n_blocks)])
        self.ups = nn.ModuleList([Upsample(ngf * 4, ngf * 2, norm), Upsample(ngf * 2, ngf, norm)])
        head: list[nn.Module] = [nn.ReflectionPad2d(3), nn.Conv2d(ngf, out_ch, 7)]
        self.head = nn.Sequential(*head, nn.Tanh()) if tanh else nn.Sequential(*head)

    def forward(self, x: torch.Tensor, sizes: list[tuple[int, int]]) -> torch.Tensor:
        h = self.blocks(self.fuse(x))
        for up, size in zip(self.ups, sizes, strict=True):
            h = up(h, size)
        return self.head(h)


class InstaGANGenerator(nn.Module):
    """Image and instance masks in; translated image and translated instance masks out (module docstring)."""

    def __init__(self, attention_channels: int = 1, ngf: int = 32, n_blocks: int = 6,
                 norm: NormName = "instance") -> None:
        super().__init__()
        self.attention_channels = attention_channels  # = the number of instance channels K
        self.texture_channels = 0
        self.has_mask_head = True
        half = max(1, n_blocks // 2)
        self.image_encoder = _encoder(3, ngf, half, norm)
        self.mask_encoder = _encoder(1, ngf, half, norm)
        width = ngf * 4
        self.image_decoder = _Decoder(2 * width, ngf, half, 3, norm, tanh=True)
        self.mask_decoder = _Decoder(3 * width, ngf, half, 1, norm, tanh=False)
        init_weights(self)

    def forward(self, image: torch.Tensor, attention: torch.Tensor) -> InstaGANOutput:
        masks = attention[:, :self.attention_channels].to(image.dtype)
        b, k, h, w = masks.shape
        sizes = [((h + 1) // 2, (w + 1) // 2), (h, w)]
        h_x = self.image_encoder(image)
        # All instances through the shared encoder in one batch; absent (all-zero) instances add nothing.
        present = (masks.flatten(2).amax(dim=2) > 0).to(h_x.dtype)[:, :, None, None, None]
        h_a = self.mask_encoder(masks.reshape(b * k, 1, h, w) * 2 - 1).reshape(b, k, *h_x.shape[1:]) * present
        pooled = h_a.sum(dim=1)
        out_image = self.image_decoder(torch.cat([h_x, pooled], dim=1), sizes)
        per_instance = torch.cat([h_x[:, None].expand(b, k, *h_x.shape[1:]), h_a,
                                  pooled[:, None].expand(b, k, *h_x.shape[1:])], dim=2)
        logits = self.mask_decoder(per_instance.reshape(b * k, -1, *h_x.shape[-2:]), sizes).reshape(b, k, h, w)
        union = logits.amax(dim=1, keepdim=True)  # sigmoid(max) = max(sigmoid): the union of the instances
        return InstaGANOutput(image=out_image, mask_logits=union, instance_logits=logits)


class InstaGANDiscriminator(nn.Module):
    """PatchGAN over [image features, sum of instance-mask features]; returns a list with one score map."""

    def __init__(self, attention_channels: int = 1, ndf: int = 64, n_layers: int = 3,
                 norm: NormName = "instance") -> None:
        super().__init__()
        self.attention_channels = attention_channels

        def stem(in_ch: int) -> nn.Sequential:
            return nn.Sequential(nn.Conv2d(in_ch, ndf, 4, 2, 1), nn.LeakyReLU(0.2, inplace=True),
                                 conv_norm_act(ndf, ndf * 2, 4, stride=2, norm=norm, act="lrelu", pad="zeros"))

        self.image_stem, self.mask_stem = stem(3), stem(1)
        layers: list[nn.Module] = []
        ch = ndf * 4
        for i in range(2, n_layers + 1):
            out = ndf * min(2 ** i, 8)
            layers.append(conv_norm_act(ch, out, 4, stride=2 if i < n_layers else 1, norm=norm, act="lrelu",
                                        pad="zeros"))
            ch = out
        layers.append(nn.Conv2d(ch, 1, 4, 1, 1))
        self.head = nn.Sequential(*layers)
        init_weights(self)

    def forward(self, image: torch.Tensor, attention: torch.Tensor) -> list[torch.Tensor]:
        masks = attention[:, :self.attention_channels].to(image.dtype)
        b, k, h, w = masks.shape
        f_x = self.image_stem(image)
        f_a = self.mask_stem(masks.reshape(b * k, 1, h, w) * 2 - 1).reshape(b, k, *f_x.shape[1:]).sum(dim=1)
        return [self.head(torch.cat([f_x, f_a], dim=1))]
