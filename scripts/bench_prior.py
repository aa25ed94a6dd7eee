"""Seconds per call of the rendered prior (models.prior.PriorRenderer) at the CPU and GPU training sizes.

    OMP_NUM_THREADS=1 PYTHONPATH=src python scripts/bench_prior.py [--device cpu] [--repeats 30]
    git show ee6a5ac:src/designgan/models/prior.py > /tmp/prior_pil.py   # the per-sample PIL version
    OMP_NUM_THREADS=1 PYTHONPATH=src python scripts/bench_prior.py --baseline /tmp/prior_pil.py

Inputs are synthetic lower-body frames (hips near (w/2, 0.2 h), ankles near 0.9 h, jittered per sample, one
sample in four without wrists or ankles) with a garment block and Gaussian heatmaps, as training feeds the
prior. Prints the median forward s/call and forward+backward (gradient to the image, as the prior refiner needs)
s/call. With ``--baseline FILE``, that file's PriorRenderer is timed too, its calls interleaved with the current
one's so that both see the same load on a shared CPU.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import torch
from torch import nn

from designgan.landmarks.heatmaps import render_gaussians
from designgan.landmarks.schema import BODY_NAMES
from designgan.models.prior import PriorRenderer

BASE = {"left_hip": (0.6, 0.2), "right_hip": (0.4, 0.2), "left_knee": (0.6, 0.55), "right_knee": (0.4, 0.55),
        "left_ankle": (0.6, 0.9), "right_ankle": (0.4, 0.9), "left_wrist": (0.85, 0.3), "right_wrist": (0.15, 0.3)}


def frame_batch(batch: int, h: int, w: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    names = list(BODY_NAMES)
    image = torch.rand(batch, 3, h, w, generator=g) * 2 - 1
    garment = torch.zeros(batch, 1, h, w)
    xy = torch.full((batch, len(names), 2), -100.0)
    for i in range(batch):
        jitter = (torch.rand(len(BASE), 2, generator=g) - 0.5) * torch.tensor([0.06 * w, 0.04 * h])
        for k, (name, (fx, fy)) in enumerate(BASE.items()):
            if i % 4 == 3 and ("wrist" in name or "ankle" in name):
                continue  # some samples lack hands and ankles: the fallbacks cost time too
            xy[i, names.index(name)] = torch.tensor([fx * w, fy * h]) + jitter[k]
        garment[i, :, int(0.17 * h):int(0.92 * h), int(0.3 * w):int(0.7 * w)] = 1
    heat = render_gaussians(xy, h, w, sigma=max(1.0, 0.02 * h))
    return image, torch.cat([garment, heat], dim=1)


def load_baseline(path: Path) -> type[nn.Module]:
    spec = importlib.util.spec_from_file_location("prior_baseline", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module.PriorRenderer


def median_seconds(fns: list[Callable[[], None]], repeats: int, sync: Callable[[], None]) -> list[float]:
    """Median seconds per call of each function, calls interleaved, after one warm-up call each."""
    times: list[list[float]] = [[] for _ in fns]
    for fn in fns:
        fn()
    sync()
    for _ in range(repeats):
        for fn, record in zip(fns, times, strict=True):
            start = time.perf_counter()
            fn()
            sync()
            record.append(time.perf_counter() - start)
    return [statistics.median(t) for t in times]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--baseline", type=Path, help="another prior.py whose PriorRenderer to time alongside")
    args = parser.parse_args()
    device = torch.device(args.device)
    sync: Callable[[], None] = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    classes: list[tuple[str, type[nn.Module]]] = [("current", PriorRenderer)]
    if args.baseline is not None:
        classes.append(("baseline", load_baseline(args.baseline)))
    print(f"device {device}, torch threads {torch.get_num_threads()}, median of {args.repeats} calls")
    for batch, h, w in ((2, 152, 80), (16, 256, 128)):
        image, attention = (t.to(device) for t in frame_batch(batch, h, w))
        for family in ("skirt", "trousers"):
            forwards, backwards = [], []
            for _, cls in classes:
                prior = cls(family, list(BODY_NAMES)).to(device)

                def forward(prior: nn.Module = prior, image: torch.Tensor = image,
                            attention: torch.Tensor = attention) -> None:
                    with torch.no_grad():
                        prior(image, attention)

                def backward(prior: nn.Module = prior, image: torch.Tensor = image,
                             attention: torch.Tensor = attention) -> None:
                    x = image.clone().requires_grad_(True)
                    prior(x, attention).image.square().mean().backward()

                forwards.append(forward)
                backwards.append(backward)
            fwd, bwd = median_seconds(forwards, args.repeats, sync), median_seconds(backwards, args.repeats, sync)
            for k, (label, _) in enumerate(classes):
                print(f"batch {batch:2d} {h}x{w} {family:8s} {label:8s}  forward {fwd[k]:.4f} s/call  "
                      f"forward+backward {bwd[k]:.4f} s/call")


if __name__ == "__main__":
    main()
