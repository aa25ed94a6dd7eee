"""Packed training data: a dataset's training split in one small tensor file, augmented on the training device.

``designgan data pack`` decodes every training photo once, resizes it (with its garment/skin masks and its cached
landmarks) to ``data.size x data.preload_scale`` and stores it compressed (photo as JPEG, masks as one PNG label
map, landmarks as numbers) in a ``torch.save`` file of tensors and plain values only (``weights_only`` loading).
Both CCP datasets together take well under 40 MiB, so the file travels with a checkout to a GPU machine.

:class:`PackedBatches` decodes the file once into uint8 tensors on the training device and cuts every step's batch
there: a random aspect-preserving crop and a mirror per sample (one ``grid_sample`` for the whole batch; the
landmarks get the same affine map and swap left/right on a mirror), then renders the landmark heatmaps. No
per-step decoding or host-to-device copies. The random draw of each sample is a pure function of its seed (as in
:class:`designgan.train.dataset.StepSampler`), so a resumed run sees exactly what an uninterrupted one would.
"""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torchvision.transforms import v2

from designgan.data import DomainImageDataset, TwoDomainData
from designgan.data.transforms import flip_index
from designgan.errors import DataError
from designgan.io import atomic_path
from designgan.landmarks.frame import FrameSpec, apply, lower_body_frame, warp
from designgan.landmarks.heatmaps import render_gaussians
from designgan.landmarks.schema import LANDMARK_NAMES
from designgan.train.config import DataConfig
from designgan.train.cycle import Side
from designgan.train.dataset import LANDMARK_CACHE, keypoints_for, read_landmark_file

PACK_FORMAT = "designgan-pack"
PACK_VERSION = 1
JPEG_QUALITY = 85  # with 4:2:0 chroma: both CCP packs plus the repository fit a device transfer (64 MiB)


def _encode_jpeg(image: torch.Tensor) -> torch.Tensor:
    buffer = io.BytesIO()
    Image.fromarray(image.permute(1, 2, 0).numpy()).save(buffer, "JPEG", quality=JPEG_QUALITY, subsampling=2)
    return torch.frombuffer(bytearray(buffer.getvalue()), dtype=torch.uint8)


def _encode_masks(masks: torch.Tensor) -> torch.Tensor:
    """Garment (bit 0) and skin (bit 1) as one lossless PNG label map."""
    label = (masks[0] > 0).to(torch.uint8) | ((masks[1] > 0).to(torch.uint8) << 1)
    buffer = io.BytesIO()
    Image.fromarray(label.numpy()).save(buffer, "PNG", optimize=True)
    return torch.frombuffer(bytearray(buffer.getvalue()), dtype=torch.uint8)


def pack_dataset(config: DataConfig, out: Path, progress: bool = True) -> dict[str, Any]:
    """Write the training split of ``config.root`` to ``out``; returns a summary (counts, size, bytes)."""
    from tqdm import tqdm

    data = TwoDomainData.open(config.root)
    h, w = (round(s * config.preload_scale) for s in config.size)
    landmark_path = Path(config.landmarks_file or Path(config.root) / LANDMARK_CACHE)
    table = read_landmark_file(landmark_path, LANDMARK_NAMES)
    resize = v2.Resize((h, w), antialias=True)
    domains: dict[str, dict[str, Any]] = {}
    skipped: list[dict[str, str]] = []
    for domain in ("a", "b"):
        records = [r for r in data.records(split="train", domain=domain) if r.has_masks]
        if not records:
            raise DataError(f"{config.root}: no train images with masks in domain '{domain}'")
        points = keypoints_for(records, table, landmark_path)
        photos = DomainImageDataset(records, keypoints=points)
        jpegs, masks, keypoints, keys, categories = [], [], [], [], []
        for i in tqdm(range(len(records)), desc=f"pack {domain}", disable=not progress, leave=False):
            sample = resize(photos[i]) if config.frame == "none" else to_frame(photos[i], FrameSpec(size=(h, w)))
            if sample is None:
                skipped.append({"key": records[i].key, "reason": "no garment frame"})
                continue
            jpegs.append(_encode_jpeg(sample["image"].as_subclass(torch.Tensor)))
            masks.append(_encode_masks(sample["masks"].as_subclass(torch.Tensor)))
            xy = sample["keypoints"].as_subclass(torch.Tensor).float()
            keypoints.append(torch.cat([xy, sample["visibility"].float()[:, None]], dim=1))
            keys.append(records[i].key)
            categories.append(records[i].category)
        domains[domain] = {"keys": keys, "categories": categories, "jpeg": jpegs, "masks_png": masks,
                           "points": torch.stack(keypoints)}
    pack = {"format": PACK_FORMAT, "version": PACK_VERSION, "size": [h, w], "point_names": list(LANDMARK_NAMES),
            "frame": config.frame, "dataset": data.metadata, "domains": domains}
    out = Path(out)
    with atomic_path(out) as tmp:
        torch.save(pack, tmp)
    nbytes = out.stat().st_size
    return {"out": str(out), "size_hw": [h, w], "frame": config.frame, "a": len(domains["a"]["keys"]),
            "b": len(domains["b"]["keys"]), "skipped": skipped, "mib": round(nbytes / 2**20, 2)}


