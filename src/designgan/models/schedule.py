"""Learning-rate schedules and weight averaging shared by the supervised trainers (landmark network, judge).

The GAN loop keeps CycleGAN's own schedule (:func:`designgan.train.loop.lr_lambda`); these are for the two
supervised networks, which train under a wall-clock budget on a CPU.
"""

from __future__ import annotations

import math

import torch


def warmup_cosine(step: int, progress: float, warmup_steps: int, floor: float) -> float:
    """LR factor: linear warm-up over ``warmup_steps``, then a cosine from 1 down to ``floor`` as ``progress``
    goes from 0 to 1 (clamped)."""
    if step < warmup_steps:
        return (step + 1) / warmup_steps
    return floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * min(1.0, max(0.0, progress))))


def budget_progress(step: int, total_steps: int, trained_seconds: float, max_minutes: float) -> float:
    """Share of the schedule done: by steps, or by training time when a ``max_minutes`` budget is set and the
    machine turns out slower than planned, so the cosine still completes instead of being cut off at a high LR."""
    progress = step / max(1, total_steps)
    if max_minutes > 0:
        progress = max(progress, trained_seconds / (60 * max_minutes))
    return progress


def ema_update(ema: torch.nn.Module, model: torch.nn.Module, decay: float) -> None:
    """``ema <- decay * ema + (1 - decay) * model`` for float tensors; buffers like counters are copied."""
    with torch.no_grad():
        for e, m in zip(ema.state_dict().values(), model.state_dict().values(), strict=True):
            if e.is_floating_point():
                e.lerp_(m, 1 - decay)
            else:
                e.copy_(m)
