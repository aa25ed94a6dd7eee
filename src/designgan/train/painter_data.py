"""The painter's training data: CCP's pixel-labelled photos in the lower-body frame, packed once.

``pack_painter`` reads every pixel-level CCP photo (ids 0001-1004), finds its landmarks with the shipped landmark
network, resamples photo and label map into the lower-body frame (:mod:`designgan.landmarks.frame`, a square
canvas ``pack_size`` high: the frame the pipeline runs generators on) and stores them compressed (photo as JPEG,
the CCP label ids as a PNG, landmarks as numbers) in one ``torch.save`` file of tensors and plain values.
Photos whose landmarks give no frame are left out (listed in the summary). Which photos are held out for
validation is a pure function of the photo id (:func:`is_validation`), so every reader agrees.

:class:`PainterBatches` decodes the pack once onto the training device and cuts each step's batch there: a
random width window (the frame's centre column jittered), a scale jitter, a mirror and a colour jitter, the
landmark heatmaps, and the per-pixel classes the painter is conditioned on (lower garment, skin) or keeps (bags).
"""

from __future__ import annotations

import io
import json
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from designgan.data.ccp import CCP
from designgan.data.transforms import flip_index
from designgan.errors import DataError
from designgan.io import atomic_path, load_image, write_text_atomic
from designgan.landmarks.frame import FrameSpec, apply, lower_body_frame, warp
from designgan.landmarks.heatmaps import render_gaussians
from designgan.landmarks.schema import LANDMARK_NAMES
from designgan.train.pack import load_pack_file

PACK_FORMAT = "designgan-painter-pack"
PACK_VERSION = 1
JPEG_QUALITY = 90
# CCP labels the painter repaints as "the lower garment" (a dress's lower half reads as a skirt) and as "skin"
GARMENT_LABELS = ("jeans", "pants", "skirt", "shorts", "leggings", "dress")
SKIN_LABELS = ("skin",)
OCCLUDER_LABELS = ("bag", "purse", "wallet")  # carried in front of the garment: kept, never repainted
VALIDATION_SHARE = 10  # one photo in this many (by a hash of its id) is held out


def is_validation(photo_id: str) -> bool:
    """Whether a CCP photo is held out of painter training (stable: a CRC of the id)."""
    return zlib.crc32(photo_id.encode()) % VALIDATION_SHARE == 0


def _landmarks(ccp: CCP, ids: list[str], cache: Path, progress: bool) -> dict[str, dict]:
    """Landmarks of each photo by the shipped network, cached one JSON line per photo in ``cache``."""
    from tqdm import tqdm

    from designgan.landmarks.predict import LandmarkPredictor

    known: dict[str, dict] = {}
    if cache.is_file():
        for line in cache.read_text().splitlines():
            row = json.loads(line)
            known[row["id"]] = row["points"]
    todo = [i for i in ids if i not in known]
    if todo:
        predictor = LandmarkPredictor.load()
        with cache.open("a") as out:
            for start in tqdm(range(0, len(todo), 8), desc="landmarks", disable=not progress):
                chunk = todo[start:start + 8]
                results = predictor.predict_many([load_image(ccp.photo_path(i)) for i in chunk])
                for photo_id, res in zip(chunk, results, strict=True):
                    points = {k: [float(v) for v in p] for k, p in res.points.items()}
                    known[photo_id] = points
                    out.write(json.dumps({"id": photo_id, "points": points}) + "\n")
                out.flush()
    return known


