"""What inference knows about a translator: :class:`TranslatorConfig` (the part of its training config that
inference reads) and :class:`TranslatorSpec` (that config, the model's name and its two categories).

A saved model's JSON and a training run's ``config.yaml`` hold a whole training config (``data:``, ``model:``,
``loss:``, ...); :meth:`TranslatorConfig.from_training_dict` reads the keys inference needs and ignores the
training-only ones, so inference never imports :mod:`designgan.train`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from designgan.config import from_dict, to_dict
from designgan.data.builder import category_members
from designgan.errors import ConfigError, DesignGANError
from designgan.landmarks.schema import BODY_NAMES, LANDMARK_NAMES
from designgan.models.translator import ModelConfig, attention_channels


@dataclass
class _DataKeys:
    """The ``data:`` keys inference reads (same names and defaults as the training config)."""

    size: tuple[int, int] = (300, 200)
    landmarks: Literal["cache", "none"] = "cache"  # "none": the garment mask is the only attention channel
    heatmap_names: list[str] = field(default_factory=lambda: list(BODY_NAMES))
    heatmap_sigma: float = 0.02
    min_confidence: float = 0.3
    frame: Literal["none", "lower"] = "none"  # "lower": the model works in the lower-body garment frame


@dataclass
class _LossKeys:
    """The ``loss:`` keys inference reads: composition margins and the style loss of texture refinement."""

    dilate: int = 2
    feather: int = 2
    style_size: tuple[int, int] = (64, 48)
    style_floor: float = 0.2
    style_power: float = 2.0


@dataclass
class TranslatorConfig:
    """Everything inference needs to build and run a trained translator."""

    model: ModelConfig = field(default_factory=ModelConfig)
    data: _DataKeys = field(default_factory=_DataKeys)
    loss: _LossKeys = field(default_factory=_LossKeys)

    @classmethod
    def from_training_dict(cls, config: Any) -> TranslatorConfig:
        """From a whole training config as a dict (unknown training-only keys are ignored)."""
        if not isinstance(config, dict):
            raise ConfigError(f"a translator config must be a mapping, got {type(config).__name__}")
        model = from_dict(ModelConfig, config.get("model"), "model")
        parts = {}
        for name, part in (("data", _DataKeys), ("loss", _LossKeys)):
            section = config.get(name) or {}
            if not isinstance(section, dict):
                raise ConfigError(f"config key '{name}' must be a mapping, got {type(section).__name__}")
            known = {f.name for f in dataclasses.fields(part)}
            parts[name] = from_dict(part, {k: v for k, v in section.items() if k in known}, name)
        return cls(model, parts["data"], parts["loss"]).validate()

    def to_training_dict(self) -> dict[str, Any]:
        """The keys inference reads, shaped as a training config (what a saved model's JSON holds; a rendered
        prior's ``model:`` without the network sizes it has none of, :meth:`ModelConfig.saved_dict`)."""
        return {**to_dict(self), "model": self.model.saved_dict()}

    def validate(self) -> TranslatorConfig:
        d, loss = self.data, self.loss

        def need(ok: bool, key: str, rule: str, value: object) -> None:
            if not ok:
                raise ConfigError(f"config key '{key}' must be {rule}, got {value!r}")

        unknown = [n for n in d.heatmap_names if n not in LANDMARK_NAMES]
        if unknown:
            raise ConfigError(f"config key 'data.heatmap_names': unknown landmark '{unknown[0]}'")
        need(min(d.size) >= 16 and max(d.size) <= 2048, "data.size", "between 16 and 2048 on a side", list(d.size))
        need(d.heatmap_sigma > 0, "data.heatmap_sigma", "> 0", d.heatmap_sigma)
        need(0.0 <= d.min_confidence <= 1.0, "data.min_confidence", "in [0, 1]", d.min_confidence)
        need(loss.dilate >= 0, "loss.dilate", ">= 0", loss.dilate)
        need(loss.feather >= 0, "loss.feather", ">= 0", loss.feather)
        need(min(loss.style_size) >= 1, "loss.style_size", ">= 1 on each side", list(loss.style_size))
        need(loss.style_floor >= 0, "loss.style_floor", ">= 0", loss.style_floor)
        need(loss.style_power > 0, "loss.style_power", "> 0", loss.style_power)
        self.model.validate("model")
        return self

    @property
    def size(self) -> tuple[int, int]:
        """The model's resolution (h, w)."""
        h, w = self.data.size
        return int(h), int(w)

    @property
    def heatmap_names(self) -> list[str]:
        """The landmarks whose heatmaps the generator reads (none when trained without landmarks)."""
        return list(self.data.heatmap_names) if self.data.landmarks != "none" else []

    @property
    def attention_channels(self) -> int:
        return attention_channels(self.model, len(self.heatmap_names))


PRIOR_FRAME_SIZE = (256, 128)  # the rendered prior's lower-body frame (the pipeline runs it as wide as high)


def prior_config(families: Sequence[str] = ("trousers", "skirt")) -> TranslatorConfig:
    """The rendered prior as a translator (what the bundled models are): generator ``prior_renderer`` drawing
    ``families`` (domain a's garment family, then domain b's) in the lower-body frame."""
    config = TranslatorConfig()
    config.model.generator = "prior_renderer"
    config.model.prior_families = list(families)
    config.data.frame, config.data.size = "lower", PRIOR_FRAME_SIZE
    return config.validate()


@dataclass
class TranslatorSpec:
    """What a translator needs at inference, read from a run's ``config.yaml`` or a saved model's JSON."""

    name: str
    domains: tuple[str, str]  # category names of domains a and b
    config: TranslatorConfig

    @property
    def size(self) -> tuple[int, int]:
        return self.config.size


def direction_for(domains: Sequence[str], to: str) -> tuple[str, str, str]:
    """(generator key, source category, target category) for translating into ``to`` between ``domains`` (a, b).

    A function of the category names only, so ``translate`` can refuse a wrong ``--to`` for a bundled model
    before loading it.
    """
    a, b = domains
    # a group domain ('jeans+pants') answers to each member's name too; 'Skirt' is 'skirt'
    wanted = to.strip().lower()
    if wanted in [n.lower() for n in (b, *category_members(b))]:
        return "G_AB", a, b
    if wanted in [n.lower() for n in (a, *category_members(a))]:
        return "G_BA", b, a
    raise DesignGANError(f"this model translates between '{a}' and '{b}'; cannot translate to '{to}'")
