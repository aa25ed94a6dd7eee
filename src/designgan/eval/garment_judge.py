"""The shipped garment judge: which lower-garment family (trousers, skirt, shorts) a person wears.

It looks at the lower-body frame (:data:`GARMENT_FRAME`, a :class:`designgan.landmarks.frame.FrameSpec`) placed by
the landmark network's hips, knees and ankles, so pose, scale and position in the photo do not matter. Weights:
``designgan/weights/garment_judge.safetensors`` (fp16) with ``garment_judge.json`` beside them (model config,
training settings, held-out scores).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from designgan.errors import DataError
from designgan.eval.garment_evidence import fuse, likelihood_table, read_evidence
from designgan.eval.garment_family import FAMILIES
from designgan.eval.garment_judge_model import JudgeNetwork, model_from_config
from designgan.landmarks.frame import FrameSpec, lower_body_frame, warp
from designgan.models.weights import export_sidecar_weights, load_sidecar_weights

WEIGHTS_DIR = Path(__file__).resolve().parents[1] / "weights"
DEFAULT_WEIGHTS = WEIGHTS_DIR / "garment_judge.safetensors"
Points = Mapping[str, Sequence[float]]

# The frame the shipped weights were trained on: 1.55 leg lengths (hip centre to ankle centre) tall, from 0.40 above
# the hips to 0.15 below the ankles, 160 x 100 pixels (0.97 leg lengths wide). Every photo gets one: unseen legs are
# extrapolated from the torso, the tilt is clamped to 25 degrees and the leg length bounded to 1.1-2.4 torso lengths.
# Those rows were measured from the frame's top edge; FrameSpec's rows are pixel centres, half a pixel higher.
_HEIGHT = 160
GARMENT_FRAME = FrameSpec(size=(_HEIGHT, 100), hip_y=0.40 / 1.55 - 0.5 / _HEIGHT, ankle_y=1.40 / 1.55 - 0.5 / _HEIGHT,
                          max_tilt_deg=25.0, always=True, leg_per_torso=(1.1, 2.4))
FRAME_SIZE = GARMENT_FRAME.size


def frame_matrix(points: Points, spec: FrameSpec = GARMENT_FRAME) -> np.ndarray:
    """The photo -> frame matrix (pixel centres) of ``spec`` placed by ``points``."""
    matrix, reason = lower_body_frame(points, spec)
    if matrix is None:  # only when the points lack the hips or every leg and torso point
        raise DataError(f"no garment frame for these landmarks: {reason}")
    return matrix


def crop_image(image: Image.Image, matrix: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """uint8 (h, w, 3): ``image`` resampled in the frame ``matrix`` (black outside the photo, prefiltered when the
    frame shrinks the photo, so fine texture does not alias)."""
    rgb = torch.from_numpy(np.asarray(image.convert("RGB")).copy()).permute(2, 0, 1)[None]
    out = warp(rgb, matrix, size, padding_mode="zeros")[0]
    return out.round().clamp(0, 255).to(torch.uint8).permute(1, 2, 0).numpy()


def crop_labels(labels: np.ndarray, matrix: np.ndarray, size: tuple[int, int], fill: int) -> np.ndarray:
    """uint8 (h, w): a label map sampled (nearest) in the frame ``matrix``; ``fill`` outside the photo."""
    shifted = torch.from_numpy(labels.astype(np.float32) + 1)[None, None]  # 0 marks "outside the photo"
    out = warp(shifted, matrix, size, mode="nearest", padding_mode="zeros")[0, 0].round().long()
    return torch.where(out == 0, fill, out - 1).to(torch.uint8).numpy()


def frame_crop(image: Image.Image, points: Points) -> np.ndarray:
    """uint8 (160, 100, 3): the photo's lower-body frame."""
    return crop_image(image, frame_matrix(points), FRAME_SIZE)


class GarmentJudge:
    def __init__(self, model: JudgeNetwork, flip_test: bool = True, meta: dict | None = None):
        self.model = model.eval()
        self.flip_test = flip_test
        self.meta = meta or {}
        # P(trouser-evidence bin | family) when the sidecar has it (garment_evidence): the landmark network's opinion
        self.evidence_table = likelihood_table(self.meta["evidence"]) if "evidence" in self.meta else None

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

    def classify(self, images: Sequence[Image.Image], points: Sequence[Points],
                 evidence: Sequence[float | None] | None = None) -> np.ndarray:
        """Family probabilities (B, families) of each photo, framed by its landmark points. ``evidence``: per photo,
        the landmark network's trouser evidence read on that photo (:func:`.garment_evidence.read_evidence`; None
        where it has none), fused in when the judge has an evidence table."""
        crops = [frame_crop(img, p) for img, p in zip(images, points, strict=True)]
        probs = self.probabilities(np.stack(crops) if crops else np.zeros((0, *FRAME_SIZE, 3), np.uint8))
        if evidence is None or self.evidence_table is None:
            return probs
        if len(evidence) != len(probs):
            raise ValueError(f"{len(evidence)} evidence values for {len(probs)} photos")
        return fuse(probs, evidence, self.evidence_table)

    def classify_read(self, images: Sequence[Image.Image], points: Sequence[Points]) -> np.ndarray:
        """:meth:`classify` of photos whose landmark points were read on those photos (real photos; a translation
        is framed by its source's points instead): the evidence comes from the same points."""
        return self.classify(images, points, [read_evidence(p, img.height) for p, img in zip(points, images,
                                                                                             strict=True)])


def export_weights(model: JudgeNetwork, path: str | Path, meta: dict) -> None:
    """fp16 safetensors + a JSON sidecar (same stem) with the model config, the families and ``meta``."""
    export_sidecar_weights(model, path, "designgan-garment-judge",
                           {"families": list(FAMILIES), "frame": list(FRAME_SIZE), **meta})


def load_weights(path: str | Path | None = None) -> tuple[JudgeNetwork, dict]:
    path = Path(path) if path is not None else DEFAULT_WEIGHTS
    return load_sidecar_weights(path, "garment judge", "garment judge config", model_from_config,  # type: ignore[return-value]
                                "families", FAMILIES)
