"""Weight files of the translator networks: the one module of :mod:`designgan.models` that reads files.

A training run folder keeps its checkpoints as ``checkpoints/step_NNNNNNNN/model.safetensors`` with
``checkpoints/latest`` naming the newest (written by :mod:`designgan.train.checkpoint`); a saved translator is one
safetensors file. Both training (resume) and inference (loading a run) read them through these functions, so the
inference side never imports :mod:`designgan.train`.
"""

from __future__ import annotations

from pathlib import Path

import torch
from safetensors.torch import load_file
from torch import nn

from designgan.errors import DataError

CHECKPOINTS = "checkpoints"
LATEST = "latest"
WEIGHTS = "model.safetensors"


def load_weights_file(path: Path) -> dict[str, torch.Tensor]:
    """Every tensor of a ``.safetensors`` file, floating-point ones as fp32 (never a pickle)."""
    path = Path(path)
    if path.suffix != ".safetensors":
        raise DataError(f"{path}: expected a .safetensors weights file")
    try:
        return {k: v.float() if v.is_floating_point() else v for k, v in load_file(str(path)).items()}
    except Exception as exc:
        raise DataError(f"{path}: unreadable weights ({type(exc).__name__}: {exc})") from None


def load_model_state(models: dict[str, nn.Module], flat: dict[str, torch.Tensor], where: str) -> None:
    """Load ``flat`` (``{"G_AB.layer.weight": tensor}``) into each module of ``models`` by its prefix."""
    for prefix, module in models.items():
        part = {k[len(prefix) + 1:]: v for k, v in flat.items() if k.startswith(prefix + ".")}
        if not part:
            raise DataError(f"{where}: no weights for '{prefix}'")
        try:
            module.load_state_dict(part)
        except RuntimeError as exc:
            raise DataError(f"{where}: weights for '{prefix}' do not fit the configured model "
                            f"({str(exc).splitlines()[0]})") from None


def latest_checkpoint(run_dir: Path) -> Path | None:
    """The newest complete checkpoint folder of a training run, or None before the first one."""
    pointer = Path(run_dir) / CHECKPOINTS / LATEST
    if not pointer.is_file():
        return None
    path = pointer.parent / pointer.read_text().strip()
    if not (path / WEIGHTS).is_file():
        raise DataError(f"{pointer}: points at '{path.name}', which has no {WEIGHTS}")
    return path
