"""The garment classifier's network (the garment judge): a compact CNN on the lower-body frame, a family
classifier and, for training only, a coarse per-pixel family map (auxiliary target: it makes the few hundred
photos teach *where* each garment is, not only which).

Input: float RGB in [0, 1], (B, 3, 160, 100); normalisation happens inside. No I/O here.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

from designgan.landmarks.garment_family import FAMILIES, PIXEL_CLASSES

MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)


@dataclass(frozen=True)
class GarmentJudgeConfig:
    widths: tuple[int, ...] = (24, 48, 96, 144, 192)  # one stride-2 stage each
    dropout: float = 0.2
    num_families: int = len(FAMILIES)
    num_pixel_classes: int = len(PIXEL_CLASSES)
    input_height: int = 160
    input_width: int = 100

    def to_dict(self) -> dict:
        return asdict(self) | {"widths": list(self.widths)}


def _block(cin: int, cout: int, stride: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(True),
        nn.Conv2d(cout, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(True))


class GarmentJudgeNet(nn.Module):
    def __init__(self, config: GarmentJudgeConfig):
        super().__init__()
        self.config = config
        widths = (3, *config.widths)
        self.stages = nn.ModuleList(_block(widths[i], widths[i + 1], 2) for i in range(len(config.widths)))
        self.dropout = nn.Dropout(config.dropout)
        self.classifier = nn.Linear(2 * widths[-1], config.num_families)
        self.pixel_head = nn.Conv2d(sum(widths[-3:]), config.num_pixel_classes, 1)
        self.register_buffer("mean", torch.tensor(MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(STD).view(1, 3, 1, 1), persistent=False)

    def forward_all(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Family logits (B, F), per-pixel family logits at 1/8 of the input (B, P, h, w), embedding (B, D)."""
        feats = []
        h = (x - self.mean) / self.std
        for stage in self.stages:
            h = stage(h)
            feats.append(h)
        embedding = torch.cat([h.mean(dim=(2, 3)), h.amax(dim=(2, 3))], dim=1)
        size = feats[-3].shape[-2:]
        pixels = self.pixel_head(torch.cat([feats[-3], *(F.interpolate(f, size=size, mode="nearest")
                                                          for f in feats[-2:])], dim=1))
        return self.classifier(self.dropout(embedding)), pixels, embedding

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, 3, H, W) in [0, 1] -> family logits (B, F)."""
        return self.forward_all(x)[0]


@dataclass(frozen=True)
class EnsembleConfig:
    member: GarmentJudgeConfig
    members: int

    def to_dict(self) -> dict:
        return {"members": self.members, **self.member.to_dict()}


class GarmentJudgeEnsemble(nn.Module):
    """Judges of one config trained from different seeds; the answer is their averaged probabilities (returned as
    log-probabilities, so a softmax of the output gives the average). A few hundred training photos leave each
    judge with its own mistakes; averaging cancels part of them."""

    def __init__(self, members: list[GarmentJudgeNet]):
        super().__init__()
        if not members or len({m.config for m in members}) != 1:
            raise ValueError("an ensemble needs one or more judges of the same config")
        self.members = nn.ModuleList(members)
        self.config = EnsembleConfig(members[0].config, len(members))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        probs = torch.stack([m(x).softmax(-1) for m in self.members]).mean(0)
        return probs.clamp_min(1e-12).log()


JudgeNetwork = GarmentJudgeNet | GarmentJudgeEnsemble


def model_from_config(data: dict) -> JudgeNetwork:
    """The network a weights sidecar describes: one judge, or an ensemble (``members``: how many) of alike ones."""
    data = dict(data)
    members = data.pop("members", None)
    data["widths"] = tuple(data.get("widths", GarmentJudgeConfig.widths))
    config = GarmentJudgeConfig(**data)
    if members is None:
        return GarmentJudgeNet(config)
    return GarmentJudgeEnsemble([GarmentJudgeNet(config) for _ in range(int(members))])
