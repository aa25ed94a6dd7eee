"""The shipped garment judge: which lower-garment family (trousers, skirt, shorts) a person wears.

It looks at the lower-body frame (:mod:`designgan.eval.garment_frame`) placed by the landmark network's hips,
knees and ankles, so pose, scale and position in the photo do not matter. Weights:
``designgan/weights/garment_judge.safetensors`` (fp16) with ``garment_judge.json`` beside them (model config,
training settings, held-out scores).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from designgan.eval.garment_family import FAMILIES
from designgan.eval.garment_frame import FRAME_SIZE, crop_frame, frame_affine
from designgan.eval.garment_judge_model import GarmentJudgeNet, model_from_config
from designgan.models.weights import export_sidecar_weights, load_sidecar_weights

WEIGHTS_DIR = Path(__file__).resolve().parents[1] / "weights"
DEFAULT_WEIGHTS = WEIGHTS_DIR / "garment_judge.safetensors"
Points = Mapping[str, Sequence[float]]


def frame_crop(image: Image.Image, points: Points) -> np.ndarray:
    """uint8 (160, 100, 3): the photo's lower-body frame."""
    return crop_frame(image, frame_affine(points, FRAME_SIZE), FRAME_SIZE)


class GarmentJudge:
    def __init__(self, model: GarmentJudgeNet, flip_test: bool = True, meta: dict | None = None):
        self.model = model.eval()
        self.flip_test = flip_test
        self.meta = meta or {}

    @classmethod
    def load(cls, weights: str | Path | None = None, flip_test: bool = True) -> GarmentJudge:
        model, meta = load_weights(weights)
        return cls(model, flip_test=flip_test, meta=meta)

    @torch.no_grad()
    def probabilities(self, crops: np.ndarray | torch.Tensor) -> np.ndarray:
        """(B, 160, 100, 3) uint8 frame crops -> (B, families) probabilities (flip-averaged)."""
        x = torch.as_tensor(np.array(crops, dtype=np.uint8)).permute(0, 3, 1, 2).float() / 255.0
        if len(x) == 0:
            return np.zeros((0, len(FAMILIES)), dtype=np.float32)
        probs = self.model(x).softmax(-1)
        if self.flip_test:
            probs = 0.5 * (probs + self.model(x.flip(-1)).softmax(-1))
        return probs.numpy()

    def classify(self, images: Sequence[Image.Image], points: Sequence[Points]) -> np.ndarray:
        """Family probabilities (B, families) of each photo, framed by its landmark points."""
        crops = [frame_crop(img, p) for img, p in zip(images, points, strict=True)]
        return self.probabilities(np.stack(crops) if crops else np.zeros((0, *FRAME_SIZE, 3), np.uint8))


def export_weights(model: GarmentJudgeNet, path: str | Path, meta: dict) -> None:
    """fp16 safetensors + a JSON sidecar (same stem) with the model config, the families and ``meta``."""
    export_sidecar_weights(model, path, "designgan-garment-judge",
                           {"families": list(FAMILIES), "frame": list(FRAME_SIZE), **meta})


def load_weights(path: str | Path | None = None) -> tuple[GarmentJudgeNet, dict]:
    path = Path(path) if path is not None else DEFAULT_WEIGHTS
    return load_sidecar_weights(path, "garment judge", "garment judge config", model_from_config,  # type: ignore[return-value]
                                "families", FAMILIES)
