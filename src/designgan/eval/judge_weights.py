"""Weight files of the two judges (garment parser and garment family): fp16 safetensors plus a JSON sidecar of the
same stem holding the model config, the label list the weights were trained for, and training metadata."""

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


def export_judge(model: nn.Module, path: str | Path, format_name: str, sidecar: dict[str, Any]) -> None:
    """fp16 ``path`` (batch-norm counters dropped) and ``path.json`` = ``{"model": config, **sidecar}``."""
    path = Path(path)
    state = {k: (v.detach().to(torch.float16) if v.is_floating_point() else v.detach()).contiguous()
             for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}
    with atomic_path(path) as tmp:
        save_file(state, str(tmp), metadata={"format": format_name})
    write_json_atomic(path.with_suffix(".json"), {"model": model.config.to_dict(), **sidecar})


def load_judge(path: Path, what: str, config_name: str, build: Callable[[Any], nn.Module], labels_key: str,
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