def pack_painter(ccp_root: Path, out: Path, pack_size: int = 256, progress: bool = True) -> dict[str, Any]:
    """Write the painter pack (module docstring) to ``out``; the landmarks are cached beside it
    (``<out>.landmarks.jsonl``) so an interrupted pack resumes. Returns a summary."""
    from tqdm import tqdm

    ccp = CCP(ccp_root)
    ids = ccp.pixel_level_ids()
    if not ids:
        raise DataError(f"{ccp_root}: no pixel-level annotations")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    points = _landmarks(ccp, ids, out.with_name(out.name + ".landmarks.jsonl"), progress)
    spec = FrameSpec(size=(pack_size, pack_size))
    rows: dict[str, list] = {"ids": [], "jpeg": [], "labels_png": [], "points": []}
    skipped = []
    for photo_id in tqdm(ids, desc="frames", disable=not progress):
        pts = {k: tuple(v) for k, v in points[photo_id].items()}
        matrix, reason = lower_body_frame(pts, spec)
        if matrix is None:
            skipped.append({"id": photo_id, "reason": reason})
            continue
        photo = np.asarray(load_image(ccp.photo_path(photo_id)))
        labels = ccp.load_label_map(photo_id, size=(photo.shape[1], photo.shape[0]))
        image = warp(torch.from_numpy(photo.copy()).permute(2, 0, 1)[None], matrix, spec.size)[0]
        label = warp(torch.from_numpy(labels)[None, None].float(), matrix, spec.size, mode="nearest",
                     padding_mode="zeros")[0, 0]
        xy = np.array([pts.get(n, (0.0, 0.0, 0.0))[:2] for n in LANDMARK_NAMES], dtype=np.float64)
        conf = np.array([pts.get(n, (0.0, 0.0, 0.0))[2] for n in LANDMARK_NAMES], dtype=np.float64)
        frame_xy = apply(matrix, xy)
        jpeg, png = encode_frame(image.round().clamp(0, 255).to(torch.uint8).permute(1, 2, 0).numpy(),
                                 label.to(torch.uint8).numpy())
        rows["ids"].append(photo_id)
        rows["jpeg"].append(jpeg)
        rows["labels_png"].append(png)
        rows["points"].append(torch.from_numpy(np.concatenate([frame_xy, conf[:, None]], axis=1)).float())
    points_table = torch.stack(rows["points"]) if rows["points"] else torch.zeros(0, len(LANDMARK_NAMES), 3)
    write_painter_pack(out, rows["ids"], rows["jpeg"], rows["labels_png"], points_table, ccp.label_names,
                       pack_size)
    summary = {"out": str(out), "photos": len(rows["ids"]), "skipped": skipped,
               "validation": sum(is_validation(i) for i in rows["ids"]), "mib": round(out.stat().st_size / 2**20, 2)}
    write_text_atomic(out.with_name(out.name + ".json"), json.dumps(summary, indent=1))
    return summary


def write_painter_pack(out: Path, ids: list[str], jpegs: list[torch.Tensor], labels_png: list[torch.Tensor],
                       points: torch.Tensor, label_names: list[str], pack_size: int) -> None:
    """Write a painter pack: per photo its id, its frame as JPEG bytes, its label ids as PNG bytes (see
    :func:`encode_frame`) and its landmarks ``(N, K, 3)`` in frame pixels for every name in LANDMARK_NAMES."""
    pack = {"format": PACK_FORMAT, "version": PACK_VERSION, "size": [pack_size, pack_size],
            "point_names": list(LANDMARK_NAMES), "label_names": list(label_names), "ids": list(ids),
            "jpeg": list(jpegs), "labels_png": list(labels_png), "points": points.float()}
    with atomic_path(Path(out)) as tmp:
        torch.save(pack, tmp)


def encode_frame(image: np.ndarray, labels: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    """A frame's uint8 photo (H, W, 3) and label ids (H, W) as the pack stores them (JPEG, PNG bytes)."""
    return _encode(image, "JPEG"), _encode(labels.astype(np.uint8), "PNG")


def _encode(array: np.ndarray, fmt: str) -> torch.Tensor:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, fmt, **({"quality": JPEG_QUALITY} if fmt == "JPEG" else {"optimize": True}))
    return torch.frombuffer(bytearray(buffer.getvalue()), dtype=torch.uint8)


def read_painter_pack(path: Path) -> dict[str, Any]:
    """Load and check a painter pack."""
    return load_pack_file(path, PACK_FORMAT, PACK_VERSION, "painter pack", "designgan data pack-painter")


