"""Training-step benchmark: DesignGAN per a config vs. the reference CycleGAN step, timed in the same process.

Both run the real :func:`designgan.train.loop.training_step` (generator step + discriminator step, pools,
optimizers) on synthetic inputs of the configured size, so data loading is excluded. The reference is the public
CycleGAN setting for CCP: ResNet-9 generators (ngf 64), 70x70 PatchGAN, fp32, batch 1, 300x200, identity on.
Steps of the two models are interleaved, so a change in machine load hits both alike; medians are reported.
"""

from __future__ import annotations

import copy
import resource
import statistics
import time
from dataclasses import dataclass
from typing import Any

import torch
from torch.utils.flop_counter import FlopCounterMode

from designgan.hardware import resolve_device, resolve_precision
from designgan.train.config import TrainConfig
from designgan.train.cycle import Discriminators, Generators, Side
from designgan.train.loop import training_step
from designgan.train.pool import ImagePool

# Dense bf16 peak TFLOP/s of common accelerators (no sparsity), for the utilisation figure.
BF16_PEAK_TFLOPS = {"H100 SXM": 989.0, "H100 PCIe": 756.0, "H100": 989.0, "H200": 989.0, "A100": 312.0,
                    "L40S": 362.0, "L4": 121.0, "A10": 125.0, "RTX 4090": 165.0}


def reference_config(config: TrainConfig, size: tuple[int, int] = (300, 200)) -> TrainConfig:
    """The public CycleGAN training setting on CCP, derived from ``config`` (same data keys, other model/loss)."""
    ref = copy.deepcopy(config)
    ref.data.size = size
    ref.data.landmarks = "none"
    ref.model.generator, ref.model.discriminator = "cyclegan_resnet", "patchgan"
    ref.model.ngf, ref.model.n_blocks, ref.model.ndf, ref.model.d_layers = 64, 9, 64, 3
    ref.model.norm = "torch_instance"  # nn.InstanceNorm2d, as published
    ref.loss.cycle, ref.loss.identity, ref.loss.style, ref.loss.skin, ref.loss.gram = 10.0, 5.0, 0.0, 0.0, 0.0
    ref.loss.compose = False
    ref.train.precision, ref.train.channels_last, ref.train.batch_size, ref.train.compile = "fp32", False, 1, False
    return ref


