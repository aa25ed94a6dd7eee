"""A timm-style model registry: ``create_model("designgan_generator", attention_channels=18)``.

Each registered factory carries a :class:`ModelCard` (timm's ``default_cfg``): what the model reads and predicts
and which keyword arguments it takes. Callers read the card (``model_card(name).mask_head``), never a model's name,
and :func:`create_model` refuses an argument the factory cannot use instead of dropping it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from torch import nn


@dataclass(frozen=True)
class ModelCard:
    """What a registered model takes and gives."""

    kind: Literal["generator", "discriminator"]
    options: tuple[str, ...]  # the keyword arguments the factory accepts
    attention: bool = False  # reads the attention stack (garment mask + landmark heatmaps)
    mask_head: bool = False  # a generator that also predicts the target garment mask
    texture: bool = False  # a generator that can take a fabric as ``texture_channels`` extra input channels
    prior: bool = False  # a generator that renders the target garment's prior: needs its family and landmark names
    learns: bool = True  # False: no parameters (the rendered prior alone), nothing to train


_REGISTRY: dict[str, tuple[Callable[..., nn.Module], ModelCard]] = {}


def register_model(card: ModelCard) -> Callable[[Callable[..., nn.Module]], Callable[..., nn.Module]]:
    """Decorator: register a model factory under its function name, with its card."""
    def register(fn: Callable[..., nn.Module]) -> Callable[..., nn.Module]:
        if fn.__name__ in _REGISTRY:
            raise ValueError(f"model '{fn.__name__}' is already registered")
        _REGISTRY[fn.__name__] = (fn, card)
        return fn

    return register


def model_card(name: str) -> ModelCard:
    """The card of registered model ``name``."""
    if name not in _REGISTRY:
        raise ValueError(f"unknown model '{name}' (known: {', '.join(list_models())})")
    return _REGISTRY[name][1]


def create_model(name: str, **kwargs: Any) -> nn.Module:
    """Build a registered model by name; keyword arguments go to its constructor. An argument the model does not
    take (see its card's ``options``) is an error, not silently dropped."""
    card = model_card(name)
    unused = sorted(set(kwargs) - set(card.options))
    if unused:
        raise ValueError(f"model '{name}' does not take {', '.join(repr(k) for k in unused)} "
                         f"(it takes: {', '.join(card.options)})")
    return _REGISTRY[name][0](**kwargs)


def list_models(kind: str | None = None) -> list[str]:
    """Registered model names (only generators or discriminators when ``kind`` is given)."""
    return sorted(n for n, (_, card) in _REGISTRY.items() if kind is None or card.kind == kind)
