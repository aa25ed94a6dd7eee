"""The source garment's mask in a photo: the shipped lower-garment segmenter, run in the lower-body frame.

The landmark region (:func:`designgan.landmarks.regions.garment_region`: straight lines through 7 garment
landmarks, or capsules around the legs) misses curved thighs, flares and loose legs. The segmenter
(:class:`designgan.models.segmenter.GarmentSegmenter`) sees the photo resampled into the landmark-aligned frame with
that region as a prior channel, and predicts the garment's pixels there; :meth:`GarmentMasker.photo_mask` warps the
probability back to the photo, thresholds it at 0.5 and keeps it within a generous dilation of the region, so a
wrong prediction cannot run away. Outside the frame's footprint the region itself is kept. A skirt's mask is
also grown down to its hem by its own colour (:mod:`designgan.landmarks.hem`), past that limit: the landmark region
of a long skirt stops near the knees.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
from scipy import ndimage

from designgan import WEIGHTS_DIR
from designgan.config import from_dict
from designgan.hardware import resolve_precision
from designgan.landmarks.frame import FrameSpec, footprint, invert, lower_body_frame, shift_input, warp
from designgan.landmarks.hem import grow_to_hem
from designgan.landmarks.regions import LANDMARK_CONFIDENCE, garment_family, garment_region
from designgan.models.segmenter import GarmentSegmenter, segmenter_from_config
from designgan.models.weights import export_sidecar_weights, load_sidecar_weights

DEFAULT_WEIGHTS = WEIGHTS_DIR / "segmenter.safetensors"
TARGET = ("lower_garment",)  # what the weights segment (the sidecar's "target")
Points = dict[str, tuple[float, float, float]]


@dataclass(frozen=True)
class SegmenterFrame:
    """Where the body lands in the segmenter's frame (:class:`~designgan.landmarks.frame.FrameSpec`), and how far
    the mask may reach beyond the landmark region (in leg lengths: hip centre to ankle centre)."""

    height: int = 160
    width: int = 96
    hip_y: float = 0.22  # room above the hips for high waistbands
    ankle_y: float = 0.9
    reach: float = 0.15  # the mask stays within this many leg lengths of the landmark region

    @property
    def spec(self) -> FrameSpec:
        return FrameSpec(size=(self.height, self.width), hip_y=self.hip_y, ankle_y=self.ankle_y)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def frame_matrix(points: Points, frame: SegmenterFrame) -> np.ndarray | None:
    """Photo -> frame pixel map of a person, or None when the landmarks place no frame (no hips, no legs, lying)."""
    matrix, _ = lower_body_frame(points, frame.spec, min_confidence=LANDMARK_CONFIDENCE)
    return matrix


def clipped_footprint(matrix: np.ndarray, size: tuple[int, int], photo_hw: tuple[int, int]
                      ) -> tuple[int, int, int, int] | None:
    """The frame's footprint box inside the photo, or None when the frame lies outside it."""
    x0, y0, x1, y1 = footprint(matrix, size)
    box = max(0, x0), max(0, y0), min(photo_hw[1], x1), min(photo_hw[0], y1)
    return box if box[0] < box[2] and box[1] < box[3] else None


def to_frame(rgb: np.ndarray, planes: np.ndarray, matrix: np.ndarray, size: tuple[int, int]
             ) -> tuple[torch.Tensor, torch.Tensor] | None:
    """Photo uint8 (H, W, 3) and 0/1 masks (K, H, W) -> the frame image (3, h, w) in [0, 1] and the masks plus the
    share of each frame pixel inside the photo (K + 1, h, w) in [0, 1]; None when the frame misses the photo.
    Only the frame's footprint is resampled (a large photo is never warped whole)."""
    box = clipped_footprint(matrix, size, rgb.shape[:2])
    if box is None:
        return None
    x0, y0, x1, y1 = box
    shifted = shift_input(matrix, x0, y0)
    # 8-bit in, float only after warp's area-averaging (a large photo's footprint is never whole in float32)
    crop = torch.from_numpy(rgb[y0:y1, x0:x1].copy()).permute(2, 0, 1)[None]
    stack = np.concatenate([planes[:, y0:y1, x0:x1] > 0.5, np.ones((1, y1 - y0, x1 - x0), bool)]).astype(np.uint8)
    return ((warp(crop, shifted, size)[0] / 255.0).clamp(0, 1),
            warp(torch.from_numpy(stack)[None], shifted, size, padding_mode="zeros")[0].clamp(0, 1))


