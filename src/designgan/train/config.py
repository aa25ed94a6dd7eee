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
    # Garment attention channel: the dataset's pixel-level garment mask, or the region the inference pipeline
    # draws from the landmarks (designgan.pipeline.garment_region), so training sees what inference will give.
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


@dataclass
class ModelConfig:
    generator: str = "designgan_generator"  # a name from designgan.models.list_models()
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
        return self

    @property
    def attention_channels(self) -> int:
        """Garment mask + one heatmap per landmark name; 0 for models without landmark attention."""
        if self.model.generator == "cyclegan_resnet":
            return 0
        return 1 + (len(self.data.heatmap_names) if self.data.landmarks != "none" else 0)


def load_train_config(path: str | Path | None, overrides: list[str] | None = None) -> TrainConfig:
    return load_config(TrainConfig, path, overrides).validate()
