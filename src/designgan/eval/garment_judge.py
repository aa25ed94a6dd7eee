"""The garment judge as evaluation and its training use it: the shipped garment classifier
(:mod:`designgan.landmarks.garment_classifier`, shared with the pipeline, which asks it before editing anyone) plus
what only training needs: label maps sampled in the frame and the weights export.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from designgan.landmarks.frame import warp
from designgan.landmarks.garment_classifier import (
    DEFAULT_WEIGHTS,
    FRAME_SIZE,
    GARMENT_FRAME,
    GarmentJudge,
    Points,
    crop_image,
    frame_crop,
    frame_matrix,
    load_weights,
)
from designgan.landmarks.garment_family import FAMILIES
from designgan.landmarks.garment_model import JudgeNetwork
from designgan.models.weights import export_sidecar_weights

__all__ = ["DEFAULT_WEIGHTS", "FRAME_SIZE", "GARMENT_FRAME", "GarmentJudge", "Points", "crop_image", "crop_labels",
           "export_weights", "frame_crop", "frame_matrix", "load_weights"]


def crop_labels(labels: np.ndarray, matrix: np.ndarray, size: tuple[int, int], fill: int) -> np.ndarray:
    """uint8 (h, w): a label map sampled (nearest) in the frame ``matrix``; ``fill`` outside the photo."""
    shifted = torch.from_numpy(labels.astype(np.float32) + 1)[None, None]  # 0 marks "outside the photo"
    out = warp(shifted, matrix, size, mode="nearest", padding_mode="zeros")[0, 0].round().long()
    return torch.where(out == 0, fill, out - 1).to(torch.uint8).numpy()


def export_weights(model: JudgeNetwork, path: str | Path, meta: dict) -> None:
    """fp16 safetensors + a JSON sidecar (same stem) with the model config, the families and ``meta``."""
    export_sidecar_weights(model, path, "designgan-garment-judge",
                           {"families": list(FAMILIES), "frame": list(FRAME_SIZE), **meta})
