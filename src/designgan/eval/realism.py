"""A second feature space for KID: a small self-supervised photo encoder that never saw a label.

KID on the garment-parser judge's embeddings rewards outputs that look like what the judge was trained to parse,
so a translator tuned against the judge can score well there without looking like a photo. This encoder was
trained differently (contrastive, SimCLR-style, :mod:`designgan.eval.realism_train`) on whole CCP photos with no
labels at all; its embedding reflects global photo statistics (colour, layout, lighting, coarse shapes), which
is what "realism" can honestly mean at this size. It sees whole photos at 160 x 112, so it cannot judge fine
garment texture.

Weights: ``designgan/weights/realism.safetensors`` (fp16) with ``realism.json`` beside it (model config,
training settings, held-out retrieval accuracy). The network here does no I/O; :class:`RealismEncoder` loads it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

from designgan import WEIGHTS_DIR
from designgan.models.weights import export_sidecar_weights, load_sidecar_weights

DEFAULT_WEIGHTS = WEIGHTS_DIR / "realism.safetensors"
INPUT_SIZE = (160, 112)  # (h, w): CCP photos are 825 x 550 portrait, about the same aspect
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)
FORMAT = "designgan-realism-encoder"
# the sidecar's label list: there are none; the key only tells this file from another network's
FEATURES_KEY = "features"
FEATURES = ("self-supervised",)


@dataclass(frozen=True)
class RealismConfig:
    widths: tuple[int, ...] = (32, 64, 128, 256)  # one stride-2 stage each
    projection_dim: int = 128  # the contrastive head's output (training only)
    input_height: int = INPUT_SIZE[0]
    input_width: int = INPUT_SIZE[1]

    def to_dict(self) -> dict:
        return asdict(self) | {"widths": list(self.widths)}

    @property
    def embedding_dim(self) -> int:
        return self.widths[-1]


def _groups(channels: int) -> int:
    return min(8, channels)


def _stage(cin: int, cout: int) -> nn.Sequential:
    """Stride-2 conv then a 3x3 conv, each GroupNorm + ReLU (GroupNorm: no batch statistics, so an embedding does
    not depend on which photos share its batch)."""
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, stride=2, padding=1, bias=False), nn.GroupNorm(_groups(cout), cout), nn.ReLU(True),
        nn.Conv2d(cout, cout, 3, padding=1, bias=False), nn.GroupNorm(_groups(cout), cout), nn.ReLU(True))


class RealismNet(nn.Module):
    """(B, 3, H, W) in [0, 1] -> L2-normalised embedding (B, widths[-1]); :meth:`project` adds the training head."""

    def __init__(self, config: RealismConfig):
        super().__init__()
        self.config = config
        widths = (3, *config.widths)
        self.stages = nn.Sequential(*(_stage(widths[i], widths[i + 1]) for i in range(len(config.widths))))
        dim = widths[-1]
        # batch norm in the head only (as in SimCLR): it steadies contrastive training, and the embedding, which
        # never passes through it, stays independent of the batch
        self.head = nn.Sequential(nn.Linear(dim, dim, bias=False), nn.BatchNorm1d(dim), nn.ReLU(True),
                                  nn.Linear(dim, config.projection_dim))
        self.register_buffer("mean", torch.tensor(MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(STD).view(1, 3, 1, 1), persistent=False)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Pooled features before normalisation (B, D): what the projection head reads."""
        return self.stages((x - self.mean) / self.std).mean(dim=(2, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.features(x), dim=1)

    def project(self, x: torch.Tensor) -> torch.Tensor:
        """L2-normalised projection (B, projection_dim): the contrastive loss's input (the embedding keeps more
        than the loss asks for when a head sits between them, as in SimCLR)."""
        return F.normalize(self.head(self.features(x)), dim=1)


def model_from_config(data: dict) -> RealismNet:
    data = dict(data)
    data["widths"] = tuple(data.get("widths", RealismConfig.widths))
    return RealismNet(RealismConfig(**data))


def photo_tensor(images: Sequence[Image.Image], size: tuple[int, int] = INPUT_SIZE) -> torch.Tensor:
    """uint8 (B, 3, h, w): whole photos resized (area-averaged) to ``size``, whatever their aspect."""
    h, w = size
    arrays = [np.asarray(img.convert("RGB").resize((w, h), Image.BOX)) for img in images]
    if not arrays:
        return torch.zeros((0, 3, h, w), dtype=torch.uint8)
    return torch.from_numpy(np.stack(arrays)).permute(0, 3, 1, 2).contiguous()


class RealismEncoder:
    """The shipped encoder: photos -> unit embeddings for KID."""

    def __init__(self, model: RealismNet, meta: dict | None = None, batch_size: int = 32):
        self.model = model.eval()
        self.meta = meta or {}
        self.batch_size = batch_size

    @property
    def embedding_dim(self) -> int:
        return self.model.config.embedding_dim

    @classmethod
    def load(cls, path: str | Path | None = None) -> RealismEncoder:
        """The weights at ``path`` (default: the shipped ones); a one-line DataError naming the file otherwise."""
        model, meta = load_weights(path)
        return cls(model, meta)

    @torch.no_grad()
    def embed(self, images: Sequence[Image.Image]) -> np.ndarray:
        """float32 (B, D) unit vectors, one per photo."""
        size = (self.model.config.input_height, self.model.config.input_width)
        out = []
        for start in range(0, len(images), self.batch_size):
            x = photo_tensor(images[start:start + self.batch_size], size).float() / 255.0
            out.append(self.model(x).numpy())
        return np.concatenate(out).astype(np.float32) if out else np.zeros((0, self.embedding_dim), np.float32)


def export_weights(model: RealismNet, path: str | Path, meta: dict) -> None:
    """fp16 safetensors + a JSON sidecar (same stem) with the model config and ``meta``."""
    export_sidecar_weights(model, path, FORMAT, {FEATURES_KEY: list(FEATURES), **meta})


def load_weights(path: str | Path | None = None) -> tuple[RealismNet, dict]:
    path = Path(path) if path is not None else DEFAULT_WEIGHTS
    return load_sidecar_weights(path, "realism encoder", "realism encoder config", model_from_config,  # type: ignore[return-value]
                                FEATURES_KEY, FEATURES)