MAX_DISTANCE_SIDE = 1024  # the reach limit's distance transform runs at most this many pixels across
MAX_BACK_SIDE = 1024  # the segmenter's mask is warped back into at most this many pixels across


def reach_pixels(matrix: np.ndarray, frame: SegmenterFrame) -> int:
    """The distance (photo pixels) the mask may reach beyond the landmark region, for the photo -> frame map
    ``matrix`` (its scale gives the leg length in the photo)."""
    leg = (frame.ankle_y - frame.hip_y) * frame.height / math.sqrt(abs(np.linalg.det(matrix[:, :2])))
    return max(1, round(frame.reach * leg))


class GarmentMasker:
    """The shipped segmenter with its frame: ``GarmentMasker.load().photo_mask(rgb, points, "jeans")``."""

    def __init__(self, model: GarmentSegmenter, frame: SegmenterFrame = SegmenterFrame(), precision: str = "auto",
                 meta: dict | None = None, target: str = TARGET[0]):
        self.model = model.eval().requires_grad_(False)
        self.frame = frame
        self.target = target  # what the network segments (landmarks.segmenter_data.TARGETS)
        self.bf16 = resolve_precision(precision, torch.device("cpu")) == "bf16"
        self.meta = meta or {}

    @classmethod
    def load(cls, path: str | Path | None = None, precision: str = "auto") -> GarmentMasker:
        model, meta = load_sidecar_weights(Path(path) if path is not None else DEFAULT_WEIGHTS, "garment segmenter",
                                           "garment segmenter config", segmenter_from_config, "target", TARGET)
        frame = from_dict(SegmenterFrame, meta.get("frame"), "frame")
        # Run it on a frame as wide as it is high (the network is convolutional; same scale, more columns): a full
        # skirt reaches past the training frame's width (first recipe, 96 columns: held-out photo IoU 0.722 -> 0.727,
        # skirts 0.606 -> 0.628).
        frame = replace(frame, width=max(frame.width, frame.height))  # type: ignore[arg-type]
        return cls(model, frame, precision, meta)

    def save(self, path: str | Path, meta: dict[str, Any]) -> None:
        """fp16 weights + sidecar (model config, frame, target, ``meta``)."""
        export_sidecar_weights(self.model, path, "designgan-garment-segmenter",
                               {"target": [self.target], "frame": self.frame.to_dict(), **meta})

    @torch.no_grad()
    def probability(self, image: torch.Tensor, prior: torch.Tensor) -> torch.Tensor:
        """Frame images (B, 3, h, w) in [0, 1] and priors (B, 1, h, w) -> garment probability (B, 1, h, w),
        averaged with the mirrored frame (the frame is symmetric about the body axis)."""
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bf16):
            logits = self.model.mirror_summed(image, prior)
        return torch.sigmoid(logits.float() / 2)

    def photo_mask(self, rgb: np.ndarray, points: Points, category: str, region: np.ndarray | None = None
                   ) -> np.ndarray | None:
        """Bool (H, W) mask of the ``category`` garment worn by the person at ``points``; the landmark region
        itself when the landmarks place no frame, None when they give no region either. ``region``: the landmark
        region when the caller has already drawn it."""
        h, w = rgb.shape[:2]
        if region is None:
            region, _ = garment_region(points, category, (w, h))
        if region is None or not region.any():
            return None
        matrix = frame_matrix(points, self.frame)
        if matrix is None:
            return region
        size = (self.frame.height, self.frame.width)
        framed = to_frame(rgb, region[None], matrix, size)
        box = clipped_footprint(matrix, size, (h, w))
        if framed is None or box is None:
            return region
        image, planes = framed
        prob = self.probability(image[None], (planes[None, :1] > 0.5).float())[0]
        # a skirt's prior stops near the knees: what the mask gains below it is kept past the reach limit
        grown = torch.zeros_like(prob)
        if garment_family(category) == "skirt":
            grown = self.skirt_to_hem(image, prob[0] > 0.5, planes[1] > 0.5) & ~(prob > 0.5)
        # back into the footprint box only; pixels the frame does not cover keep the landmark region
        x0, y0, x1, y1 = box
        to_box = invert(matrix)
        to_box[:, 2] -= (x0, y0)  # frame -> box pixels
        # A box over MAX_BACK_SIDE pixels across is filled in blocks of f x f pixels: the frame holds 192 rows, so
        # nothing is lost, and warp's float64 sampling grid over a 49 MP box took over a gigabyte.
        bh, bw = y1 - y0, x1 - x0
        f = max(1, math.ceil(max(bh, bw) / MAX_BACK_SIDE))
        to_blocks = np.array([[1 / f, 0, 0.5 / f - 0.5], [0, 1 / f, 0.5 / f - 0.5]]) @ np.vstack([to_box, [0, 0, 1]])
        back = warp(torch.cat([prob, torch.ones_like(prob), grown.float()])[None], to_blocks,
                    (math.ceil(bh / f), math.ceil(bw / f)), padding_mode="zeros")[0].numpy()
        if f > 1:
            back = np.repeat(np.repeat(back, f, axis=1), f, axis=2)[:, :bh, :bw]
        mask = region.copy()
        covered = back[1] > 0.5
        mask[y0:y1, x0:x1][covered] = back[0][covered] > 0.5
        # the limit: within ``reach`` of the landmark region (a distance transform over the box plus that reach)
        r = reach_pixels(matrix, self.frame)
        lx0, ly0, lx1, ly1 = max(0, x0 - r), max(0, y0 - r), min(w, x1 + r), min(h, y1 + r)
        limit = region.copy()
        limit[ly0:ly1, lx0:lx1] |= near_region(region[ly0:ly1, lx0:lx1], r)
        mask &= limit
        mask[y0:y1, x0:x1] |= covered & (back[2] > 0.5)
        return mask

    def skirt_to_hem(self, image: torch.Tensor, mask: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
        """The frame's skirt ``mask`` (h, w) grown down to the hem by its own colour (:mod:`..hem`); ``image``
        (3, h, w) in [0, 1], ``valid``: the frame pixels inside the photo."""
        h = self.frame.height
        grown = grow_to_hem(image, mask.numpy(), valid.numpy(), self.frame.hip_y * h, self.frame.ankle_y * h)
        return torch.from_numpy(grown)[None]


def near_region(region: np.ndarray, reach: float, max_side: int = MAX_DISTANCE_SIDE) -> np.ndarray:
    """Bool (H, W): the pixels within ``reach`` of ``region``'s pixels. On a region larger than ``max_side`` the
    distance transform runs on blocks of f x f pixels (a block counts as region if any pixel is), so the reach is
    never shorter and at most about 3 f pixels longer: the float64 distances of a whole 49 MP photo took over a
    gigabyte."""
    f = max(1, math.ceil(max(region.shape) / max_side))
    if f == 1:
        return ndimage.distance_transform_edt(~region) <= reach
    h, w = region.shape
    padded = np.zeros((math.ceil(h / f) * f, math.ceil(w / f) * f), dtype=bool)
    padded[:h, :w] = region
    blocks = padded.reshape(padded.shape[0] // f, f, padded.shape[1] // f, f).any(axis=(1, 3))
    near = ndimage.distance_transform_edt(~blocks) <= reach / f + 1.5  # never short of the exact reach
    return np.repeat(np.repeat(near, f, axis=0), f, axis=1)[:h, :w]
