"""Landmark training samples: photos letterboxed to the network input, with batched GPU-style augmentation.

All photos are decoded once and kept in memory as uint8 at the input size (CCP's 2,098 photos at 288x192 take
about 350 MB), so an epoch costs no JPEG decoding. Augmentation (flip with left/right name swap, scale,
rotation, shift, brightness/contrast) is one affine warp per batch in torch.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from tqdm import tqdm

from designgan.io import atomic_path, load_image
from designgan.landmarks.heatmaps import render_gaussians, to_heatmap_coords
from designgan.landmarks.labels import label_arrays
from designgan.landmarks.schema import FLIP_INDEX

MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)


def letterbox(img: Image.Image, height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Fit ``img`` inside (height, width), centred, padded with black. Returns (uint8 HxWx3, affine 2x3) where
    the affine maps original pixel coordinates (pixel centres at integers) to letterboxed ones."""
    w, h = img.size
    scale = min(height / h, width / w)
    new_w, new_h = max(1, round(w * scale)), max(1, round(h * scale))
    ox, oy = (width - new_w) // 2, (height - new_h) // 2
    canvas = np.zeros((height, width, 3), dtype=np.uint8)
    canvas[oy:oy + new_h, ox:ox + new_w] = np.asarray(img.resize((new_w, new_h), Image.BILINEAR))
    sx, sy = new_w / w, new_h / h
    # x' = (x + 0.5) * sx - 0.5 + ox
    affine = np.array([[sx, 0, 0.5 * sx - 0.5 + ox], [0, sy, 0.5 * sy - 0.5 + oy]], dtype=np.float64)
    return canvas, affine


def apply_affine(points: np.ndarray, affine: np.ndarray) -> np.ndarray:
    """(..., 2) points through a 2x3 affine."""
    return points @ affine[:, :2].T + affine[:, 2]


def invert_affine(affine: np.ndarray) -> np.ndarray:
    full = np.vstack([affine, [0, 0, 1]])
    return np.linalg.inv(full)[:2]


def normalize(images_uint8: torch.Tensor) -> torch.Tensor:
    """(B, 3, H, W) uint8 -> float normalised with ImageNet statistics."""
    return (images_uint8.float() / 255.0 - MEAN) / STD


class LandmarkSamples:
    """In-memory training / evaluation samples built from label records (see :mod:`designgan.landmarks.labels`)."""

    def __init__(self, records: list[dict], height: int, width: int, progress: bool = True,
                 cache: Path | None = None, tag: str = ""):
        self.records = records
        self.height, self.width = height, width
        n = len(records)
        pts, self.weights_np = label_arrays(records)
        keys = [rec["key"] for rec in records]
        cached = _read_cache(cache, tag, keys)
        if cached is not None:
            self.images, self.affines = cached
        else:
            self.images = torch.empty((n, 3, height, width), dtype=torch.uint8)
            self.affines = np.zeros((n, 2, 3))
            for i, rec in enumerate(tqdm(records, desc="loading photos", disable=not progress, leave=False)):
                canvas, affine = letterbox(load_image(rec["image"]), height, width)
                self.images[i] = torch.from_numpy(canvas).permute(2, 0, 1)
                self.affines[i] = affine
            if cache is not None:
                _write_cache(cache, tag, keys, self.images, self.affines)
        self.points = torch.from_numpy(np.einsum("nkj,nij->nki", pts[..., :2].astype(np.float64),
                                                 self.affines[:, :, :2]) + self.affines[:, None, :, 2]).float()
        self.visible = torch.from_numpy(pts[..., 2] >= 0.5).float()
        self.weights = torch.from_numpy(self.weights_np)

    def __len__(self) -> int:
        return len(self.records)


def _read_cache(path: Path | None, tag: str, keys: list[str]) -> tuple[torch.Tensor, np.ndarray] | None:
    """Letterboxed photos saved by an earlier run with the same records (decoding 2,000 JPEGs is slow)."""
    if path is None or not path.is_file():
        return None
    try:
        saved = torch.load(path, map_location="cpu", weights_only=True).get(tag)
    except Exception:  # an old or foreign cache file is only a missed speed-up: rebuild it
        return None
    if saved is None or saved["keys"] != keys:
        return None
    return saved["images"], saved["affines"].numpy()


