"""Building a translator's networks from a :class:`ModelConfig`: what training and inference both construct.

The config names registered models (:mod:`designgan.models.registry`); which keyword arguments each gets follows
from its :class:`~designgan.models.registry.ModelCard` (attention input, texture input), never from its name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from torch import nn

from designgan.config import to_dict
from designgan.errors import ConfigError
from designgan.models.prior_style import PriorStyle
from designgan.models.registry import create_model, list_models, model_card
from designgan.models.segmenter import SegmenterConfig

PRIOR_FAMILIES = ("trousers", "skirt", "shorts")


@dataclass
class ModelConfig:
    """The ``model:`` section of a training config, and of a saved translator's config."""

    generator: str = "designgan_generator"  # a name from designgan.models.list_models("generator")
    discriminator: str = "designgan_discriminator"
    ngf: int = 32
    n_blocks: int = 6
    n_down: int = 2
    shared_encoder: bool = False
    texture_channels: int = 0  # 3: feed-forward texture customisation (fabric tile as an extra input)
    ndf: int = 64
    d_layers: int = 3
    d_scales: int = 1
    norm: Literal["instance", "torch_instance", "batch", "group", "none"] = "instance"
    padding: Literal["zeros", "reflect"] = "zeros"  # DesignGAN generator only; the CycleGAN models reflect-pad
    # a prior-rendering generator (prior_renderer, prior_refiner): the garment family of domain a and of domain b
    prior_families: list[str] = field(default_factory=lambda: ["trousers", "skirt"])
    prior_style: PriorStyle = field(default_factory=PriorStyle)  # the shapes the rendered prior draws
    # channels per resolution of the prior's frozen in-front segmenter (what stays in front of the new garment);
    # a saved model without the key was bundled with the first recipe's
    prior_in_front_widths: list[int] = field(default_factory=lambda: list(SegmenterConfig().widths))
    # whether that segmenter was trained to find what is in front inside a source mask that spilled onto it
    # (segmenter_train's prior_bleed), so the prior keeps its finds there too; false: only outside the mask
    prior_in_front_inside: bool = False

    def validate(self, where: str = "model") -> ModelConfig:
        """Check names and ranges; an error is one line naming the key."""
        for key, kind in (("generator", "generator"), ("discriminator", "discriminator")):
            name = getattr(self, key)
            if name not in list_models(kind):
                raise ConfigError(f"config key '{where}.{key}': unknown {kind} '{name}' "
                                  f"(known: {', '.join(list_models(kind))})")

        def need(ok: bool, key: str, rule: str) -> None:
            if not ok:
                raise ConfigError(f"config key '{where}.{key}' must be {rule}, got {getattr(self, key)!r}")

        for key in ("ngf", "ndf", "d_layers", "d_scales"):
            need(1 <= getattr(self, key) <= 1024, key, "in [1, 1024]")
        need(0 <= self.n_blocks <= 64, "n_blocks", "in [0, 64]")
        need(0 <= self.n_down <= 6, "n_down", "in [0, 6]")
        need(self.texture_channels in (0, 3), "texture_channels", "0 or 3")
        if self.texture_channels and not model_card(self.generator).texture:
            raise ConfigError(f"config key '{where}.texture_channels': generator '{self.generator}' takes no texture")
        families = list(self.prior_families)
        if len(families) != 2 or not all(f in PRIOR_FAMILIES for f in families):
            raise ConfigError(f"config key '{where}.prior_families' must be two of {', '.join(PRIOR_FAMILIES)} "
                              f"(domain a's family, then domain b's), got {families!r}")
        self.prior_style.validate(f"{where}.prior_style")
        widths = list(self.prior_in_front_widths)
        if not 1 <= len(widths) <= 6 or not all(isinstance(c, int) and 1 <= c <= 1024 for c in widths):
            raise ConfigError(f"config key '{where}.prior_in_front_widths' must be 1 to 6 channel counts in "
                              f"[1, 1024], got {widths!r}")
        for family in families:
            try:
                self.prior_style.length_for(family)
            except ConfigError as exc:
                raise ConfigError(f"config key '{where}.prior_style.length': {exc}") from None
        return self

    def saved_dict(self) -> dict[str, object]:
        """The keys a saved model's JSON holds: all of them, or for a generator with no parameters (the rendered
        prior) only its name, families, style and the in-front segmenter's widths and trust (the other network sizes
        are a learnt model's)."""
        data = to_dict(self)
        if model_card(self.generator).learns:
            return data
        return {k: data[k] for k in ("generator", "prior_families", "prior_style", "prior_in_front_widths",
                                     "prior_in_front_inside")}

    @property
    def takes_attention(self) -> bool:
        """Whether the generator reads the attention stack (garment mask + landmark heatmaps)."""
        return model_card(self.generator).attention

    @property
    def mask_head(self) -> bool:
        """Whether the generator predicts the target garment mask (what the inference pipeline composes with)."""
        return model_card(self.generator).mask_head


def attention_channels(model: ModelConfig, heatmaps: int) -> int:
    """Channels of the generator's attention stack: the garment mask + ``heatmaps`` landmark heatmaps, or 0 for a
    generator that reads no attention."""
    return 1 + heatmaps if model.takes_attention else 0


def build_generator(model: ModelConfig, attention: int, heatmap_names: Sequence[str] = (),
                    into: Literal["a", "b"] = "b") -> nn.Module:
    """The generator ``model`` names, reading ``attention`` attention channels (when its card takes attention).

    A prior-rendering generator also needs the landmark names of its heatmap channels and the domain it
    translates ``into`` (G_AB: "b", G_BA: "a"), whose family (``model.prior_families``) it draws."""
    card = model_card(model.generator)
    kwargs: dict[str, object] = {"ngf": model.ngf, "n_blocks": model.n_blocks, "norm": model.norm}
    if card.prior:
        kwargs.update(target_family=model.prior_families[0 if into == "a" else 1],
                      heatmap_names=list(heatmap_names), style=model.prior_style,
                      in_front_widths=tuple(model.prior_in_front_widths),
                      in_front_inside=model.prior_in_front_inside)
    if card.attention:
        kwargs.update(attention_channels=attention, n_down=model.n_down, shared_encoder=model.shared_encoder,
                      pad=model.padding)
    if card.texture:
        kwargs["texture_channels"] = model.texture_channels
    # Config keys of other architectures (e.g. n_down for InstaGAN) are not this model's: pass what its card takes.
    return create_model(model.generator, **{k: v for k, v in kwargs.items() if k in card.options})


def build_discriminator(model: ModelConfig, attention: int) -> nn.Module:
    """The discriminator ``model`` names; one that reads attention gets at least the garment mask."""
    card = model_card(model.discriminator)
    kwargs: dict[str, object] = {"ndf": model.ndf, "n_layers": model.d_layers, "norm": model.norm}
    if card.attention:
        kwargs.update(attention_channels=max(1, attention), n_scales=model.d_scales)
    return create_model(model.discriminator, **{k: v for k, v in kwargs.items() if k in card.options})
