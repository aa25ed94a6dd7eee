"""Checkpoints: weights as safetensors, optimizer/training-time/RNG/pool state as a torch file, written atomically.

Layout of a run folder::

    config.yaml                         the resolved training config
    checkpoints/step_00001000/          one folder per checkpoint
        model.safetensors               G_AB.*, G_BA.*, D_A.*, D_B.* (fp32)
        state.pt                        step, optimizers, trained_seconds, image pools, RNG states
    checkpoints/latest                  name of the newest complete checkpoint folder

A checkpoint folder is written under a temporary name and renamed when complete, and ``latest`` is replaced
atomically after that, so a crash at any moment (SIGKILL, a full disk) leaves the previous checkpoint usable;
temporary folders a crash left behind are removed by the next save. ``state.pt`` holds only tensors and plain
Python values, so it loads with ``torch.load(weights_only=True)``.
"""

from __future__ import annotations

import random
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file
from torch import nn

from designgan.errors import DataError
from designgan.io import atomic_path, chmod_like_umask, write_text_atomic
from designgan.models.weights import CHECKPOINTS, LATEST, WEIGHTS, latest_checkpoint, load_model_state

__all__ = ["CHECKPOINTS", "LATEST", "WEIGHTS", "latest_checkpoint", "load_checkpoint", "load_model_state",
           "model_state", "save_checkpoint"]

STATE = "state.pt"
DISCRIMINATORS_SUFFIX = ".discriminators.safetensors"  # beside an exported translator: what continuing needs


def rng_state() -> dict[str, Any]:
    # numpy's state holds an ndarray, which weights_only loading refuses: keep its key table as a tensor.
    name, keys, pos, has_gauss, cached_gaussian = np.random.get_state()
    numpy_state = [name, torch.from_numpy(keys.astype(np.int64)), int(pos), int(has_gauss), float(cached_gaussian)]
    state = {"torch": torch.get_rng_state(), "numpy": numpy_state, "python": random.getstate()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    torch.set_rng_state(state["torch"])
    name, keys, pos, has_gauss, cached_gaussian = state["numpy"]
    np.random.set_state((name, keys.numpy().astype(np.uint32), pos, has_gauss, cached_gaussian))
    random.setstate(state["python"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def model_state(models: dict[str, nn.Module]) -> dict[str, torch.Tensor]:
    """Flat ``{"G_AB.layer.weight": tensor}`` of several modules, fp32, contiguous, on CPU."""
    flat = {}
    for prefix, module in models.items():
        for name, tensor in module.state_dict().items():
            flat[f"{prefix}.{name}"] = tensor.detach().float().contiguous().cpu()
    return flat


def save_checkpoint(run_dir: Path, step: int, models: dict[str, nn.Module], state: dict[str, Any],
                    keep: int = 2) -> Path:
    """Write ``checkpoints/step_NNNNNNNN`` atomically, point ``latest`` at it, prune all but the newest ``keep``."""
    root = Path(run_dir) / CHECKPOINTS
    final = root / f"step_{step:08d}"
    try:
        root.mkdir(parents=True, exist_ok=True)
        for stale in root.glob(".step_*"):  # left by a process killed while saving
            shutil.rmtree(stale, ignore_errors=True) if stale.is_dir() else stale.unlink(missing_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=root))
        try:
            chmod_like_umask(tmp)  # mkdtemp made it 0700
            save_file(model_state(models), str(tmp / WEIGHTS), metadata={"step": str(step), "format": "designgan"})
            torch.save({**state, "step": step}, tmp / STATE)
            if final.exists():  # re-saving a step (e.g. after a crash between the rename and 'latest')
                old = Path(tempfile.mkdtemp(prefix=f".{final.name}.old.", dir=root))
                final.rename(old / final.name)
                shutil.rmtree(old, ignore_errors=True)
            tmp.rename(final)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
        write_text_atomic(root / LATEST, final.name + "\n")
    except (OSError, RuntimeError, SafetensorError) as exc:  # disk full, file too large, permissions
        previous = root / LATEST
        kept = f"; the previous checkpoint ({previous.read_text().strip()}) is intact" if previous.is_file() else ""
        raise DataError(f"{final}: could not write the checkpoint ({_one_line(exc)}){kept}") from None
    complete = sorted(p for p in root.glob("step_*") if p.is_dir())
    for old in complete[:-keep] if keep > 0 else []:
        shutil.rmtree(old, ignore_errors=True)
    return final


def load_checkpoint(path: Path, models: dict[str, nn.Module]) -> dict[str, Any]:
    """Load weights into ``models`` and return the training state (optimizers etc., to be restored by the loop)."""
    weights = path / WEIGHTS
    try:
        flat = load_file(str(weights))
    except Exception as exc:
        raise DataError(f"{weights}: unreadable checkpoint ({type(exc).__name__}: {exc})") from None
    load_model_state(models, flat, str(weights))
    state_path = path / STATE
    if not state_path.is_file():
        return {}
    try:
        return torch.load(state_path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise DataError(f"{state_path}: unreadable training state ({_one_line(exc)})") from None


def _one_line(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def export_discriminators(run_dir: Path, out: Path) -> Path:
    """Write the newest checkpoint's discriminators (D_A.*, D_B.*) as fp16 safetensors to ``out``, so a later run
    can continue training from an exported translator (``train.init_from``) with its discriminators."""
    checkpoint = latest_checkpoint(run_dir)
    if checkpoint is None:
        raise DataError(f"{run_dir}: no checkpoint to export discriminators from")
    flat = load_file(str(checkpoint / WEIGHTS))
    # Checkpoint keys are "D.D_A.*" (the Discriminators module saved under "D"); the file holds "D_A.*", "D_B.*".
    state = {k[2:]: v.half().contiguous() for k, v in flat.items() if k.startswith(("D.D_A.", "D.D_B."))}
    if not state:
        raise DataError(f"{checkpoint / WEIGHTS}: holds no discriminators")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(out) as tmp:
        save_file(state, str(tmp), metadata={"format": "designgan-discriminators"})
    return out