def to_frame(sample: dict[str, Any], spec: FrameSpec) -> dict[str, Any] | None:
    """A decoded photo sample (uint8 image, masks, keypoints, visibility) resampled into the lower-body garment
    frame, keypoints mapped alike; None when its landmarks give no frame."""
    xy = sample["keypoints"].as_subclass(torch.Tensor).double().numpy()
    conf = sample["visibility"].double().numpy()
    points = {name: (x, y, c) for name, (x, y), c in zip(LANDMARK_NAMES, xy, conf, strict=True)}
    matrix, _ = lower_body_frame(points, spec)
    if matrix is None:
        return None
    image = warp(sample["image"].as_subclass(torch.Tensor)[None], matrix, spec.size)[0]
    masks = warp(sample["masks"].as_subclass(torch.Tensor)[None], matrix, spec.size, padding_mode="zeros")[0]
    frame_xy = torch.from_numpy(apply(matrix, xy)).float()
    h, w = spec.size
    inside = (frame_xy[:, 0] >= 0) & (frame_xy[:, 0] <= w - 1) & (frame_xy[:, 1] >= 0) & (frame_xy[:, 1] <= h - 1)
    return {"image": image.round().clamp(0, 255).to(torch.uint8), "masks": (masks > 0.5).to(torch.uint8),
            "keypoints": frame_xy, "visibility": sample["visibility"].float() * inside.float()}


