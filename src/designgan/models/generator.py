"""The DesignGAN generator: image + landmark attention in, translated image + target garment mask out.

Two encoders read the input: one sees the whole image with its garment attention mask, the other only the
attended garment region (``image * garment_mask``, plus the mask). Their features are concatenated together
with the landmark heatmaps (area-resized to the feature grid: they are smooth, so a quarter resolution loses
nothing and saves a wide full-resolution stem), fused by a 1x1 conv, refined by a ResNet trunk and decoded by one
shared decoder into two heads: the translated image (tanh, in [-1, 1]) and the target garment mask (logits).

Channel 0 of the attention stack is the garment attention mask; the remaining channels are landmark heatmaps.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from designgan.models.layers import NormName, PadMode, ResnetBlock, Upsample, conv_norm_act, init_weights


@dataclass
class GeneratorOutput:
    image: torch.Tensor  # [B, 3, H, W] in [-1, 1]
    mask_logits: torch.Tensor | None  # [B, 1, H, W]; None for generators without a mask head
    # [B, 1, H, W] in [0, 1], or None where not known (a learnt generator repaints every pixel). ``untouched``:
    # where ``image`` is the input passed through because nothing was drawn there; ``in_front``: where it is the
    # input kept in front of what was drawn (hands, tops, bags). The composition takes both from the
    # full-resolution photo instead of upsampling them, and snaps the in-front parts' edges to the photo's own.
    untouched: torch.Tensor | None = None
    in_front: torch.Tensor | None = None

    @property
    def mask(self) -> torch.Tensor | None:
        return None if self.mask_logits is None else torch.sigmoid(self.mask_logits)


class Encoder(nn.Module):
    """7x7 stem then ``n_down`` stride-2 convs, doubling the width each time."""

    def __init__(self, in_ch: int, ngf: int, n_down: int, norm: NormName, pad: PadMode = "reflect") -> None:
        super().__init__()
        layers: list[nn.Module] = [conv_norm_act(in_ch, ngf, 7, norm=norm, pad=pad)]
        ch = ngf
        for _ in range(n_down):
            layers.append(conv_norm_act(ch, ch * 2, 3, stride=2, norm=norm, pad="zeros"))
            ch *= 2
        self.layers = nn.Sequential(*layers)
        self.out_channels = ch

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


class DesignGANGenerator(nn.Module):
    """Landmark-attention generator with a target-mask head (see module docstring).

    Args:
        attention_channels: channels of the attention stack (1 garment mask + number of heatmaps).
        ngf: width of the first layer; the trunk runs at ``ngf * 2**n_down``.
        n_blocks: residual blocks in the trunk.
        n_down: stride-2 downsamplings (2 = x4, the CycleGAN setting).
        garment_ngf: width of the garment-region encoder (defaults to ``ngf``).
        shared_encoder: encode image and garment region with one encoder (fewer weights, same FLOPs).
        texture_channels: extra input channels of the garment encoder for texture conditioning (0 = none).
        pad: "zeros" (fast under CPU autocast) or "reflect" (CycleGAN's choice) padding of the convs.
        extra_channels: extra input channels of the image encoder (``extra=`` in ``forward``; e.g. a rendered
            prior of the target garment, :class:`designgan.models.prior_refiner.PriorRefiner`).
    """

    def __init__(
        self,
        attention_channels: int = 1,
        ngf: int = 32,
        n_blocks: int = 6,
        n_down: int = 2,
        garment_ngf: int | None = None,
        shared_encoder: bool = False,
        texture_channels: int = 0,
        norm: NormName = "instance",
        pad: PadMode = "zeros",
        extra_channels: int = 0,
    ) -> None:
        super().__init__()
        if attention_channels < 1:
            raise ValueError("DesignGANGenerator needs the garment mask as attention (attention_channels >= 1)")
        self.attention_channels = attention_channels
        self.texture_channels = texture_channels
        self.has_mask_head = True
        self.n_down = n_down
        self.extra_channels = extra_channels
        image_in = 3 + 1 + extra_channels
        garment_in = 3 + 1 + texture_channels
        if shared_encoder:
            # One encoder for both views: pad the narrower input with zero channels to a common width.
            width = max(image_in, garment_in)
            self.image_encoder = Encoder(width, ngf, n_down, norm, pad)
            self.garment_encoder = self.image_encoder
            self._pad = (width - image_in, width - garment_in)
        else:
            self.image_encoder = Encoder(image_in, ngf, n_down, norm, pad)
            self.garment_encoder = Encoder(garment_in, garment_ngf or ngf, n_down, norm, pad)
            self._pad = (0, 0)
        trunk_ch = self.image_encoder.out_channels
        fused_in = trunk_ch + self.garment_encoder.out_channels + attention_channels - 1
        self.fuse = conv_norm_act(fused_in, trunk_ch, 1, norm=norm, pad="zeros")
        self.trunk = nn.Sequential(*[ResnetBlock(trunk_ch, norm, pad) for _ in range(n_blocks)])
        ups = []
        ch = trunk_ch
        for _ in range(n_down):
            ups.append(Upsample(ch, ch // 2, norm, pad))
            ch //= 2
        self.ups = nn.ModuleList(ups)
        if pad == "reflect":
            self.image_head = nn.Sequential(nn.ReflectionPad2d(3), nn.Conv2d(ch, 3, 7), nn.Tanh())
        else:
            self.image_head = nn.Sequential(nn.Identity(), nn.Conv2d(ch, 3, 7, padding=3), nn.Tanh())
        self.mask_head = nn.Sequential(conv_norm_act(ch, ch // 2, 3, norm=norm, pad=pad),
                                       nn.Conv2d(ch // 2, 1, 3, padding=1))
        init_weights(self)

    def forward(
        self, image: torch.Tensor, attention: torch.Tensor, texture: torch.Tensor | None = None,
        extra: torch.Tensor | None = None,
    ) -> GeneratorOutput:
        if attention.shape[1] != self.attention_channels:
            raise ValueError(f"expected {self.attention_channels} attention channels, got {attention.shape[1]}")
        attention = attention.to(image.dtype)
        garment_mask, heatmaps = attention[:, :1], attention[:, 1:]
        garment_in = [image * garment_mask, garment_mask]
        if self.texture_channels:
            if texture is None:
                raise ValueError("this generator is texture-conditioned: pass texture=")
            garment_in.append(texture.to(image.dtype))
        image_in = [image, garment_mask]
        if self.extra_channels:
            if extra is None or extra.shape[1] != self.extra_channels:
                raise ValueError(f"this generator reads {self.extra_channels} extra input channels: pass extra=")
            image_in.append(extra.to(image.dtype))
        image_x = torch.cat(image_in, dim=1)
        garment_x = torch.cat(garment_in, dim=1)
        if self._pad != (0, 0):
            image_x = F.pad(image_x, (0, 0, 0, 0, 0, self._pad[0]))
            garment_x = F.pad(garment_x, (0, 0, 0, 0, 0, self._pad[1]))
        # Remember the encoder's intermediate sizes so odd input sizes decode back exactly.
        sizes = _down_sizes(image.shape[-2:], self.n_down)
        parts = [self.image_encoder(image_x), self.garment_encoder(garment_x)]
        if heatmaps.shape[1]:
            parts.append(F.adaptive_avg_pool2d(heatmaps, parts[0].shape[-2:]).to(parts[0].dtype))
        h = self.trunk(self.fuse(torch.cat(parts, dim=1)))
        for up, size in zip(self.ups, reversed(sizes[:-1]), strict=True):
            h = up(h, size)
        return GeneratorOutput(image=self.image_head(h), mask_logits=self.mask_head(h))


def _down_sizes(size: tuple[int, int] | torch.Size, n_down: int) -> list[tuple[int, int]]:
    """Spatial sizes after each stride-2 3x3 conv with padding 1: ceil(s / 2)."""
    sizes = [(int(size[0]), int(size[1]))]
    for _ in range(n_down):
        h, w = sizes[-1]
        sizes.append(((h + 1) // 2, (w + 1) // 2))
    return sizes
