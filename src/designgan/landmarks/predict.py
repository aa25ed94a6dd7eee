"""Running a trained landmark network on photos: letterbox, flip test, sub-pixel decoding, back to pixels.

The shipped weights live in ``designgan/weights/landmarks.safetensors`` (fp16) with ``landmarks.json`` beside
them (model config, input size, heatmap sigma, metrics); :meth:`LandmarkPredictor.load` reads them by default.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image
from safetensors.torch import load_file, save_file

from designgan import WEIGHTS_DIR
from designgan.errors import DataError
from designgan.io import atomic_path, write_json_atomic
from designgan.landmarks.data import apply_affine, invert_affine, letterbox, normalize
from designgan.landmarks.heatmaps import decode_heatmaps, flip_heatmaps, from_heatmap_coords
from designgan.landmarks.model import LandmarkNet, model_from_config
from designgan.landmarks.schema import FLIP_INDEX, LANDMARK_NAMES

DEFAULT_WEIGHTS = WEIGHTS_DIR / "landmarks.safetensors"
# A person is "found" when the torso keypoints are, on average, at least this confident. Calibrated on the shipped
# network: every held-out CCP photo scores >= 0.27 (median 0.86), noise and plain-colour images <= 0.11
# (scripts/person_confidence.py).
PERSON_CONFIDENCE = 0.2
TORSO = ("left_shoulder", "right_shoulder", "left_hip", "right_hip")


@torch.no_grad()
def predict_letterboxed(model: LandmarkNet, images: torch.Tensor, sigma: float, flip_test: bool = True,
                        bf16: bool = True) -> torch.Tensor:
    """uint8 (B, 3, H, W) letterboxed images -> (B, K, 3): x, y in input pixels and confidence.

    The network runs on the model's device (``bf16``: under bf16 autocast there); decoding on the CPU."""
    device = next(model.parameters()).device
    x = normalize(images).to(device).contiguous(memory_format=torch.channels_last)
    b = x.shape[0]
    if flip_test:
        x = torch.cat([x, x.flip(-1)])
    with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
        heatmaps = model(x).float().cpu()
    if flip_test:
        heatmaps = 0.5 * (heatmaps[:b] + flip_heatmaps(heatmaps[b:], FLIP_INDEX))
    coords, conf = decode_heatmaps(heatmaps, sigma=sigma)
    coords = from_heatmap_coords(coords, model.stride)
    return torch.cat([coords, conf.clamp(0, 1).unsqueeze(-1)], dim=-1)


@dataclass
class LandmarkResult:
    """Landmarks of one photo in its pixel coordinates, ``points[name] = (x, y, confidence)``."""

    points: dict[str, tuple[float, float, float]]
    person_found: bool
    person_confidence: float
    width: int
    height: int
    warnings: list[str] = field(default_factory=list)

    def array(self) -> np.ndarray:
        """(K, 3) in ``LANDMARK_NAMES`` order."""
        return np.array([self.points[n] for n in LANDMARK_NAMES], dtype=np.float32)

    def to_json(self) -> dict:
        return {"person_found": self.person_found, "low_confidence": not self.person_found,
                "person_confidence": round(self.person_confidence, 4), "width": self.width, "height": self.height,
                "points": {n: [round(v, 2) for v in p[:2]] + [round(p[2], 4)] for n, p in self.points.items()},
                "warnings": self.warnings}


class LandmarkPredictor:
    def __init__(self, model: LandmarkNet, sigma: float, flip_test: bool = True, bf16: bool = True,
                 device: str | torch.device = "cpu"):
        self.model = model.eval().to(device, memory_format=torch.channels_last)
        self.sigma = sigma
        self.flip_test = flip_test
        self.bf16 = bf16

    @classmethod
    def load(cls, weights: str | Path | None = None, **kwargs: Any) -> LandmarkPredictor:
        model, meta = load_weights(weights)
        return cls(model, sigma=float(meta["sigma"]), **kwargs)

    @property
    def input_size(self) -> tuple[int, int]:
        return self.model.config.input_height, self.model.config.input_width

    def predict_many(self, images: list[Image.Image], batch_size: int = 16) -> list[LandmarkResult]:
        """Landmarks of each image, run ``batch_size`` at a time (the network's activations for a batch are the
        memory that grows: hundreds of images in one call would take many GB)."""
        h, w = self.input_size
        boxed = [letterbox(img, h, w) for img in images]
        chunks = []
        for start in range(0, len(boxed), batch_size):
            batch = torch.stack([torch.from_numpy(c).permute(2, 0, 1) for c, _ in boxed[start:start + batch_size]])
            chunks.append(predict_letterboxed(self.model, batch, self.sigma, self.flip_test, self.bf16).numpy())
        preds = np.concatenate(chunks) if chunks else np.zeros((0, len(LANDMARK_NAMES), 3), dtype=np.float32)
        out = []
        for img, (_, affine), pred in zip(images, boxed, preds, strict=True):
            xy = apply_affine(pred[:, :2].astype(np.float64), invert_affine(affine))
            points = {n: (float(xy[i, 0]), float(xy[i, 1]), float(pred[i, 2])) for i, n in enumerate(LANDMARK_NAMES)}
            person_conf = float(np.mean([points[n][2] for n in TORSO]))
            found = person_conf >= PERSON_CONFIDENCE
            warnings = [] if found else [
                f"no person found with confidence (torso keypoint confidence {person_conf:.2f} < "
                f"{PERSON_CONFIDENCE}); the landmarks are unreliable"]
            out.append(LandmarkResult(points, found, person_conf, img.size[0], img.size[1], warnings))
        return out

    def predict(self, image: Image.Image) -> LandmarkResult:
        return self.predict_many([image])[0]


def export_weights(model: LandmarkNet, path: str | Path, meta: dict) -> None:
    """fp16 safetensors + a JSON sidecar (same stem) holding the model config and ``meta``."""
    path = Path(path)
    state = {k: (v.detach().to(torch.float16) if v.is_floating_point() else v.detach()).contiguous()
             for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}
    with atomic_path(path) as tmp:
        save_file(state, str(tmp), metadata={"format": "designgan-landmarks"})
    write_json_atomic(path.with_suffix(".json"), {"model": model.config.to_dict(), **meta})


def load_weights(path: str | Path | None = None) -> tuple[LandmarkNet, dict]:
    path = Path(path) if path is not None else DEFAULT_WEIGHTS
    sidecar = path.with_suffix(".json")
    if not path.is_file():
        raise DataError(f"{path}: landmark weights not found")
    if not sidecar.is_file():
        raise DataError(f"{sidecar}: the weights' config file is missing")
    try:
        meta = json.loads(sidecar.read_text())
        model = model_from_config(meta["model"])
        state = {k: v.float() if v.is_floating_point() else v for k, v in load_file(str(path)).items()}
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise DataError(f"{sidecar}: not a landmark weights config ({type(exc).__name__}: {exc})") from None
    except Exception as exc:
        raise DataError(f"{path}: not readable landmark weights ({type(exc).__name__}: {exc})") from None
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [k for k in missing if not k.endswith("num_batches_tracked")]
    if missing or unexpected:
        raise DataError(f"{path}: weights do not match the model (missing {missing[:3]}, unexpected {unexpected[:3]})")
    return model.eval(), meta
