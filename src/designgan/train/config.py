"""Typed training configuration, loaded from YAML by :func:`designgan.config.load_config` (unknown keys error).

One file describes one experiment; the ablations (``cyclegan``, ``no_style``, ``no_skin``) differ only in a few
keys, so they run on the same code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from designgan.config import load_config
from designgan.errors import ConfigError
from designgan.landmarks.schema import BODY_NAMES, LANDMARK_NAMES
from designgan.models.augment import parse_policy
from designgan.models.registry import model_card
from designgan.models.translator import ModelConfig, attention_channels


@dataclass
class DataConfig:
    root: Path = Path("data/jeans2skirt")  # a two-domain dataset folder ('designgan data build')
    size: tuple[int, int] = (300, 200)  # training resolution (h, w); CCP photos are 2:3
    scale: tuple[float, float] = (0.8, 1.0)  # random-resized-crop area range
    flip: bool = True
    # Landmark source: the cache 'DIR/landmarks.jsonl' written by 'designgan landmarks cache' (or any file with
    # the same lines given in landmarks_file); "none" trains with the garment mask as the only attention channel.
    landmarks: Literal["cache", "none"] = "cache"
    landmarks_file: Path | None = None  # default: <root>/landmarks.jsonl
    # Garment attention channel: the dataset's pixel-level garment mask, or the region drawn from the landmarks
    # (designgan.landmarks.regions.garment_region, as the inference pipeline draws it), so training sees what
    # inference will give.
    garment_attention: Literal["mask", "landmarks"] = "mask"
    heatmap_names: list[str] = field(default_factory=lambda: list(BODY_NAMES))
    heatmap_sigma: float = 0.02  # Gaussian sigma as a share of the image height
    min_confidence: float = 0.3  # landmarks below this confidence render as empty channels
    num_workers: int = 0
    preload: bool = True  # decode every photo once and keep a small copy in memory (fast epochs, small sizes)
    preload_scale: float = 1.25  # size of the kept copy relative to data.size
    # A file written by 'designgan data pack': the training split held on the training device and augmented
    # there (no per-step decoding; the GPU path). Unset: samples are read from data.root by a DataLoader.
    pack: Path | None = None
    # "lower": train in the lower-body garment frame (designgan.landmarks.frame), waist to ankles upright at
    # data.size; the pack is written in that frame (needs data.pack). "none": whole photos.
    frame: Literal["none", "lower"] = "none"


@dataclass
class LossConfig:
    gan: float = 1.0
    cycle: float = 10.0
    identity: float = 5.0
    mask: float = 1.0  # weight of the mask half of the (image, mask) pairs in the cycle/identity terms
    style: float = 1.0
    style_size: tuple[int, int] = (64, 48)
    style_floor: float = 0.2
    style_power: float = 2.0
    gram: float = 0.0  # optional shape-free texture term on the same patches
    skin: float = 1.0
    context: float = 0.0  # InstaGAN's context-preserving L1 outside both garments (the instagan baseline)
    skin_swatch: tuple[float, float, float] | None = None  # fallback skin colour (RGB in [0, 1]) when none is visible
    texture_prob: float = 0.5  # texture-conditioned models: share of translations given another garment's fabric
    compose: bool = True  # copy the input outside the edit region
    # Differentiable augmentation of every discriminator input: comma-separated subset of
    # "color,translation,cutout" (designgan.models.augment); empty = off.
    diffaug: str = ""
    dilate: int = 2
    feather: int = 2


@dataclass
class OptimConfig:
    lr: float = 2e-4
    betas: tuple[float, float] = (0.5, 0.999)
    decay_start: float = 0.5  # share of the steps at constant lr; then linear decay to 0
    pool_size: int = 50


@dataclass
class RunConfig:
    out_dir: Path = Path("runs/designgan")
    steps: int = 20000
    batch_size: int = 1
    seed: int = 0
    # auto: bf16 where the hardware has native bf16 (CUDA; AMX/AVX512_BF16 CPUs), else fp32 (designgan.hardware)
    precision: Literal["auto", "bf16", "fp32"] = "auto"
    channels_last: bool = True
    compile: bool = False
    device: Literal["auto", "cpu", "cuda"] = "auto"
    log_every: int = 10
    image_every: int = 200
    checkpoint_every: int = 500
    keep_checkpoints: int = 2
    stop_after: int | None = None  # end this invocation after this step (checkpointed); resume continues
    # Wall-clock budget of training time (all invocations of the run together): the run ends when it is spent,
    # and the learning-rate decay follows whichever of steps and time is further along, so it always completes.
    max_minutes: float | None = None
    checkpoint_minutes: float | None = None  # also checkpoint every this many minutes of training time
    # Start from these weights (a training checkpoint's model.safetensors, or a file with G_AB/G_BA[/D_A/D_B]
    # tensors such as the device run's): each GPU run can continue the last one.
    init_from: Path | None = None
    progress: bool = True
    # A step whose loss is NaN/inf is skipped (no optimizer update); this many in a row stop the run.
    max_nonfinite_steps: int = 5
    # Fault injection for testing the above: the loss of these (1-based) steps is multiplied by NaN.
    debug_nan_at_steps: list[int] = field(default_factory=list)


@dataclass
class TrainConfig:
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    loss: LossConfig = field(default_factory=LossConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)
    train: RunConfig = field(default_factory=RunConfig)

    def validate(self) -> TrainConfig:
        unknown = [n for n in self.data.heatmap_names if n not in LANDMARK_NAMES]
        if unknown:
            raise ConfigError(f"config key 'data.heatmap_names': unknown landmark '{unknown[0]}'")
        if self.train.steps < 1 or self.train.batch_size < 1:
            raise ConfigError("config keys 'train.steps' and 'train.batch_size' must be >= 1")
        if self.train.max_nonfinite_steps < 1:
            raise ConfigError("config key 'train.max_nonfinite_steps' must be >= 1")
        if any(s < 1 for s in self.train.debug_nan_at_steps):
            raise ConfigError("config key 'train.debug_nan_at_steps' holds steps, which count from 1")
        if not 0.0 <= self.optim.decay_start <= 1.0:
            raise ConfigError("config key 'optim.decay_start' must be in [0, 1]")
        if self.data.garment_attention == "landmarks" and self.data.landmarks == "none":
            raise ConfigError("config key 'data.garment_attention': 'landmarks' needs data.landmarks=cache")
        if self.data.frame != "none" and self.data.pack is None:
            raise ConfigError("config key 'data.frame': training in the garment frame reads a pack (set data.pack)")
        if self.data.pack is not None and self.data.garment_attention == "landmarks":
            raise ConfigError("config key 'data.pack': packed data supports data.garment_attention=mask only")
        try:
            parse_policy(self.loss.diffaug)
        except ValueError as exc:
            raise ConfigError(f"config key 'loss.diffaug': {exc}") from None
        for key in ("max_minutes", "checkpoint_minutes"):
            value = getattr(self.train, key)
            if value is not None and not value > 0:
                raise ConfigError(f"config key 'train.{key}' must be > 0 (or unset), got {value}")
        if min(self.data.size) < 16:
            raise ConfigError(f"config key 'data.size' is too small: {list(self.data.size)}")
        # Ranges of every numeric key, checked here so a bad value is one line naming the key before any work
        # (rather than a ZeroDivisionError, a negative-size tensor or the OOM killer later).
        max_side, max_batch = 2048, 512  # a 2048x2048 sample already needs tens of GB to train

        def need(ok: bool, key: str, rule: str, value: object) -> None:
            if not ok:
                raise ConfigError(f"config key '{key}' must be {rule}, got {value!r}")

        def finite(x: float) -> bool:
            return x == x and abs(x) != float("inf")

        d, m, loss, o, t = self.data, self.model, self.loss, self.optim, self.train
        need(max(d.size) <= max_side, "data.size", f"at most {max_side} on a side", list(d.size))
        need(0.0 < d.scale[0] <= d.scale[1] <= 1.0, "data.scale", "[min, max] with 0 < min <= max <= 1",
             list(d.scale))
        need(finite(d.heatmap_sigma) and d.heatmap_sigma > 0, "data.heatmap_sigma", "> 0", d.heatmap_sigma)
        need(0.0 <= d.min_confidence <= 1.0, "data.min_confidence", "in [0, 1]", d.min_confidence)
        need(d.num_workers >= 0, "data.num_workers", ">= 0", d.num_workers)
        need(finite(d.preload_scale) and 1.0 <= d.preload_scale <= 4.0, "data.preload_scale", "in [1, 4]",
             d.preload_scale)
        m.validate("model")
        if not model_card(m.generator).learns:
            raise ConfigError(f"config key 'model.generator': '{m.generator}' has no parameters, nothing to train "
                              "(it is used as it is, like the bundled jeans2skirt)")
        for key in ("gan", "cycle", "identity", "mask", "style", "gram", "skin"):
            value = getattr(loss, key)
            need(finite(value) and value >= 0, f"loss.{key}", "a finite number >= 0", value)
        need(min(loss.style_size) >= 1, "loss.style_size", ">= 1 on each side", list(loss.style_size))
        need(finite(loss.style_floor) and loss.style_floor >= 0, "loss.style_floor", ">= 0", loss.style_floor)
        need(finite(loss.style_power) and loss.style_power > 0, "loss.style_power", "> 0", loss.style_power)
        need(loss.skin_swatch is None or all(0.0 <= c <= 1.0 for c in loss.skin_swatch), "loss.skin_swatch",
             "RGB values in [0, 1]", loss.skin_swatch)
        need(0.0 <= loss.texture_prob <= 1.0, "loss.texture_prob", "in [0, 1]", loss.texture_prob)
        need(loss.dilate >= 0, "loss.dilate", ">= 0", loss.dilate)
        need(loss.feather >= 0, "loss.feather", ">= 0", loss.feather)
        need(finite(o.lr) and 0.0 < o.lr <= 1.0, "optim.lr", "in (0, 1]", o.lr)
        need(all(0.0 <= b < 1.0 for b in o.betas), "optim.betas", "two values in [0, 1)", list(o.betas))
        need(o.pool_size >= 0, "optim.pool_size", ">= 0", o.pool_size)
        for key in ("log_every", "image_every", "checkpoint_every", "keep_checkpoints"):
            need(getattr(t, key) >= 1, f"train.{key}", ">= 1", getattr(t, key))
        need(t.stop_after is None or t.stop_after >= 1, "train.stop_after", ">= 1 (or null)", t.stop_after)
        need(t.batch_size <= max_batch, "train.batch_size", f"at most {max_batch}", t.batch_size)
        need(t.seed >= 0, "train.seed", ">= 0", t.seed)
        need(t.out_dir.is_dir() or not t.out_dir.exists(), "train.out_dir", "a folder (it is a file)",
             str(t.out_dir))
        return self

    @property
    def attention_channels(self) -> int:
        """Garment mask + one heatmap per landmark name; 0 for models without landmark attention."""
        return attention_channels(self.model, len(self.data.heatmap_names) if self.data.landmarks != "none" else 0)


def load_train_config(path: str | Path | None, overrides: list[str] | None = None) -> TrainConfig:
    return load_config(TrainConfig, path, overrides).validate()