def synthetic_side(config: TrainConfig, batch: int, device: torch.device, seed: int) -> Side:
    """Random image, a garment-shaped mask (a box on the lower body), skin and heatmaps at the config's size."""
    g = torch.Generator().manual_seed(seed)
    h, w = config.data.size
    k = len(config.data.heatmap_names) if config.data.landmarks != "none" else 0
    garment = torch.zeros(batch, 1, h, w)
    garment[:, :, h // 2: h * 9 // 10, w // 4: w * 3 // 4] = 1
    skin = torch.zeros(batch, 1, h, w)
    skin[:, :, h // 10: h // 4, w // 3: w * 2 // 3] = 1
    fmt = torch.channels_last if config.train.channels_last else torch.contiguous_format
    return Side(image=(torch.rand(batch, 3, h, w, generator=g) * 2 - 1).to(device).contiguous(memory_format=fmt),
                garment=garment.to(device).contiguous(memory_format=fmt),
                skin=skin.to(device).contiguous(memory_format=fmt),
                heatmaps=torch.rand(batch, k, h, w, generator=g).to(device).contiguous(memory_format=fmt))


@dataclass
class _Runner:
    config: TrainConfig
    device: torch.device

    def __post_init__(self) -> None:
        cfg = self.config
        torch.manual_seed(cfg.train.seed)
        self.generators = Generators(cfg).to(self.device)
        self.discriminators = Discriminators(cfg).to(self.device)
        if cfg.train.channels_last:
            self.generators.to(memory_format=torch.channels_last)
            self.discriminators.to(memory_format=torch.channels_last)
        self.g_model: torch.nn.Module = self.generators
        self.d_model: torch.nn.Module = self.discriminators
        if cfg.train.compile:
            self.g_model, self.d_model = torch.compile(self.g_model), torch.compile(self.d_model)
        betas = tuple(cfg.optim.betas)
        self.opt_g = torch.optim.Adam(self.generators.parameters(), lr=cfg.optim.lr, betas=betas)
        self.opt_d = torch.optim.Adam(self.discriminators.parameters(), lr=cfg.optim.lr, betas=betas)
        self.pools = (ImagePool(cfg.optim.pool_size, 1), ImagePool(cfg.optim.pool_size, 2))
        self.precision = resolve_precision(cfg.train.precision, self.device)
        self.autocast = torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.precision == "bf16")
        self.a = synthetic_side(cfg, cfg.train.batch_size, self.device, 1)
        self.b = synthetic_side(cfg, cfg.train.batch_size, self.device, 2)

    def step(self) -> float:
        _sync(self.device)
        tic = time.perf_counter()
        training_step(self.g_model, self.d_model, self.discriminators, self.opt_g, self.opt_d, *self.pools,
                      self.a, self.b, self.autocast)
        _sync(self.device)
        return time.perf_counter() - tic

    def flops(self) -> int:
        with FlopCounterMode(display=False) as counter:
            self.step()
        return counter.get_total_flops()

    def params(self) -> int:
        return sum(p.numel() for p in self.generators.G_AB.parameters())


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _peak_memory_mb(device: torch.device) -> float:
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _summary(runner: _Runner, times: list[float], flops: int, peak_mb: float) -> dict[str, Any]:
    step_s = statistics.median(times)
    cfg = runner.config
    batch = cfg.train.batch_size
    return {
        "size_hw": list(cfg.data.size), "batch": batch, "precision": runner.precision,
        "precision_choice": cfg.train.precision,
        "channels_last": cfg.train.channels_last, "generator": cfg.model.generator,
        "generator_params_m": round(runner.params() / 1e6, 3),
        "step_s": round(step_s, 4), "step_s_all": [round(t, 4) for t in times],
        "pairs_per_s": round(batch / step_s, 3), "images_per_s": round(2 * batch / step_s, 3),
        "tflop_per_step": round(flops / 1e12, 4), "achieved_tflops": round(flops / step_s / 1e12, 4),
        "peak_memory_mb": round(peak_mb, 1),
    }


def bench_train(config: TrainConfig, steps: int = 3, warmup: int = 2, reference: bool = True,
                device: str = "auto", reference_size: tuple[int, int] = (300, 200)) -> dict[str, Any]:
    """Time ``steps`` training steps of ``config`` (and of the reference CycleGAN); return the figures."""
    dev = resolve_device(device)
    result: dict[str, Any] = {"device": torch.cuda.get_device_name(dev) if dev.type == "cuda" else "cpu",
                              "threads": torch.get_num_threads(), "torch": torch.__version__,
                              "note": "synthetic inputs (data loading excluded); median step time"}
    if dev.type == "cuda":
        torch.backends.cudnn.benchmark = True  # as in training: fixed shapes
        torch.cuda.reset_peak_memory_stats(dev)
    ours = _Runner(config, dev)
    # FLOPs are counted on the first (warm-up) step; it is never timed.
    ours_flops = ours.flops()
    for _ in range(warmup - 1):
        ours.step()
    ours_peak = _peak_memory_mb(dev)
    runners = [ours]
    ref = None
    if reference:
        if dev.type == "cuda":
            torch.cuda.reset_peak_memory_stats(dev)
        ref = _Runner(reference_config(config, reference_size), dev)
        ref_flops = ref.flops()
        for _ in range(warmup - 1):
            ref.step()
        ref_peak = _peak_memory_mb(dev)
        runners.append(ref)
    times: list[list[float]] = [[] for _ in runners]
    for _ in range(steps):  # interleaved: load changes hit both models alike
        for i, runner in enumerate(runners):
            times[i].append(runner.step())
    result["designgan"] = _summary(ours, times[0], ours_flops, ours_peak)
    if dev.type == "cuda":
        name = result["device"]
        peak = next((v for k, v in BF16_PEAK_TFLOPS.items() if k in name), None)
        if peak:
            result["designgan"]["bf16_peak_tflops"] = peak
            result["designgan"]["utilisation"] = round(result["designgan"]["achieved_tflops"] / peak, 4)
    if ref is not None:
        result["reference_cyclegan"] = _summary(ref, times[1], ref_flops, ref_peak)
        # Per-sample speed-up (the reference runs at batch 1).
        ours_per_pair = result["designgan"]["step_s"] / config.train.batch_size
        result["speedup_vs_reference"] = round(result["reference_cyclegan"]["step_s"] / ours_per_pair, 3)
    return result
