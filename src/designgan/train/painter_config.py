"""Typed configuration of painter training (``designgan train --config configs/painter_*.yaml``), loaded from
YAML by :func:`designgan.config.load_config` (unknown keys are errors). The run section (``train``: run folder,
steps, batch, precision, time budget, checkpoints) and the optimiser section are the translator's own."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from designgan.config import load_config, read_yaml
from designgan.errors import ConfigError
from designgan.landmarks.schema import BODY_NAMES, LANDMARK_NAMES
from designgan.train.config import OptimConfig, RunConfig


@dataclass
class PainterDataConfig:
    pack: Path = Path("data/packs/painter_ccp.pt")  # written by 'designgan data pack-painter'
    ccp_root: Path = Path("../shared/datasets/ccp")  # what the pack is made from
    pack_size: int = 256  # the packed frames' side
    size: tuple[int, int] = (192, 128)  # training crop (h, w) of the frame
    heatmap_names: list[str] = field(default_factory=lambda: list(BODY_NAMES))
    heatmap_sigma: float = 0.02  # Gaussian sigma as a share of the height
    min_confidence: float = 0.3
    layout_jitter: int = 3  # the garment layout is grown or shrunk by up to this many pixels, then smoothed
    validation_photos: int = 16  # held-out photos scored at every checkpoint


@dataclass
class PainterModelConfig:
    ngf: int = 32
    n_blocks: int = 3
    perceptual_widths: list[int] = field(default_factory=lambda: [32, 64, 128])


@dataclass
class PainterLossConfig:
    l1: float = 1.0  # inside the repainted region
    perceptual: float = 1.0  # random-VGG feature distance over the frame
    gan: float = 0.0  # LSGAN against the landmark-weighted PatchGAN (0: no discriminator)
    ndf: int = 32


@dataclass
class PainterOptimConfig(OptimConfig):
    clip_grad: float = 1.0  # the painter's gradient norm is clipped to this (0: off); a spike once wrecked a run


@dataclass
class PainterConfig:
    kind: Literal["painter"] = "painter"
    data: PainterDataConfig = field(default_factory=PainterDataConfig)
    model: PainterModelConfig = field(default_factory=PainterModelConfig)
    loss: PainterLossConfig = field(default_factory=PainterLossConfig)
    optim: PainterOptimConfig = field(default_factory=PainterOptimConfig)
    train: RunConfig = field(default_factory=lambda: RunConfig(out_dir=Path("runs/painter")))

    def validate(self) -> PainterConfig:
        def need(ok: bool, key: str, rule: str, value: object) -> None:
            if not ok:
                raise ConfigError(f"config key '{key}' must be {rule}, got {value!r}")

        d, m, loss, t = self.data, self.model, self.loss, self.train
        unknown = [n for n in d.heatmap_names if n not in LANDMARK_NAMES]
        need(not unknown, "data.heatmap_names", "landmark names", unknown[:1])
        need(min(d.size) >= 16 and max(d.size) <= d.pack_size and d.size[0] % 8 == 0 and d.size[1] % 8 == 0,
             "data.size", f"multiples of 8, 16 to data.pack_size ({d.pack_size})", list(d.size))
        need(d.heatmap_sigma > 0, "data.heatmap_sigma", "> 0", d.heatmap_sigma)
        need(0 <= d.min_confidence <= 1, "data.min_confidence", "in [0, 1]", d.min_confidence)
        need(d.layout_jitter >= 0, "data.layout_jitter", ">= 0", d.layout_jitter)
        need(d.validation_photos >= 1, "data.validation_photos", ">= 1", d.validation_photos)
        need(m.ngf >= 4 and m.n_blocks >= 0, "model.ngf/model.n_blocks", ">= 4 / >= 0", [m.ngf, m.n_blocks])
        need(len(m.perceptual_widths) >= 1 and min(m.perceptual_widths) >= 1, "model.perceptual_widths",
             "one or more positive widths", m.perceptual_widths)
        for key in ("l1", "perceptual", "gan"):
            value = getattr(loss, key)
            need(value == value and 0 <= value < float("inf"), f"loss.{key}", "a finite number >= 0", value)
        need(0.0 < self.optim.lr <= 1.0, "optim.lr", "in (0, 1]", self.optim.lr)
        need(0.0 <= self.optim.decay_start <= 1.0, "optim.decay_start", "in [0, 1]", self.optim.decay_start)
        need(self.optim.clip_grad >= 0, "optim.clip_grad", ">= 0", self.optim.clip_grad)
        need(t.steps >= 1 and 1 <= t.batch_size <= 512, "train.steps/train.batch_size", ">= 1 / in [1, 512]",
             [t.steps, t.batch_size])
        for key in ("log_every", "image_every", "checkpoint_every", "keep_checkpoints"):
            need(getattr(t, key) >= 1, f"train.{key}", ">= 1", getattr(t, key))
        for key in ("max_minutes", "checkpoint_minutes"):
            value = getattr(t, key)
            need(value is None or value > 0, f"train.{key}", "> 0 (or unset)", value)
        need(t.out_dir.is_dir() or not t.out_dir.exists(), "train.out_dir", "a folder (it is a file)", str(t.out_dir))
        return self


def is_painter_config(path: str | Path) -> bool:
    """Whether a training YAML describes a painter run (top-level ``kind: painter``)."""
    return read_yaml(path).get("kind") == "painter"


def load_painter_config(path: str | Path | None, overrides: list[str] | None = None) -> PainterConfig:
    return load_config(PainterConfig, path, overrides).validate()
