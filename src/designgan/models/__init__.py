"""Translator models: the DesignGAN generator/discriminator and the reference CycleGAN models.

Build them by name with :func:`create_model` (timm-style), or from a :class:`ModelConfig` with
:func:`build_generator` / :func:`build_discriminator`; each model's :class:`ModelCard` says what it reads and
predicts. Model code does no I/O, except :mod:`designgan.models.weights`, which reads weight files.
"""

from __future__ import annotations

from typing import Any

from designgan.models.compose import compose, edit_alpha
from designgan.models.cyclegan import PatchDiscriminator, ResnetGenerator
from designgan.models.discriminator import LandmarkPatchDiscriminator, MultiScaleDiscriminator
from designgan.models.generator import DesignGANGenerator, GeneratorOutput
from designgan.models.instagan import InstaGANDiscriminator, InstaGANGenerator
from designgan.models.painter import PainterTranslator
from designgan.models.prior import PriorRenderer
from designgan.models.prior_refiner import PriorRefiner
from designgan.models.prior_style import PriorStyle
from designgan.models.registry import ModelCard, create_model, list_models, model_card, register_model
from designgan.models.texture import garment_texture, tile
from designgan.models.translator import ModelConfig, build_discriminator, build_generator


@register_model(ModelCard("generator", ("attention_channels", "ngf", "n_blocks", "n_down", "garment_ngf",
                                        "shared_encoder", "texture_channels", "norm", "pad"),
                          attention=True, mask_head=True, texture=True))
def designgan_generator(**kwargs: Any) -> DesignGANGenerator:
    """Lean DesignGAN generator: ngf 32, 6 residual blocks at 1/4 resolution (CPU-friendly default)."""
    return DesignGANGenerator(**{"ngf": 32, "n_blocks": 6, "n_down": 2, **kwargs})


@register_model(ModelCard("generator", ("target_family", "heatmap_names", "attention_channels", "ngf", "n_blocks",
                                        "n_down", "garment_ngf", "shared_encoder", "norm", "pad"),
                          attention=True, mask_head=True, prior=True))
def prior_refiner(**kwargs: Any) -> PriorRefiner:
    """The rendered prior (skin legs, target silhouette in the source fabric) refined by a DesignGAN generator
    that reads it as extra input; untrained, it outputs the prior."""
    return PriorRefiner(**kwargs)


@register_model(ModelCard("generator", ("target_family", "heatmap_names", "attention_channels", "style",
                                        "in_front_widths", "in_front_inside"), attention=True, mask_head=True,
                          prior=True, learns=False))
def prior_renderer(**kwargs: Any) -> PriorRenderer:
    """The rendered prior alone (background fill, shaded skin legs, the target garment in the source fabric): no
    parameters, nothing to train; the "prior only" translator."""
    return PriorRenderer(**kwargs)


@register_model(ModelCard("generator", ("target_family", "heatmap_names", "attention_channels", "ngf", "n_blocks",
                                        "style", "in_front_widths", "in_front_inside"), attention=True,
                          mask_head=True, prior=True))
def painter(**kwargs: Any) -> PainterTranslator:
    """The garment painter (issue 29): the rendered prior draws the target layout, a U-Net trained by repainting
    CCP photos paints it (models/painter.py)."""
    return PainterTranslator(**kwargs)


@register_model(ModelCard("discriminator", ("attention_channels", "ndf", "n_layers", "n_scales", "norm"),
                          attention=True))
def designgan_discriminator(**kwargs: Any) -> MultiScaleDiscriminator:
    """Landmark-weighted 70x70 PatchGAN (one scale unless ``n_scales`` is given)."""
    return MultiScaleDiscriminator(**{"ndf": 64, "n_layers": 3, "n_scales": 1, **kwargs})


@register_model(ModelCard("generator", ("ngf", "n_blocks", "norm")))
def cyclegan_resnet(**kwargs: Any) -> ResnetGenerator:
    """CycleGAN ResNet generator (image only, no mask head); defaults are the reference ResNet-9, ngf 64."""
    return ResnetGenerator(**{"ngf": 64, "n_blocks": 9, **kwargs})


@register_model(ModelCard("discriminator", ("ndf", "n_layers", "norm")))
def patchgan(**kwargs: Any) -> PatchDiscriminator:
    """CycleGAN 70x70 PatchGAN discriminator (no landmark input)."""
    return PatchDiscriminator(**{"ndf": 64, "n_layers": 3, **kwargs})


@register_model(ModelCard("generator", ("attention_channels", "ngf", "n_blocks", "norm"), attention=True,
                          mask_head=True))
def instagan_generator(**kwargs: Any) -> InstaGANGenerator:
    """InstaGAN generator (Mo et al., 2019): one instance per attention channel; n_blocks split between the
    encoders and the decoders."""
    return InstaGANGenerator(**{"ngf": 64, "n_blocks": 9, **kwargs})


@register_model(ModelCard("discriminator", ("attention_channels", "ndf", "n_layers", "norm"), attention=True))
def instagan_discriminator(**kwargs: Any) -> InstaGANDiscriminator:
    """InstaGAN discriminator: PatchGAN over image features and sum-pooled instance-mask features."""
    return InstaGANDiscriminator(**{"ndf": 64, "n_layers": 3, **kwargs})


__all__ = [
    "DesignGANGenerator",
    "GeneratorOutput",
    "LandmarkPatchDiscriminator",
    "ModelCard",
    "ModelConfig",
    "MultiScaleDiscriminator",
    "PatchDiscriminator",
    "PriorRefiner",
    "PriorRenderer",
    "PriorStyle",
    "ResnetGenerator",
    "build_discriminator",
    "build_generator",
    "compose",
    "create_model",
    "edit_alpha",
    "garment_texture",
    "list_models",
    "model_card",
    "register_model",
    "tile",
]