def load_pack_file(path: Path, fmt: str, version: int, what: str, written_by: str) -> dict[str, Any]:
    """Load a pack-like file (tensors and plain values only) whose ``format`` is ``fmt`` and ``version``
    ``version``; every problem is one DataError naming the file (``what`` it should be, the command that writes
    it)."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: {what} not found (write it with '{written_by}')")
    try:
        pack = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for a corrupt or foreign file
        raise DataError(f"{path}: not a readable {what} ({type(exc).__name__})") from None
    if not isinstance(pack, dict) or pack.get("format") != fmt:
        raise DataError(f"{path}: not a DesignGAN {what}")
    if pack.get("version") != version:
        raise DataError(f"{path}: {what} version {pack.get('version')} is not supported (expected {version})")
    return pack


def read_pack(path: Path) -> dict[str, Any]:
    """Load and check a pack file."""
    return load_pack_file(path, PACK_FORMAT, PACK_VERSION, "pack file", "designgan data pack --config CONFIG")


def _decode(jpeg: torch.Tensor, masks_png: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
    image = np.asarray(Image.open(io.BytesIO(jpeg.numpy().tobytes())).convert("RGB"))
    label = np.asarray(Image.open(io.BytesIO(masks_png.numpy().tobytes())))
    return image, np.stack([label & 1, (label >> 1) & 1]).astype(np.uint8)


class PackedDomain:
    """One domain of a pack, decoded once: uint8 images (N, 3, H, W), masks (N, 2, H, W), points (N, K, 3)."""

    def __init__(self, domain: dict[str, Any], point_index: list[int], device: torch.device) -> None:
        decoded = [_decode(j, m) for j, m in zip(domain["jpeg"], domain["masks_png"], strict=True)]
        self.images = torch.from_numpy(np.stack([d[0] for d in decoded])).permute(0, 3, 1, 2).contiguous().to(device)
        self.masks = torch.from_numpy(np.stack([d[1] for d in decoded])).to(device)
        self.points = domain["points"][:, point_index].float().to(device)
        self.keys: list[str] = list(domain["keys"])

    def __len__(self) -> int:
        return self.images.shape[0]


class PackedBatches:
    """Training batches cut on the device from a pack (see module docstring)."""

    def __init__(self, config: DataConfig, device: torch.device, pack_path: Path | None = None) -> None:
        path = Path(pack_path or config.pack)
        pack = read_pack(path)
        names = list(config.heatmap_names) if config.landmarks == "cache" else []
        missing = [n for n in names if n not in pack["point_names"]]
        if missing:
            raise DataError(f"{path}: has no landmark '{missing[0]}' (re-pack it)")
        if pack.get("frame", "none") != config.frame:
            raise DataError(f"{path}: packed with frame '{pack.get('frame', 'none')}', but data.frame is "
                            f"'{config.frame}' (re-pack it)")
        index = [pack["point_names"].index(n) for n in names]
        self.config, self.device, self.names = config, device, names
        self.flip = torch.as_tensor(flip_index(names), device=device, dtype=torch.long) if names else None
        self.metadata = pack["dataset"]
        self.domain_a = PackedDomain(pack["domains"]["a"], index, device)
        self.domain_b = PackedDomain(pack["domains"]["b"], index, device)

    def batch(self, items: list[tuple[int, int, int]], memory_format: torch.memory_format) -> tuple[Side, Side]:
        """``items`` from :class:`StepSampler` -> (domain A side, domain B side), ready for the models."""
        a = self._side(self.domain_a, [i for i, _, _ in items], [s for _, _, s in items], memory_format)
        b = self._side(self.domain_b, [j for _, j, _ in items], [s + 1 for _, _, s in items], memory_format)
        return a, b

    def _draw(self, seeds: list[int], in_hw: tuple[int, int]) -> torch.Tensor:
        """Per sample (x0, y0, crop_w, crop_h, flip) in input pixels, like v2.RandomResizedCrop + a coin flip."""
        cfg = self.config
        height, width = in_hw
        out_h, out_w = cfg.size
        rows = []
        for seed in seeds:
            g = torch.Generator().manual_seed(int(seed))
            u = torch.rand(5, generator=g, dtype=torch.float64).tolist()
            area = height * width * (cfg.scale[0] + u[0] * (cfg.scale[1] - cfg.scale[0]))
            log_lo, log_hi = math.log(out_w / out_h * 0.95), math.log(out_w / out_h * 1.05)
            ratio = math.exp(log_lo + u[1] * (log_hi - log_lo))
            crop_w = min(width, math.sqrt(area * ratio))
            crop_h = min(height, math.sqrt(area / ratio))
            x0, y0 = u[2] * (width - crop_w), u[3] * (height - crop_h)
            flip = 1.0 if cfg.flip and u[4] < 0.5 else 0.0
            rows.append([x0, y0, crop_w, crop_h, flip])
        return torch.tensor(rows, dtype=torch.float32, device=self.device)

    def _side(self, domain: PackedDomain, indices: list[int], seeds: list[int],
              memory_format: torch.memory_format) -> Side:
        cfg = self.config
        out_h, out_w = cfg.size
        index = torch.as_tensor(indices, device=self.device)
        images = domain.images[index].float() / 255
        masks = domain.masks[index].float()
        n, _, height, width = images.shape
        crop = self._draw(seeds, (height, width))
        x0, y0, cw, ch, flip = crop.unbind(dim=1)
        # affine_grid maps output coords in [-1, 1] to input coords in [-1, 1] (align_corners=False).
        sign = 1 - 2 * flip
        theta = torch.zeros(n, 2, 3, device=self.device)
        theta[:, 0, 0] = sign * cw / width
        theta[:, 0, 2] = (2 * x0 + cw) / width - 1
        theta[:, 1, 1] = ch / height
        theta[:, 1, 2] = (2 * y0 + ch) / height - 1
        grid = F.affine_grid(theta, [n, 1, out_h, out_w], align_corners=False)
        # The crop shrinks by at most ~1.3x: bilinear without prefiltering aliases little at that factor.
        image = F.grid_sample(images, grid, mode="bilinear", padding_mode="border", align_corners=False)
        mask = (F.grid_sample(masks, grid, mode="bilinear", padding_mode="zeros", align_corners=False) > 0.5).float()
        if self.names:
            points = domain.points[index]
            xy, conf = points[..., :2], points[..., 2]
            # Pixel centres: input x -> output ((x + 0.5 - x0) * out_w / cw) - 0.5, then mirrored if flipped.
            x = (xy[..., 0] + 0.5 - x0[:, None]) * (out_w / cw[:, None]) - 0.5
            y = (xy[..., 1] + 0.5 - y0[:, None]) * (out_h / ch[:, None]) - 0.5
            x = torch.where(flip[:, None] > 0, out_w - 1 - x, x)
            xy_out, conf_out = torch.stack([x, y], dim=-1), conf
            flipped = flip > 0
            if flipped.any():
                xy_out = torch.where(flipped[:, None, None], xy_out[:, self.flip], xy_out)
                conf_out = torch.where(flipped[:, None], conf[:, self.flip], conf)
            inside = (xy_out[..., 0] >= 0) & (xy_out[..., 0] <= out_w - 1) & (xy_out[..., 1] >= 0) & (
                xy_out[..., 1] <= out_h - 1)
            visible = (conf_out >= cfg.min_confidence) & inside
            heat = render_gaussians(xy_out, out_h, out_w, sigma=max(1.0, cfg.heatmap_sigma * out_h))
            heat = heat * visible.float()[..., None, None]
        else:
            heat = torch.zeros(n, 0, out_h, out_w, device=self.device)

        def fmt(t: torch.Tensor) -> torch.Tensor:
            return t.contiguous(memory_format=memory_format)

        return Side(image=fmt(image * 2 - 1), garment=fmt(mask[:, 0:1]), skin=fmt(mask[:, 1:2]), heatmaps=fmt(heat))