class PainterBatches:
    """Training (or validation) batches cut on ``device`` from a painter pack (module docstring).

    Each batch is a dict: ``image`` (B, 3, H, W) in [-1, 1], ``garment``, ``skin`` and ``occluder`` (bags;
    B, 1, H, W) in {0, 1},
    ``heatmaps`` (B, K, H, W) for ``names``, and ``points`` (B, K, 3) in batch pixels.
    """

    def __init__(self, path: Path, size: tuple[int, int], names: list[str], device: torch.device,
                 split: str = "train", sigma: float = 0.02, min_confidence: float = 0.3) -> None:
        pack = read_painter_pack(path)
        missing = [n for n in names if n not in pack["point_names"]]
        if missing:
            raise DataError(f"{path}: has no landmark '{missing[0]}'")
        keep = [k for k, i in enumerate(pack["ids"]) if is_validation(i) == (split == "validation")]
        if not keep:
            raise DataError(f"{path}: no {split} photos")
        label_names = list(pack["label_names"])
        lut = torch.zeros(256, dtype=torch.uint8)
        lut[[label_names.index(n) for n in GARMENT_LABELS]] = 1
        lut[[label_names.index(n) for n in SKIN_LABELS]] = 2
        lut[[label_names.index(n) for n in OCCLUDER_LABELS if n in label_names]] = 3
        images, classes = [], []
        for k in keep:
            images.append(np.asarray(Image.open(io.BytesIO(pack["jpeg"][k].numpy().tobytes())).convert("RGB")))
            classes.append(lut[torch.from_numpy(np.asarray(
                Image.open(io.BytesIO(pack["labels_png"][k].numpy().tobytes()))).astype(np.int64))])
        self.ids = [pack["ids"][k] for k in keep]
        self.images = torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).contiguous().to(device)
        self.classes = torch.stack(classes)[:, None].to(device)
        index = [pack["point_names"].index(n) for n in names]
        self.points = pack["points"][keep][:, index].to(device)
        self.size, self.names, self.device = tuple(size), list(names), device
        self.sigma, self.min_confidence = sigma, min_confidence
        self.pack_size = tuple(pack["size"])
        self.flip = torch.as_tensor(flip_index(names), device=device, dtype=torch.long)

    def __len__(self) -> int:
        return self.images.shape[0]

    def batch(self, indices: list[int], generator: torch.Generator | None = None, augment: bool = True
              ) -> dict[str, torch.Tensor]:
        """The samples ``indices``, augmented with draws from ``generator`` (none: the centred frame)."""
        n = len(indices)
        index = torch.as_tensor(indices, device=self.device)
        out_h, out_w = self.size
        in_h, in_w = self.pack_size
        u = torch.rand(n, 6, generator=generator) if augment else torch.full((n, 6), 0.5)
        scale = 0.92 + 0.16 * u[:, 0]  # crop height as a share of the frame's: a little zoom either way
        crop_h = in_h * scale
        crop_w = crop_h * out_w / out_h
        cx = (in_w - 1) / 2 + (u[:, 1] - 0.5) * 0.08 * in_w
        cy = (in_h - 1) / 2 + (u[:, 2] - 0.5) * 0.06 * in_h
        flip = (u[:, 3] < 0.5) & augment
        x0, y0 = cx + 0.5 - crop_w / 2, cy + 0.5 - crop_h / 2  # the crop's top-left corner (pixel edges)
        sign = 1 - 2 * flip.float()
        theta = torch.zeros(n, 2, 3)
        theta[:, 0, 0] = sign * crop_w / in_w
        theta[:, 0, 2] = (2 * x0 + crop_w) / in_w - 1
        theta[:, 1, 1] = crop_h / in_h
        theta[:, 1, 2] = (2 * y0 + crop_h) / in_h - 1
        grid = F.affine_grid(theta.to(self.device), [n, 1, out_h, out_w], align_corners=False)
        image = F.grid_sample(self.images[index].float() / 127.5 - 1, grid, mode="bilinear", padding_mode="border",
                              align_corners=False)
        classes = F.grid_sample(self.classes[index].float(), grid, mode="nearest", padding_mode="zeros",
                                align_corners=False)
        if augment:  # colour: brightness and contrast per sample, small hue-free gains per channel
            gain = (0.85 + 0.3 * u[:, 4]).to(self.device)[:, None, None, None]
            tint = (1 + 0.08 * (torch.rand(n, 3, 1, 1, generator=generator) - 0.5)).to(self.device)
            image = ((image + 1) * gain * tint - 1).clamp(-1, 1)
        points = self.points[index]
        x = (points[..., 0] + 0.5 - x0[:, None].to(self.device)) * (out_w / crop_w[:, None].to(self.device)) - 0.5
        y = (points[..., 1] + 0.5 - y0[:, None].to(self.device)) * (out_h / crop_h[:, None].to(self.device)) - 0.5
        flipped = flip.to(self.device)
        x = torch.where(flipped[:, None], out_w - 1 - x, x)
        xy, conf = torch.stack([x, y], dim=-1), points[..., 2]
        xy = torch.where(flipped[:, None, None], xy[:, self.flip], xy)
        conf = torch.where(flipped[:, None], conf[:, self.flip], conf)
        inside = (xy[..., 0] >= 0) & (xy[..., 0] <= out_w - 1) & (xy[..., 1] >= 0) & (xy[..., 1] <= out_h - 1)
        visible = (conf >= self.min_confidence) & inside
        heat = render_gaussians(xy, out_h, out_w, sigma=max(1.0, self.sigma * out_h)) * visible.float()[..., None, None]
        return {"image": image, "garment": (classes == 1).float(), "skin": (classes == 2).float(),
                "occluder": (classes == 3).float(), "heatmaps": heat,
                "points": torch.cat([xy, (conf * visible)[..., None]], dim=-1)}
