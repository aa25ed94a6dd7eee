"""What the machine can do fast: the device, and whether bf16 pays on it.

``precision: auto`` means bf16 where the hardware has native bf16 arithmetic (any CUDA GPU of compute capability
8.0 or newer; CPUs with AMX or AVX512_BF16) and fp32 elsewhere. On a CPU without native bf16 (e.g. Cascade Lake),
bf16 autocast was measured 2.4x *slower* than fp32, so the choice must come from the hardware, not a default.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Literal

import torch

from designgan.errors import ConfigError

Precision = Literal["bf16", "fp32"]
PrecisionChoice = Literal["auto", "bf16", "fp32"]
BF16_CPU_FLAGS = ("amx_bf16", "avx512_bf16")


@functools.cache
def cpu_flags() -> frozenset[str]:
    """The CPU feature flags Linux reports (empty where /proc/cpuinfo is absent: macOS, Windows)."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return frozenset()
    for line in text.splitlines():
        if line.startswith("flags"):
            return frozenset(line.split(":", 1)[1].split())
    return frozenset()


def cpu_has_native_bf16() -> bool:
    """AMX or AVX512_BF16 (overridable with ``DESIGNGAN_CPU_BF16=0/1`` for measurements)."""
    forced = os.environ.get("DESIGNGAN_CPU_BF16")
    if forced in ("0", "1"):
        return forced == "1"
    return any(flag in cpu_flags() for flag in BF16_CPU_FLAGS)


def resolve_device(name: str = "auto") -> torch.device:
    """``auto`` -> CUDA when available, else CPU; ``cuda`` without a GPU is a clear error."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise ConfigError(f"device '{name}' was asked for, but torch sees no CUDA GPU (use device=auto or cpu)")
    return torch.device(name)


def resolve_precision(choice: str, device: torch.device) -> Precision:
    """The arithmetic precision for ``choice`` on ``device``: ``auto`` picks bf16 only where it is native."""
    if choice in ("bf16", "fp32"):
        return choice  # type: ignore[return-value]
    if choice != "auto":
        raise ConfigError(f"precision must be 'auto', 'bf16' or 'fp32', got '{choice}'")
    if device.type == "cuda":
        return "bf16" if torch.cuda.is_bf16_supported() else "fp32"
    return "bf16" if cpu_has_native_bf16() else "fp32"


def describe(device: torch.device, precision: str) -> str:
    """One line for logs: where it runs and why this precision."""
    if device.type == "cuda":
        where = f"cuda ({torch.cuda.get_device_name(device)})"
    else:
        native = [f for f in BF16_CPU_FLAGS if f in cpu_flags()]
        where = f"cpu ({torch.get_num_threads()} threads, native bf16: {', '.join(native) or 'no'})"
    return f"device {where}, precision {precision}"