def _write_cache(path: Path, tag: str, keys: list[str], images: torch.Tensor, affines: np.ndarray) -> None:
    data = {}
    if path.is_file():
        try:
            data = torch.load(path, map_location="cpu", weights_only=True)
        except Exception:  # unreadable old cache: replace it
            data = {}
    data[tag] = {"keys": keys, "images": images, "affines": torch.from_numpy(np.asarray(affines))}
    with atomic_path(path) as tmp:
        torch.save(data, tmp)


def random_affines(
    batch: int, height: int, width: int, generator: torch.Generator, scale: float = 0.25,
    rotate_deg: float = 15.0, shift: float = 0.06, flip_p: float = 0.5,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-sample forward affines (B, 3, 3) in pixel coordinates, and a (B,) bool "flipped" flag."""
    u = torch.rand(batch, 5, generator=generator)
    s = 1.0 + (u[:, 0] * 2 - 1) * scale
    theta = (u[:, 1] * 2 - 1) * math.radians(rotate_deg)
    tx = (u[:, 2] * 2 - 1) * shift * width
    ty = (u[:, 3] * 2 - 1) * shift * height
    flipped = u[:, 4] < flip_p
    cx, cy = (width - 1) / 2, (height - 1) / 2
    mats = torch.zeros(batch, 3, 3)
    cos, sin = torch.cos(theta) * s, torch.sin(theta) * s
    fx = torch.where(flipped, -1.0, 1.0)
    # p' = R s (F p - c) + c + t with F the optional mirror about the centre
    mats[:, 0, 0], mats[:, 0, 1] = cos * fx, -sin
    mats[:, 1, 0], mats[:, 1, 1] = sin * fx, cos
    mats[:, 0, 2] = cx + tx - (cos * fx * cx - sin * cy)
    mats[:, 1, 2] = cy + ty - (sin * fx * cx + cos * cy)
    mats[:, 2, 2] = 1
    return mats, flipped


def warp_images(images: torch.Tensor, forward: torch.Tensor) -> torch.Tensor:
    """Warp (B, C, H, W) float images by forward pixel affines (B, 3, 3); outside pixels become 0."""
    _b, _, h, w = images.shape
    norm = torch.tensor([[2 / w, 0, 1 / w - 1], [0, 2 / h, 1 / h - 1], [0, 0, 1]], dtype=forward.dtype)
    theta = norm @ torch.linalg.inv(forward) @ torch.linalg.inv(norm)
    grid = F.affine_grid(theta[:, :2].to(images.dtype), list(images.shape), align_corners=False)
    return F.grid_sample(images, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def make_batch(samples: LandmarkSamples, index: torch.Tensor, stride: int, sigma: float,
               generator: torch.Generator | None = None, augment: bool = True) -> dict[str, torch.Tensor]:
    """Images (normalised), target heatmaps and loss weights for the samples at ``index``."""
    images = normalize(samples.images[index])
    points = samples.points[index].clone()
    visible = samples.visible[index].clone()
    weights = samples.weights[index].clone()
    if augment:
        assert generator is not None
        b = len(index)
        forward, flipped = random_affines(b, samples.height, samples.width, generator)
        images = warp_images(images, forward)
        points = points @ forward[:, :2, :2].transpose(1, 2) + forward[:, None, :2, 2]
        # a mirrored person's left keypoints are the new right ones
        flip = torch.as_tensor(FLIP_INDEX)
        points[flipped] = points[flipped][:, flip]
        visible[flipped] = visible[flipped][:, flip]
        weights[flipped] = weights[flipped][:, flip]
        jitter = torch.rand(b, 2, generator=generator)
        contrast = (0.75 + 0.5 * jitter[:, 0]).view(b, 1, 1, 1)
        brightness = ((jitter[:, 1] - 0.5) * 0.6).view(b, 1, 1, 1)
        images = images * contrast + brightness
    hm_h, hm_w = samples.height // stride, samples.width // stride
    centres = to_heatmap_coords(points, stride)
    targets = render_gaussians(centres, hm_h, hm_w, sigma) * visible[..., None, None]
    return {"images": images.contiguous(memory_format=torch.channels_last), "targets": targets,
            "weights": weights, "points": points, "visible": visible}
