"""Translator models: the DesignGAN generator/discriminator and the reference CycleGAN models.

Build them by name with :func:`create_model` (timm-style); model code does no I/O.
"""

from __future__ import annotations

from typing import Any

from designgan.models.compose import compose, edit_alpha
from designgan.models.cyclegan import PatchDiscriminator, ResnetGenerator
from designgan.models.discriminator import LandmarkPatchDiscriminator, MultiScaleDiscriminator
from designgan.models.generator import DesignGANGenerator, GeneratorOutput
from designgan.models.registry import create_model, list_models, register_model
from designgan.models.texture import garment_texture, tile


@register_model
def designgan_generator(**kwargs: Any) -> DesignGANGenerator:
    """Lean DesignGAN generator: ngf 32, 6 residual blocks at 1/4 resolution (CPU-friendly default)."""
    return DesignGANGenerator(**{"ngf": 32, "n_blocks": 6, "n_down": 2, **kwargs})


@register_model
def designgan_discriminator(**kwargs: Any) -> MultiScaleDiscriminator:
    """Landmark-weighted 70x70 PatchGAN (one scale unless ``n_scales`` is given)."""
    return MultiScaleDiscriminator(**{"ndf": 64, "n_layers": 3, "n_scales": 1, **kwargs})


@register_model
def cyclegan_resnet(**kwargs: Any) -> ResnetGenerator:
    """CycleGAN ResNet generator; defaults are the reference ResNet-9, ngf 64."""
    kwargs.pop("attention_channels", None)
    kwargs.pop("texture_channels", None)
    return ResnetGenerator(**{"ngf": 64, "n_blocks": 9, **kwargs})


@register_model
def patchgan(**kwargs: Any) -> PatchDiscriminator:
    """CycleGAN 70x70 PatchGAN discriminator (no landmark input)."""
    kwargs.pop("attention_channels", None)
    kwargs.pop("n_scales", None)
    return PatchDiscriminator(**{"ndf": 64, "n_layers": 3, **kwargs})


__all__ = [
    "DesignGANGenerator",
    "GeneratorOutput",
    "LandmarkPatchDiscriminator",
    "MultiScaleDiscriminator",
    "PatchDiscriminator",
    "ResnetGenerator",
    "compose",
    "create_model",
    "edit_alpha",
    "garment_texture",
    "list_models",
    "register_model",
    "tile",
]
