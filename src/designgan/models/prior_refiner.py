"""A generator that starts from the rendered prior and learns what the prior gets wrong (issue #16's design).

:class:`designgan.models.prior.PriorRenderer` draws, with no learning, roughly what a translation should look
like in the lower-body garment frame: the background filled where the source garment was, legs in the person's
skin colour, the target silhouette in the source fabric. :class:`PriorRefiner` renders that prior for its input,
gives it to a :class:`~designgan.models.generator.DesignGANGenerator` as four extra input channels (prior image +
prior mask) and outputs

    image = clamp(prior image + refinement, -1, 1)      mask logits = prior logits / 2 + predicted logits

with both refinement heads zero-initialised, so an untrained refiner IS the prior and training only has to learn
the corrections (shading on the legs, the real hem and waist, seams, what the fill smeared). The prior stays
differentiable in the image (fill, skin colour and compositing are tensor operations; the silhouette comes from
the landmarks and the fabric tile is a constant reference), so cycle-consistency gradients reach the generator
that produced the image.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from designgan.models.generator import DesignGANGenerator, GeneratorOutput
from designgan.models.layers import NormName, PadMode
from designgan.models.prior import PriorRenderer

PRIOR_CHANNELS = 4  # prior image (3) + prior mask (1), in [-1, 1]
PRIOR_LOGIT_SCALE = 0.5  # the prior's +-8 mask logits become +-4: confident, but easy to overrule


class PriorRefiner(nn.Module):
    """Prior renderer + refining DesignGAN generator (module docstring). ``target_family``: "skirt" or
    "trousers"; ``heatmap_names``: the landmark names of the attention's heatmap channels."""

    def __init__(self, target_family: str = "skirt", heatmap_names: Sequence[str] = (), attention_channels: int = 1,
                 ngf: int = 32, n_blocks: int = 6, n_down: int = 2, garment_ngf: int | None = None,
                 shared_encoder: bool = False, norm: NormName = "instance", pad: PadMode = "zeros") -> None:
        super().__init__()
        if attention_channels != 1 + len(heatmap_names):
            raise ValueError(f"the prior needs one heatmap per landmark name: {attention_channels} attention "
                             f"channels for {len(heatmap_names)} names")
        self.prior = PriorRenderer(target_family, heatmap_names)
        self.net = DesignGANGenerator(attention_channels, ngf, n_blocks, n_down, garment_ngf, shared_encoder,
                                      norm=norm, pad=pad, extra_channels=PRIOR_CHANNELS)
        self.attention_channels = attention_channels
        self.has_mask_head = True
        self.texture_channels = 0
        for head in (self.net.image_head, self.net.mask_head):
            last = [m for m in head.modules() if isinstance(m, nn.Conv2d)][-1]
            nn.init.zeros_(last.weight)
            nn.init.zeros_(last.bias)

    @property
    def target_family(self) -> str:
        return self.prior.target_family

    prior_inputs = True  # forward() takes the prior's skin colour and fabric (see PriorRenderer.forward)

    def forward(self, image: torch.Tensor, attention: torch.Tensor, skin: torch.Tensor | None = None,
                fabric: torch.Tensor | None = None) -> GeneratorOutput:
        prior = self.prior(image, attention, skin, fabric)
        assert prior.mask_logits is not None
        prior_mask = torch.sigmoid(prior.mask_logits)
        extra = torch.cat([prior.image, prior_mask * 2 - 1], dim=1)
        out = self.net(image, attention, extra=extra)
        assert out.mask_logits is not None
        refined = (prior.image.to(out.image.dtype) + out.image).clamp(-1, 1)
        logits = prior.mask_logits.to(out.mask_logits.dtype) * PRIOR_LOGIT_SCALE + out.mask_logits
        return GeneratorOutput(image=refined, mask_logits=logits)
