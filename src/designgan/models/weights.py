"""Weight files: the one module of :mod:`designgan.models` that reads and writes files.

Translator networks: a training run folder keeps its checkpoints as ``checkpoints/step_NNNNNNNN/model.safetensors`` with
``checkpoints/latest`` naming the newest (written by :mod:`designgan.train.checkpoint`); a saved translator is one
safetensors file. Both training (resume) and inference (loading a run) read them through these functions, so the
inference side never imports :mod:`designgan.train`.

Small shipped networks (the two judges, the garment segmenter): an fp16 safetensors file plus a JSON sidecar of the
same stem holding the model config, the label list the weights were trained for, and training metadata
(:func:`export_sidecar_weights`, :func:`load_sidecar_weights`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file
from torch import nn

from designgan.errors import DataError
from designgan.io import atomic_path, write_json_atomic

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
        # a module with nothing to train (the rendered prior: a frozen segmenter at most) loads without weights
        if not part and any(p.requires_grad for p in module.parameters()):
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



def export_sidecar_weights(model: nn.Module, path: str | Path, format_name: str, sidecar: dict[str, Any]) -> None:
    """fp16 ``path`` (batch-norm counters dropped) and ``path.json`` = ``{"model": config, **sidecar}``."""
    path = Path(path)
    state = {k: (v.detach().to(torch.float16) if v.is_floating_point() else v.detach()).contiguous()
             for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}
    with atomic_path(path) as tmp:
        save_file(state, str(tmp), metadata={"format": format_name})
    write_json_atomic(path.with_suffix(".json"), {"model": model.config.to_dict(), **sidecar})


def load_sidecar_weights(path: Path, what: str, config_name: str, build: Callable[[Any], nn.Module], labels_key: str,
               labels: Sequence[str]) -> tuple[nn.Module, dict]:
    """The model of ``path`` (built from its sidecar by ``build``) in eval mode, and the sidecar.

    One-line errors name the file: missing weights or sidecar, a sidecar that is not ``config_name``, weights
    trained for other ``labels`` (under ``labels_key``), unreadable or mismatched weights."""
    sidecar = path.with_suffix(".json")
    if not path.is_file():
        raise DataError(f"{path}: {what} weights not found")
    if not sidecar.is_file():
        raise DataError(f"{sidecar}: the {what} weights' config file is missing")
    try:
        meta = json.loads(sidecar.read_text())
        model = build(meta["model"])
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise DataError(f"{sidecar}: not a {config_name} ({type(exc).__name__}: {exc})") from None
    if list(meta.get(labels_key, labels)) != list(labels):
        raise DataError(f"{sidecar}: weights were trained for {labels_key} {meta[labels_key]}, not {list(labels)}")
    try:
        state = {k: v.float() if v.is_floating_point() else v for k, v in load_file(str(path)).items()}
    except Exception as exc:
        raise DataError(f"{path}: not readable {what} weights ({type(exc).__name__}: {exc})") from None
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [k for k in missing if not k.endswith("num_batches_tracked")]
    if missing or unexpected:
        raise DataError(f"{path}: weights do not match the model (missing {missing[:3]}, unexpected {unexpected[:3]})")
    return model.eval(), meta
