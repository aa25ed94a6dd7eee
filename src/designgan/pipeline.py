"""Inference: photo in, photo with its garment changed out (diffusers-style ``DesignGANPipeline``).

    pipe = DesignGANPipeline.from_pretrained("runs/jeans2skirt")   # a training run, a saved model or a bundled name
    out = pipe(load_image("photo.jpg"), to="skirt")                # out.image, out.source_mask, out.people, ...

Steps for each person: landmarks (the shipped landmark network, or landmarks the caller gives) -> garment region
and landmark heatmaps (the attention) -> crop around the person at the model's aspect, resized to the model's
resolution (padded where the crop leaves the photo) -> generator -> composition at FULL resolution: the generator's
output is upsampled and blended in only inside the feathered edit region (source garment ∪ predicted target
garment, dilated), so every pixel outside it is bit-identical to the input.

Texture customisation: a generator trained with ``texture_channels`` reads the fabric as a conditioning input
(:func:`tile_texture`); for any generator, ``refine_steps`` runs a few steps of test-time refinement with the
paper's style loss against the fabric on the garment region.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageDraw
from safetensors.torch import load_file, save_file
from torch import nn

from designgan.config import from_dict, to_dict
from designgan.data.builder import category_members
from designgan.errors import DataError, DesignGANError
from designgan.io import atomic_path, load_image, to_rgb, write_json_atomic
from designgan.landmarks.frame import FrameSpec, apply, invert, lower_body_frame, warp
from designgan.landmarks.heatmaps import render_gaussians
from designgan.landmarks.schema import LANDMARK_NAMES, SKELETON
from designgan.losses.style import crop_grid, inverse_centre_weight, mask_boxes
from designgan.models.texture import garment_texture

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
TRANSLATOR_FORMAT = "designgan-translator"
SAVED_STEM = "translator"  # save_pretrained(dir) writes dir/translator.safetensors + dir/translator.json

# Garment families: which landmarks outline a garment of each category.
SKIRT_CATEGORIES = ("skirt",)
TROUSER_CATEGORIES = ("jeans", "pants", "trousers", "leggings", "tights")
SHORTS_CATEGORIES = ("shorts",)
LOWER_CATEGORIES = SKIRT_CATEGORIES + TROUSER_CATEGORIES + SHORTS_CATEGORIES

TORSO_NAMES = ("left_shoulder", "right_shoulder", "left_hip", "right_hip")
STRIP_ASPECT = 0.7  # width / height of the strips a wide photo is searched in for more people
WIDE_PHOTO = 0.9  # photos wider than this share of their height are searched in strips
# At most this many strips per photo (about 0.1 s each on one CPU core): half-overlapping strips cover photos up to
# ~11x wider than tall, touching ones ~22x; a wider photo is read in this many evenly spread strips, with a warning.
MAX_STRIPS = 32
STRIP_BATCH = 8  # strips per landmark-network call
PERSON_MARGIN = 0.08  # crop margin around a person, as a share of their height (CCP-like framing)
LANDMARK_CONFIDENCE = 0.3  # landmarks below this are treated as not seen


class NoPersonError(DesignGANError):
    """The landmark network found no person (or no garment region) to edit."""


# ---------------------------------------------------------------------------------------------------------------
# Model loading
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class TranslatorSpec:
    """What a translator needs at inference, read from a run's ``config.yaml`` or a saved model's JSON."""

    name: str
    domains: tuple[str, str]  # category names of domains a and b
    config: Any  # designgan.train.config.TrainConfig

    @property
    def size(self) -> tuple[int, int]:
        h, w = self.config.data.size
        return int(h), int(w)


def bundled_model_domains() -> dict[str, tuple[str, ...]]:
    """The translators shipped in ``designgan/weights`` (``NAME.safetensors`` + ``NAME.json``), by name, with the
    categories each translates between."""
    if not WEIGHTS_DIR.is_dir():
        return {}
    found = {}
    for sidecar in sorted(WEIGHTS_DIR.glob("*.json")):
        try:
            meta = json.loads(sidecar.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError):
            continue
        if isinstance(meta, dict) and meta.get("format") == TRANSLATOR_FORMAT and \
                sidecar.with_suffix(".safetensors").is_file():
            found[sidecar.stem] = tuple(str(d) for d in meta.get("domains", []))
    return found


def bundled_models() -> list[str]:
    """Names of the translators shipped in ``designgan/weights``."""
    return list(bundled_model_domains())


def _find_dataset_domains(root: Path, run_dir: Path) -> tuple[str, str] | None:
    """Domain names from the training dataset's ``dataset.json``: the copy a packed run keeps in its folder, or
    the dataset's own, looked up as written and beside the run."""
    candidates = [run_dir / "dataset.json"]
    candidates += [(root if root.is_absolute() else base / root) / "dataset.json"
                   for base in (Path.cwd(), run_dir, run_dir.parent, run_dir.parent.parent)]
    for meta_path in candidates:
        if meta_path.is_file():
            try:
                meta = json.loads(meta_path.read_text())
                return str(meta["domains"]["a"]["name"]), str(meta["domains"]["b"]["name"])
            except (json.JSONDecodeError, KeyError, TypeError):
                raise DataError(f"{meta_path}: cannot read the domain names") from None
    return None


def _load_weights(path: Path) -> dict[str, torch.Tensor]:
    if path.suffix != ".safetensors":
        raise DataError(f"{path}: expected a .safetensors weights file")
    try:
        return {k: v.float() if v.is_floating_point() else v for k, v in load_file(str(path)).items()}
    except Exception as exc:
        raise DataError(f"{path}: unreadable weights ({type(exc).__name__}: {exc})") from None


def _build_pair(spec: TranslatorSpec, flat: dict[str, torch.Tensor], prefix: str, where: str) -> dict[str, nn.Module]:
    from designgan.train.checkpoint import load_model_state
    from designgan.train.cycle import build_generator

    generators = {"G_AB": build_generator(spec.config), "G_BA": build_generator(spec.config)}
    load_model_state({f"{prefix}{k}": g for k, g in generators.items()}, flat, where)
    return generators


def load_translator(name_or_dir: str | Path, domains: Sequence[str] | None = None
                    ) -> tuple[TranslatorSpec, dict[str, nn.Module]]:
    """Both generators and their spec from a bundled name, a saved model or a training run folder."""
    from designgan.train.checkpoint import latest_checkpoint
    from designgan.train.config import TrainConfig, load_train_config

    path = Path(name_or_dir)
    if not path.exists() and "/" not in str(name_or_dir) and not path.suffix:
        available = bundled_models()
        if str(name_or_dir) not in available:
            shipped = ", ".join(available) if available else "none shipped yet"
            raise DesignGANError(f"no bundled model named '{name_or_dir}' (bundled models: {shipped}); "
                                 "give a training run folder or a saved model instead")
        path = WEIGHTS_DIR / f"{name_or_dir}.safetensors"
    if path.is_dir() and (path / f"{SAVED_STEM}.safetensors").is_file():
        path = path / f"{SAVED_STEM}.safetensors"

    if path.is_file() and path.suffix != ".safetensors":
        raise DataError(f"{path}: unexpected model file type '{path.suffix}' (models are loaded only from "
                        ".safetensors files, never from pickles)")
    if path.is_file():  # a saved model: NAME.safetensors + NAME.json
        sidecar = path.with_suffix(".json")
        if not sidecar.is_file():
            raise DataError(f"{sidecar}: the model's config file is missing")
        try:
            meta = json.loads(sidecar.read_text())
            if meta.get("format") != TRANSLATOR_FORMAT:
                raise DataError(f"{sidecar}: format is {meta.get('format')!r}, expected {TRANSLATOR_FORMAT!r}")
            config = from_dict(TrainConfig, meta["config"], "config").validate()
            saved_domains = (str(meta["domains"][0]), str(meta["domains"][1]))
        except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError, IndexError, AttributeError) as exc:
            raise DataError(f"{sidecar}: not a translator config ({type(exc).__name__}: {exc})") from None
        spec = TranslatorSpec(path.stem if path.parent == WEIGHTS_DIR else str(path), saved_domains, config)
        generators = _build_pair(spec, _load_weights(path), "", str(path))
    elif path.is_dir():  # a training run folder
        config_path = path / "config.yaml"
        if not config_path.is_file():
            raise DataError(f"{path}: neither a training run (no config.yaml) nor a saved model "
                            f"(no {SAVED_STEM}.safetensors)")
        config = load_train_config(config_path)
        checkpoint = latest_checkpoint(path)
        if checkpoint is None:
            raise DataError(f"{path}: the run has no checkpoint yet (checkpoints/latest is missing)")
        found = _find_dataset_domains(Path(config.data.root), path)
        if domains is None and found is None:
            raise DataError(f"{path}: cannot tell the categories: {config.data.root}/dataset.json not found "
                            "(pass domains=('jeans', 'skirt'))")
        spec = TranslatorSpec(str(path), tuple(domains or found), config)  # type: ignore[arg-type]
        generators = _build_pair(spec, _load_weights(checkpoint / "model.safetensors"), "G.",
                                 str(checkpoint / "model.safetensors"))
    else:
        raise DataError(f"{path}: model not found")
    if domains is not None:
        spec.domains = (str(domains[0]), str(domains[1]))
    if spec.config.model.generator == "cyclegan_resnet":
        raise DataError(f"{path}: a CycleGAN baseline has no garment mask head; the pipeline needs a DesignGAN "
                        "generator")
    return spec, generators


# ---------------------------------------------------------------------------------------------------------------
# Geometry: garment regions from landmarks, person crops
# ---------------------------------------------------------------------------------------------------------------


def garment_family(category: str) -> str:
    """'skirt', 'shorts' or 'trousers'; a group domain such as 'jeans+pants' has the family its members share."""
    members = category_members(category)
    if len(members) > 1:
        families = {garment_family(part) for part in members}
        if len(families) != 1:
            raise DesignGANError(f"category group '{category}' mixes garment outlines ({', '.join(sorted(families))})")
        return families.pop()
    c = category.lower()
    if c in SKIRT_CATEGORIES:
        return "skirt"
    if c in SHORTS_CATEGORIES:
        return "shorts"
    if c in TROUSER_CATEGORIES:
        return "trousers"
    raise DesignGANError(f"category '{category}' has no garment outline (known: {', '.join(LOWER_CATEGORIES)})")


def _seen(points: dict[str, tuple[float, float, float]], names: Sequence[str], threshold: float) -> bool:
    return all(n in points and points[n][2] >= threshold for n in names)


def _xy(points: dict[str, tuple[float, float, float]], name: str) -> np.ndarray:
    return np.array(points[name][:2], dtype=np.float64)


def garment_polygon(points: dict[str, tuple[float, float, float]], category: str,
                    threshold: float = LANDMARK_CONFIDENCE) -> list[tuple[float, float]] | None:
    """Outline of the garment of ``category`` from its garment landmarks (waistline, hems, crotch), in image
    pixels, or None unless all of them are seen. Order: the person's right waist (image left), left waist, then
    down the left side and back up the right."""
    family = garment_family(category)
    if family == "skirt":
        names = ["right_waistline", "left_waistline", "left_hem", "right_hem"]
    else:
        names = ["right_waistline", "left_waistline", "left_hem", "left_inner_hem", "crotch", "right_inner_hem",
                 "right_hem"]
    if _seen(points, names, threshold):
        return [tuple(_xy(points, n)) for n in names]  # type: ignore[misc]
    return None


def body_garment_mask(points: dict[str, tuple[float, float, float]], category: str, size: tuple[int, int],
                      threshold: float = LANDMARK_CONFIDENCE) -> np.ndarray | None:
    """Where a garment of ``category`` would be, estimated from the body keypoints alone (hips and knees needed;
    ankles for trousers), as a bool (H, W) mask; ``size`` is (w, h).

    Trousers and shorts: a pelvis band from above the hips to the crotch plus a capsule along each thigh (and
    shin). Skirt: a trapezoid from the waist to just below the knees. Widths grow with the hip width and, for
    people seen side-on (narrow hips), with the torso length.
    """
    family = garment_family(category)
    if not _seen(points, ["left_hip", "right_hip", "left_knee", "right_knee"], threshold):
        return None
    lh, rh, lk, rk = (_xy(points, n) for n in ("left_hip", "right_hip", "left_knee", "right_knee"))
    have_ankles = _seen(points, ["left_ankle", "right_ankle"], threshold)
    la = _xy(points, "left_ankle") if have_ankles else lk + (lk - lh)
    ra = _xy(points, "right_ankle") if have_ankles else rk + (rk - rh)
    hips, knees = (lh + rh) / 2, (lk + rk) / 2
    thigh = max(float(np.linalg.norm(knees - hips)), 1.0)
    torso = thigh  # when the shoulders are not seen, a thigh is about a torso long
    if _seen(points, ["left_shoulder", "right_shoulder"], threshold):
        torso = float(np.linalg.norm((_xy(points, "left_shoulder") + _xy(points, "right_shoulder")) / 2 - hips))
    hip_width = float(np.linalg.norm(lh - rh))
    down = (knees - hips) / thigh
    side = np.array([down[1], -down[0]])  # perpendicular; sign fixed below so it points to the person's left
    if np.dot(side, lh - rh) < 0:
        side = -side
    radius = max(0.45 * hip_width, 0.16 * torso, 2.0)  # half a thigh's width
    up = -0.18 * torso * down  # the waistband sits above the hip joints
    canvas = Image.new("L", size, 0)
    draw = ImageDraw.Draw(canvas)
    if family == "skirt":
        flare = 1.25 * radius
        quad = [rh - radius * side + up, lh + radius * side + up, lk + flare * side + 0.1 * thigh * down,
                rk - flare * side + 0.1 * thigh * down]
        draw.polygon([tuple(p) for p in quad], fill=255)
        return np.asarray(canvas) > 127
    pelvis = [rh - radius * side + up, lh + radius * side + up, lh + radius * side + 0.35 * thigh * down,
              rh - radius * side + 0.35 * thigh * down]
    draw.polygon([tuple(p) for p in pelvis], fill=255)
    legs = ((lh, lk, la), (rh, rk, ra)) if family == "trousers" else ((lh, (lh + lk) / 2), (rh, (rh + rk) / 2))
    for joints in legs:
        for (a, b), r in zip(itertools.pairwise(joints), (radius, 0.75 * radius), strict=False):
            draw.line([tuple(a), tuple(b)], fill=255, width=max(1, round(2 * r)))
            for p in (a, b):
                draw.ellipse([p[0] - r, p[1] - r, p[0] + r, p[1] + r], fill=255)
    return np.asarray(canvas) > 127


def garment_region(points: dict[str, tuple[float, float, float]], category: str, size: tuple[int, int],
                   threshold: float = LANDMARK_CONFIDENCE
                   ) -> tuple[np.ndarray | None, list[tuple[float, float]] | None]:
    """(bool mask, outline) of the garment: from the garment landmarks when all are seen, else from the body
    keypoints (outline None), else (None, None)."""
    polygon = garment_polygon(points, category, threshold)
    if polygon is not None:
        return polygon_mask(polygon, size), polygon
    return body_garment_mask(points, category, size, threshold), None


def polygon_mask(polygon: Sequence[tuple[float, float]], size: tuple[int, int]) -> np.ndarray:
    """Bool (H, W) mask of a polygon given in pixel coordinates; ``size`` is (w, h)."""
    canvas = Image.new("L", size, 0)
    ImageDraw.Draw(canvas).polygon([(float(x), float(y)) for x, y in polygon], fill=255)
    return np.asarray(canvas) > 127


def person_box(points: dict[str, tuple[float, float, float]], threshold: float = LANDMARK_CONFIDENCE
               ) -> tuple[float, float, float, float] | None:
    """(x0, y0, x1, y1) around the seen landmarks, or None when fewer than 3 are seen."""
    xy = np.array([p[:2] for p in points.values() if p[2] >= threshold], dtype=np.float64)
    if len(xy) < 3:
        return None
    return float(xy[:, 0].min()), float(xy[:, 1].min()), float(xy[:, 0].max()), float(xy[:, 1].max())


def crop_box(box: tuple[float, float, float, float] | None, image_size: tuple[int, int],
             model_size: tuple[int, int], margin: float = PERSON_MARGIN) -> tuple[int, int, int, int]:
    """Integer (x0, y0, x1, y1) with the model's aspect: the person plus a margin, or the whole photo (letterboxed).

    The box may extend past the photo; those pixels are filled by edge replication.
    """
    w, h = image_size
    mh, mw = model_size
    if box is None:
        x0, y0, x1, y1 = 0.0, 0.0, float(w), float(h)
    else:
        x0, y0, x1, y1 = box
        pad = margin * max(y1 - y0, x1 - x0, 1.0)
        x0, y0, x1, y1 = x0 - pad, y0 - pad, x1 + pad, y1 + pad
        # A person box never needs to be larger than the photo's letterbox; keep the crop from growing past it.
    cx, cy, bw, bh = (x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0
    aspect = mw / mh
    if bw / bh < aspect:
        bw = bh * aspect
    else:
        bh = bw / aspect
    bw, bh = max(bw, 8.0), max(bh, 8.0)
    x0, y0 = round(cx - bw / 2), round(cy - bh / 2)
    return x0, y0, x0 + max(1, round(bw)), y0 + max(1, round(bh))


def crop_padded(array: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """``array[y0:y1, x0:x1]`` for a box that may leave the array, padding by edge replication."""
    x0, y0, x1, y1 = box
    h, w = array.shape[:2]
    pads = (max(0, -y0), max(0, y1 - h)), (max(0, -x0), max(0, x1 - w))
    inner = array[max(0, y0):min(h, y1), max(0, x0):min(w, x1)]
    if any(p for pair in pads for p in pair):
        inner = np.pad(inner, pads + ((0, 0),) * (array.ndim - 2), mode="edge" if inner.size else "constant")
    return inner


def box_matrix(box: tuple[int, int, int, int], model_size: tuple[int, int]) -> np.ndarray:
    """The photo -> model pixel map (2x3, pixel centres at integers) of a crop ``box`` resized to ``model_size``."""
    x0, y0, x1, y1 = box
    mh, mw = model_size
    sx, sy = mw / (x1 - x0), mh / (y1 - y0)
    return np.array([[sx, 0.0, (0.5 - x0) * sx - 0.5], [0.0, sy, (0.5 - y0) * sy - 0.5]])


def _frame_crop(rgb: np.ndarray, mask: np.ndarray, points: dict[str, tuple[float, float, float]],
                model_size: tuple[int, int]) -> tuple[torch.Tensor, torch.Tensor, np.ndarray,
                                                      tuple[int, int, int, int]] | None:
    """Photo and garment mask resampled into the lower-body garment frame (model input), the photo -> frame map
    and the frame's footprint box in the photo; None when the landmarks give no frame."""
    frame, _ = lower_body_frame(points, FrameSpec(size=model_size), min_confidence=LANDMARK_CONFIDENCE)
    if frame is None:
        return None
    mh, mw = model_size
    corners = np.array([[x, y] for x in (-0.5, mw - 0.5) for y in (-0.5, mh - 0.5)])
    xy = apply(invert(frame), corners)
    box = (math.floor(xy[:, 0].min()), math.floor(xy[:, 1].min()), math.ceil(xy[:, 0].max()) + 1,
           math.ceil(xy[:, 1].max()) + 1)
    h, w = mask.shape
    # Resample only the footprint (within the photo; warp's border padding fills the rest).
    cx0, cy0, cx1, cy1 = max(0, box[0]), max(0, box[1]), min(w, box[2]), min(h, box[3])
    if cx0 >= cx1 or cy0 >= cy1:
        return None
    shifted = frame + np.concatenate([np.zeros((2, 2)), frame[:, :2] @ np.array([[cx0], [cy0]])], axis=1)
    crop = torch.from_numpy(rgb[cy0:cy1, cx0:cx1].copy()).permute(2, 0, 1)[None].float()
    crop_mask = torch.from_numpy(mask[cy0:cy1, cx0:cx1].astype(np.float32))[None, None]
    image = warp(crop, shifted, model_size)[0] / 127.5 - 1
    garment = (warp(crop_mask, shifted, model_size, padding_mode="zeros")[0] > 0.5).float()
    return image, garment, frame, box


def _box_mean(x: torch.Tensor, radius: int, dim: int) -> torch.Tensor:
    """Mean over a window of ``2 * radius + 1`` along ``dim``, counting only positions inside the tensor (like
    ``avg_pool2d(count_include_pad=False)``), via a cumulative sum: O(1) per element whatever the radius."""
    n = x.shape[dim]
    c = F.pad(x.double().cumsum(dim).movedim(dim, -1), (1, 0)).movedim(-1, dim)  # c[i] = sum of x[:i]
    idx = torch.arange(n, device=x.device)
    hi, lo = (idx + radius + 1).clamp(max=n), (idx - radius).clamp(min=0)
    total = c.index_select(dim, hi) - c.index_select(dim, lo)
    shape = [1] * x.dim()
    shape[dim] = n
    return (total / (hi - lo).to(total.dtype).view(shape)).to(x.dtype)


def separable_edit_alpha(source_mask: torch.Tensor, target_mask: torch.Tensor | None = None, dilate: int = 3,
                         feather: int = 3, threshold: float = 0.5) -> torch.Tensor:
    """:func:`designgan.models.edit_alpha` computed with running sums: the same values, O(1) instead of
    O(k^2) per pixel, which matters at full resolution where the margins are tens of pixels wide.

    Dilating a binary mask by a square is "any pixel of the square set", i.e. a box sum above zero; a box filter
    is separable, and so is its border count (the valid window is a rectangle).
    """
    with torch.no_grad():
        region = source_mask.float() > threshold
        if target_mask is not None:
            region = region | (target_mask.float() > threshold)
        alpha = region.float()
        if dilate > 0:
            alpha = (_box_mean(_box_mean(alpha, dilate, -2), dilate, -1) > 0).float()
        if feather > 0:
            alpha = _box_mean(_box_mean(alpha, feather, -2), feather, -1)
            alpha = torch.where(alpha > 1e-6, alpha, 0.0)  # running sums leave ~1e-16 where the box is empty
        return alpha


def _resample(t: torch.Tensor, box: tuple[int, int, int, int], window: tuple[int, int, int, int],
              mode: str) -> torch.Tensor:
    """``t`` (C, h, w), covering crop ``box``, resampled at the photo pixels of ``window`` (both photo
    coordinates): the same values as upsampling it to the box's size and slicing, without the rest of the box."""
    x0, y0, x1, y1 = box
    wx0, wy0, wx1, wy1 = window
    # align_corners=False: pixel v of the crop samples normalised position 2 * (v + 0.5) / size - 1.
    gx = (torch.arange(wx0, wx1, dtype=torch.float32) - x0 + 0.5) * (2 / (x1 - x0)) - 1
    gy = (torch.arange(wy0, wy1, dtype=torch.float32) - y0 + 0.5) * (2 / (y1 - y0)) - 1
    grid = torch.stack(torch.meshgrid(gx, gy, indexing="xy"), dim=-1)[None]
    return F.grid_sample(t[None].float(), grid, mode=mode, padding_mode="border", align_corners=False)[0]


def _edit_window(job: _Job, source_mask: np.ndarray, bounds: tuple[int, int, int, int], margin: int
                 ) -> tuple[int, int, int, int] | None:
    """Photo-pixel box (within ``bounds``) holding the source and predicted garments plus ``margin``."""
    assert job.mask is not None
    x0, y0, x1, y1 = job.edit.box
    mh, mw = job.mask.shape[-2:]
    sy, sx = (y1 - y0) / mh, (x1 - x0) / mw
    boxes = []
    region = ((job.attention[0] > 0.5) | (job.mask[0] > 0.5)).numpy()
    if region.any():
        rows, cols = np.flatnonzero(region.any(axis=1)), np.flatnonzero(region.any(axis=0))
        if job.edit.frame is None:
            boxes.append((x0 + math.floor(cols[0] * sx), y0 + math.floor(rows[0] * sy),
                          x0 + math.ceil((cols[-1] + 1) * sx), y0 + math.ceil((rows[-1] + 1) * sy)))
        else:  # the region's box corners, mapped back from the (rotated) frame
            corners = np.array([[c, r] for c in (cols[0] - 0.5, cols[-1] + 0.5)
                                for r in (rows[0] - 0.5, rows[-1] + 0.5)])
            xy = apply(invert(job.edit.frame), corners)
            boxes.append((math.floor(xy[:, 0].min()), math.floor(xy[:, 1].min()),
                          math.ceil(xy[:, 0].max()) + 1, math.ceil(xy[:, 1].max()) + 1))
    bx0, by0, bx1, by1 = bounds
    inside = source_mask[by0:by1, bx0:bx1]
    if inside.any():  # thin parts of the source garment may vanish at model resolution
        rows, cols = np.flatnonzero(inside.any(axis=1)), np.flatnonzero(inside.any(axis=0))
        boxes.append((bx0 + int(cols[0]), by0 + int(rows[0]), bx0 + int(cols[-1]) + 1, by0 + int(rows[-1]) + 1))
    if not boxes:
        return None
    wx0 = max(bx0, min(b[0] for b in boxes) - margin)
    wy0 = max(by0, min(b[1] for b in boxes) - margin)
    wx1 = min(bx1, max(b[2] for b in boxes) + margin)
    wy1 = min(by1, max(b[3] for b in boxes) + margin)
    return (wx0, wy0, wx1, wy1) if wx0 < wx1 and wy0 < wy1 else None


# ---------------------------------------------------------------------------------------------------------------
# Texture
# ---------------------------------------------------------------------------------------------------------------


def tile_texture(fabric: Image.Image, size: tuple[int, int], tile_height: float = 0.25,
                 offset: tuple[float, float] = (0.0, 0.0)) -> torch.Tensor:
    """A fabric image tiled over a (3, h, w) canvas in [-1, 1]: the generator's texture conditioning input.

    The fabric's central square (the largest one) becomes one tile ``tile_height * h`` pixels high, repeated
    from ``offset`` (fractions of a tile). Training draws random crops and offsets with the same function.
    """
    h, w = size
    side = min(fabric.size)
    left, top = (fabric.width - side) // 2, (fabric.height - side) // 2
    tile_px = max(2, round(tile_height * h))
    tile = fabric.crop((left, top, left + side, top + side)).resize((tile_px, tile_px), Image.BILINEAR)
    arr = torch.from_numpy(np.asarray(tile, dtype=np.uint8).copy()).permute(2, 0, 1).float() / 127.5 - 1
    reps_y, reps_x = math.ceil(h / tile_px) + 1, math.ceil(w / tile_px) + 1
    canvas = arr.repeat(1, reps_y, reps_x)
    oy, ox = round(offset[1] % 1.0 * tile_px), round(offset[0] % 1.0 * tile_px)
    return canvas[:, oy:oy + h, ox:ox + w].contiguous()


def fabric_patch(fabric: Image.Image, size: tuple[int, int]) -> torch.Tensor:
    """The fabric as a style reference patch (1, 3, h, w) in [-1, 1]: its centre crop at the patch's aspect."""
    h, w = size
    fw, fh = fabric.size
    scale = min(fw / w, fh / h)
    cw, ch = max(1, round(w * scale)), max(1, round(h * scale))
    left, top = (fw - cw) // 2, (fh - ch) // 2
    patch = fabric.crop((left, top, left + cw, top + ch)).resize((w, h), Image.BILINEAR)
    return torch.from_numpy(np.asarray(patch, dtype=np.uint8).copy()).permute(2, 0, 1)[None].float() / 127.5 - 1


def source_texture_patch(image: torch.Tensor, garment: torch.Tensor, size: tuple[int, int]) -> torch.Tensor | None:
    """The source garment's own texture as a style reference patch (1, 3, h, w): the central part of the garment
    (rows and columns between the 30th and 70th percentile of its pixels, so mostly cloth and little background).
    ``image``: (3, H, W) in [-1, 1]; ``garment``: (1, H, W) mask. None when the garment is too small to sample."""
    ys, xs = torch.nonzero(garment[0] > 0.5, as_tuple=True)
    if ys.numel() < 16:
        return None
    q = torch.tensor([0.3, 0.7])
    y0, y1 = torch.quantile(ys.float(), q).round().int().tolist()
    x0, x1 = torch.quantile(xs.float(), q).round().int().tolist()
    patch = image[:, y0:y1 + 1, x0:x1 + 1][None].float()
    return F.interpolate(patch, size=size, mode="bilinear", align_corners=False).clamp(-1, 1)


def patch_operator(mask: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """The garment patch of :func:`designgan.losses.style.garment_patches` as a sparse (h*w, H*W) COO matrix.

    ``mask``: (1, 1, H, W). The patch is a fixed linear function of the image (the box comes from the mask alone):
    bilinear samples (``grid_sample``, border padding, ``align_corners=False``) on a grid ``k`` times finer than
    the patch, averaged over k x k. Row ``i`` holds the weights of patch pixel ``i`` over the image pixels
    (row-major).
    """
    _, _, height, width = mask.shape
    h, w = size
    boxes, _ = mask_boxes(mask)
    grid, k = crop_grid(boxes, (height, width), size)
    gx, gy = grid[0, ..., 0].reshape(-1).cpu(), grid[0, ..., 1].reshape(-1).cpu()
    # grid_sample's unnormalisation and border clamp, then its four bilinear taps (an out-of-range tap has weight 0)
    ix = (((gx + 1) * width - 1) / 2).clamp(0, width - 1)
    iy = (((gy + 1) * height - 1) / 2).clamp(0, height - 1)
    x0, y0 = ix.floor(), iy.floor()
    tx, ty = ix - x0, iy - y0
    x0i, y0i = x0.long(), y0.long()
    x1i, y1i = (x0i + 1).clamp(max=width - 1), (y0i + 1).clamp(max=height - 1)
    cols = torch.cat([y0i * width + x0i, y0i * width + x1i, y1i * width + x0i, y1i * width + x1i])
    values = torch.cat([(1 - tx) * (1 - ty), tx * (1 - ty), (1 - tx) * ty, tx * ty]) / (k * k)
    # sample (r, c) of the fine grid belongs to patch pixel (r // k, c // k)
    r = torch.arange(h * k).repeat_interleave(w * k) // k
    c = torch.arange(w * k).repeat(h * k) // k
    rows = (r * w + c).repeat(4)
    return torch.sparse_coo_tensor(torch.stack([rows, cols]), values, (h * w, height * width),
                                   check_invariants=False).coalesce()


def refine_texture(base: torch.Tensor, mask: torch.Tensor, reference: torch.Tensor, weight: torch.Tensor,
                   steps: int, lr: float, noise: torch.Tensor, betas: tuple[float, float] = (0.9, 0.999),
                   eps: float = 1e-8) -> torch.Tensor:
    """Test-time texture refinement of one output: ``clamp(base + residual * mask)`` with the residual (started at
    ``noise``) fitted by ``steps`` Adam steps to the style loss
    (:func:`designgan.losses.style.reference_style_loss`) against ``reference``.

    The same optimisation as autograd + ``torch.optim.Adam`` on that loss (a test compares them), with the
    gradient written out: the garment patch is a fixed sparse linear map of the image (:func:`patch_operator`),
    and only the garment pixels move (elsewhere the residual is multiplied by 0, so its gradient is 0 and Adam
    leaves it at the noise). Each step is two small sparse products and a few element-wise operations on the
    garment pixels instead of a graph of small ops over the whole image.
    ``base``: (1, 3, H, W) in [-1, 1]; ``mask``: (1, 1, H, W) in {0, 1}; ``reference``: (1, 3, h, w).
    """
    _, c, height, width = base.shape
    h, w = reference.shape[-2:]
    device = base.device
    flat = base.reshape(c, -1).t()  # (H*W, C): the layout the sparse products want
    inside_mask = mask.reshape(-1) > 0.5
    where = torch.nonzero(inside_mask).squeeze(1)
    op = patch_operator(mask, (h, w))
    rows, cols = op.indices()
    values = op.values()
    # The pixels outside the garment are constant: their share of the patch is computed once.
    position = torch.full((height * width,), -1, dtype=torch.long)
    position[where.cpu()] = torch.arange(where.numel())
    moving = position[cols] >= 0
    fixed = torch.sparse_coo_tensor(torch.stack([rows[~moving], cols[~moving]]), values[~moving],
                                    op.shape, check_invariants=False).to(device)
    constant = fixed @ flat.clamp(-1, 1) if bool((~moving).any()) else torch.zeros(h * w, c, device=device)
    op_m = torch.sparse_coo_tensor(torch.stack([rows[moving], position[cols[moving]]]), values[moving],
                                   (h * w, where.numel()), check_invariants=False).coalesce()
    with warnings.catch_warnings():  # CSR (25x faster products than COO here) is "beta" in torch and says so
        warnings.filterwarnings("ignore", message="Sparse CSR tensor support is in beta")
        op_mt = op_m.t().coalesce().to_sparse_csr().to(device)
        op_m = op_m.to_sparse_csr().to(device)
    x0 = flat.index_select(0, where)
    target = reference.float().reshape(c, -1).t().to(device) - constant
    # d loss / d patch = weight * (patch - ref) / (h * w)  (the loss is 1/2 * sum_c mean_ij weight * diff^2)
    scale = (weight.reshape(-1, 1) / (h * w)).float().to(device)
    residual = noise.reshape(c, -1).t().index_select(0, where).to(device)
    exp_avg, exp_avg_sq = torch.zeros_like(residual), torch.zeros_like(residual)
    beta1, beta2 = betas
    for step in range(1, steps + 1):
        x = x0 + residual
        inside = (x >= -1) & (x <= 1)  # clamp passes the gradient only here
        grad = (op_mt @ (scale * (op_m @ x.clamp(-1, 1) - target))).mul_(inside)
        # torch.optim.Adam's update (no weight decay, no amsgrad)
        exp_avg.lerp_(grad, 1 - beta1)
        exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        denom = (exp_avg_sq.sqrt() / math.sqrt(1 - beta2 ** step)).add_(eps)
        residual.addcdiv_(exp_avg, denom, value=-lr / (1 - beta1 ** step))
    out = base.reshape(c, -1).t().clone()
    out[where] = x0 + residual
    return out.clamp_(-1, 1).t().reshape(1, c, height, width)


# ---------------------------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class Person:
    """One person's landmarks as the pipeline uses them: ``points[name] = (x, y, confidence)`` in photo pixels."""

    points: dict[str, tuple[float, float, float]]
    found: bool = True
    confidence: float = 1.0

    @classmethod
    def from_landmarks(cls, landmarks: Any) -> Person:
        """From a :class:`designgan.landmarks.predict.LandmarkResult`, a ``{name: (x, y, c)}`` dict or a Person."""
        if isinstance(landmarks, Person):
            return landmarks
        if isinstance(landmarks, dict):
            points = landmarks.get("points", landmarks)
            found = bool(landmarks.get("person_found", True))
            pts = {str(k): (float(v[0]), float(v[1]), float(v[2]) if len(v) > 2 else 1.0) for k, v in points.items()}
            return cls(pts, found, 1.0 if found else 0.0)
        return cls({k: tuple(map(float, v)) for k, v in landmarks.points.items()},  # type: ignore[misc]
                   bool(landmarks.person_found), float(landmarks.person_confidence))

    def shifted(self, dx: float, dy: float) -> Person:
        return Person({k: (x + dx, y + dy, c) for k, (x, y, c) in self.points.items()}, self.found, self.confidence)

    def torso(self, threshold: float = LANDMARK_CONFIDENCE) -> tuple[np.ndarray, float] | None:
        """(centre, size) of the seen shoulders and hips, or None."""
        pts = [self.points[n][:2] for n in TORSO_NAMES if n in self.points and self.points[n][2] >= threshold]
        if len(pts) < 2:
            return None
        arr = np.array(pts, dtype=np.float64)
        return arr.mean(axis=0), float(np.ptp(arr, axis=0).max())

    def size(self, threshold: float = LANDMARK_CONFIDENCE) -> float:
        """Area of the box around the seen landmarks (how prominent the person is)."""
        box = person_box(self.points, threshold)
        return 0.0 if box is None else (box[2] - box[0]) * (box[3] - box[1])


def strip_offsets(width: int, height: int, max_strips: int = MAX_STRIPS) -> list[int]:
    """Left edges of the person-shaped strips a wide photo is also read in (none for a portrait photo).

    Half-overlapping strips; a photo too wide for ``max_strips`` of those gets ``max_strips`` evenly spread ones
    (overlapping less, or with gaps between them on a panorama: see :func:`strips_cover`).
    """
    strip = round(STRIP_ASPECT * height)
    if width <= WIDE_PHOTO * height or strip >= width:
        return []
    stride = max(1, strip // 2)
    offsets = list(range(0, width - strip + 1, stride))
    if offsets[-1] != width - strip:
        offsets.append(width - strip)
    if len(offsets) > max_strips:
        span = width - strip
        offsets = [round(i * span / (max_strips - 1)) for i in range(max_strips)]
    return offsets


def strips_cover(width: int, height: int, max_strips: int = MAX_STRIPS) -> bool:
    """Whether the strips of :func:`strip_offsets` leave no column of the photo unread."""
    offsets = strip_offsets(width, height, max_strips)
    strip = round(STRIP_ASPECT * height)
    return all(b - a <= strip for a, b in itertools.pairwise(offsets))


def _same_person(a: Person, b: Person) -> bool:
    ta, tb = a.torso(), b.torso()
    return ta is not None and tb is not None and \
        float(np.linalg.norm(ta[0] - tb[0])) <= 0.5 * max(ta[1], tb[1], 1.0)


def merge_people(people: list[Person], only_near: list[Person] | None = None) -> list[Person]:
    """Found people, one per torso: of detections whose torso centres lie within half a torso of each other,
    the most confident is kept (most confident first). With ``only_near``, a detection is kept only if it is the
    same person as one of those. A photo where nobody is found keeps its first entry (with ``found=False``)."""
    found = sorted((p for p in people if p.found and p.torso() is not None), key=lambda p: p.confidence,
                   reverse=True)
    kept: list[Person] = []
    for person in found:
        if only_near is not None and not any(_same_person(person, q) for q in only_near):
            continue
        if not any(_same_person(person, k) for k in kept):
            kept.append(person)
    return kept or people[:1]


@dataclass
class PersonEdit:
    person: Person
    box: tuple[int, int, int, int]  # the crop, or the garment frame's footprint (photo pixels, may leave the photo)
    source_polygon: list[tuple[float, float]] | None
    frame: np.ndarray | None = None  # garment-frame models: the photo -> model pixel map (2x3); None for box crops


@dataclass
class PipelineOutput:
    """A translated photo and everything used to make it (all at the photo's full resolution)."""

    image: Image.Image
    source: Image.Image
    source_category: str
    target_category: str
    source_mask: np.ndarray  # bool (H, W): the source garment region(s) fed to the generator as attention
    target_mask: np.ndarray  # bool (H, W): the generator's predicted target garment
    alpha: np.ndarray  # float32 (H, W): blend weight; exactly 0 where the output equals the input
    people: list[PersonEdit]
    model: str
    warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def edit_region(self) -> np.ndarray:
        return self.alpha > 0

    def metadata(self) -> dict[str, str]:
        from designgan.io import ai_edit_metadata

        return ai_edit_metadata(self.model, self.source_category, self.target_category)

    def landmark_overlay(self, image: Image.Image | None = None) -> Image.Image:
        """The landmarks, skeleton and source garment outline drawn on ``image`` (default: the input)."""
        canvas = (image or self.source).copy()
        draw = ImageDraw.Draw(canvas)
        radius = max(2, round(min(canvas.size) / 150))
        for edit in self.people:
            pts = edit.person.points
            for a, b in SKELETON:
                if a in pts and b in pts and min(pts[a][2], pts[b][2]) >= LANDMARK_CONFIDENCE:
                    draw.line([pts[a][:2], pts[b][:2]], fill=(0, 200, 255), width=max(1, radius // 2))
            if edit.source_polygon:
                draw.line([*edit.source_polygon, edit.source_polygon[0]], fill=(255, 200, 0), width=max(1, radius // 2))
            for name, (x, y, c) in pts.items():
                if c >= LANDMARK_CONFIDENCE:
                    colour = (255, 60, 60) if name in LANDMARK_NAMES[:17] else (60, 255, 60)
                    draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=colour)
        return canvas

    def explain(self, height: int = 412) -> Image.Image:
        """One strip showing the steps: input with landmarks and outline | source garment | predicted garment |
        blend weight (edit region) | result."""
        def grey(arr: np.ndarray) -> Image.Image:
            return Image.fromarray((np.clip(arr, 0, 1) * 255).astype(np.uint8)).convert("RGB")

        panels = [self.landmark_overlay(), grey(self.source_mask.astype(np.float32)),
                  grey(self.target_mask.astype(np.float32)), grey(self.alpha), self.image]
        titles = ["input + landmarks", "source garment", "predicted garment", "blend weight", "result"]
        panels = [p.resize((round(p.width * height / p.height), height), Image.BILINEAR) for p in panels]
        sheet = Image.new("RGB", (sum(p.width for p in panels), height), (255, 255, 255))
        draw = ImageDraw.Draw(sheet)
        x = 0
        for p, title in zip(panels, titles, strict=True):
            sheet.paste(p, (x, 0))
            draw.rectangle([x, 0, x + 6 * len(title) + 6, 14], fill=(255, 255, 255))
            draw.text((x + 3, 2), title, fill=(0, 0, 0))
            x += p.width
        return sheet

    def side_by_side(self, overlay: bool = False) -> Image.Image:
        """Input (optionally with the landmark overlay) and result next to each other."""
        left = self.landmark_overlay() if overlay else self.source
        sheet = Image.new("RGB", (left.width * 2, left.height), (0, 0, 0))
        sheet.paste(left, (0, 0))
        sheet.paste(self.image, (left.width, 0))
        return sheet


# ---------------------------------------------------------------------------------------------------------------
# The pipeline
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class _Job:
    """One person of one photo on its way through the generator."""

    photo: int
    edit: PersonEdit
    image: torch.Tensor  # (3, h, w) in [-1, 1], model resolution
    attention: torch.Tensor  # (C, h, w)
    texture: torch.Tensor | None = None
    output: torch.Tensor | None = None  # (3, h, w) in [-1, 1]
    mask: torch.Tensor | None = None  # (1, h, w) probability


class DesignGANPipeline:
    """Garment translation of photos; build it with :meth:`from_pretrained`."""

    def __init__(self, spec: TranslatorSpec, generators: dict[str, nn.Module], landmarks: Any = None,
                 precision: str = "auto", channels_last: bool = True, compile: bool = False,
                 threads: int | None = None, device: str | torch.device = "auto") -> None:
        """``precision``: "auto" (the default) is bf16 where the hardware has native bf16 (a CUDA GPU, a CPU with
        AMX or AVX512_BF16) and fp32 elsewhere (:func:`designgan.hardware.resolve_precision`; on a CPU without
        native bf16, bf16 was measured 2.4x slower). "bf16" runs the generator with bf16 weights and activations
        and the landmark network under bf16 autocast, "autocast" the generator with fp32 weights under bf16
        autocast, "fp32" both plainly. ``device``: "auto" (CUDA when available), "cpu", "cuda"; the networks run
        there, landmark-to-mask geometry, texture refinement and composition on the CPU. ``compile``
        (torch.compile: about a minute once per batch shape, cached on disk) fuses the norm/pad/activation chains.
        ``bench translate`` measures the choices.
        """
        from designgan.hardware import resolve_device, resolve_precision

        if precision not in ("auto", "bf16", "autocast", "fp32"):
            raise DesignGANError(f"precision must be 'auto', 'bf16', 'autocast' or 'fp32', got {precision!r}")
        self.spec = spec
        self.device = device if isinstance(device, torch.device) else resolve_device(device)
        self.precision_choice = precision
        self.precision = precision if precision == "autocast" else resolve_precision(precision, self.device)
        self.dtype = torch.bfloat16 if self.precision == "bf16" else torch.float32
        self.memory_format = torch.channels_last if channels_last else torch.contiguous_format
        if threads:
            torch.set_num_threads(threads)
        self.generators = {k: g.eval().requires_grad_(False).to(self.device, self.dtype)
                           .to(memory_format=self.memory_format) for k, g in generators.items()}
        self._run = {k: torch.compile(g, dynamic=False) if compile else g for k, g in self.generators.items()}
        self._landmarks = landmarks

    def describe(self) -> str:
        """One line for logs: device, threads, the precision chosen and why (``precision auto -> bf16``)."""
        from designgan.hardware import describe

        line = describe(self.device, self.precision)
        if self.precision_choice == "auto":
            line = line.replace(f"precision {self.precision}", f"precision auto -> {self.precision}")
            forced = os.environ.get("DESIGNGAN_CPU_BF16")
            if self.device.type == "cpu" and forced in ("0", "1"):
                line += f" (forced by DESIGNGAN_CPU_BF16={forced})"
        return line

    # -- construction -------------------------------------------------------------------------------------------
    @classmethod
    def from_pretrained(cls, name_or_dir: str | Path, landmarks: Any = None, domains: Sequence[str] | None = None,
                        **kwargs: Any) -> DesignGANPipeline:
        """Load a bundled model by name, a saved model (``save_pretrained``) or a training run's folder.

        ``landmarks``: a :class:`~designgan.landmarks.predict.LandmarkPredictor`, a path to landmark weights, or
        None for the shipped landmark network (loaded on first use). ``domains`` overrides the category names.
        """
        spec, generators = load_translator(name_or_dir, domains)
        return cls(spec, generators, landmarks=landmarks, **kwargs)

    def save_pretrained(self, path: str | Path) -> Path:
        """Write ``translator.safetensors`` (both generators, 16-bit) + ``translator.json`` into folder ``path``
        (or to ``path`` itself when it ends in ``.safetensors``)."""
        path = Path(path)
        weights = path if path.suffix == ".safetensors" else path / f"{SAVED_STEM}.safetensors"
        # fp16 halves the file; a bf16 pipeline keeps bf16 (fp16 could overflow what bf16 holds).
        half = torch.bfloat16 if self.dtype == torch.bfloat16 else torch.float16
        state = {f"{prefix}.{k}": v.detach().to("cpu", half).contiguous() if v.is_floating_point() else v.cpu()
                 for prefix, g in self.generators.items() for k, v in g.state_dict().items()}
        weights.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(weights) as tmp:
            save_file(state, str(tmp), metadata={"format": TRANSLATOR_FORMAT})
        write_json_atomic(weights.with_suffix(".json"), {"format": TRANSLATOR_FORMAT, "version": 1,
                                                        "domains": list(self.spec.domains),
                                                        "config": to_dict(self.spec.config)})
        return weights

    @property
    def categories(self) -> tuple[str, str]:
        return self.spec.domains

    @property
    def model_size(self) -> tuple[int, int]:
        return self.spec.size

    @property
    def texture_channels(self) -> int:
        return int(getattr(self.generators["G_AB"], "texture_channels", 0))

    @property
    def landmarks(self) -> Any:
        """The landmark predictor, loaded on first use."""
        if self._landmarks is None or isinstance(self._landmarks, str | Path):
            from designgan.landmarks.predict import DEFAULT_WEIGHTS, LandmarkPredictor

            path = Path(self._landmarks) if self._landmarks is not None else DEFAULT_WEIGHTS
            if not path.is_file():
                raise DesignGANError(f"{path}: landmark weights not found (the landmark network is not shipped "
                                     "yet; train one with 'designgan landmarks train --export', or pass landmarks)")
            # the landmark network follows the pipeline's device and precision (bf16 autocast only where native)
            self._landmarks = LandmarkPredictor.load(path, bf16=self.precision != "fp32", device=self.device)
        return self._landmarks

    def direction(self, to: str) -> tuple[str, str, str]:
        """(generator key, source category, target category) for translating into ``to``."""
        a, b = self.spec.domains

        # a group domain ('jeans+pants') answers to each member's name too; 'Skirt' is 'skirt'
        wanted = to.strip().lower()
        if wanted in [n.lower() for n in (b, *category_members(b))]:
            return "G_AB", a, b
        if wanted in [n.lower() for n in (a, *category_members(a))]:
            return "G_BA", b, a
        raise DesignGANError(f"this model translates between '{a}' and '{b}'; cannot translate to '{to}'")

    # -- running ------------------------------------------------------------------------------------------------
    def __call__(self, image: Image.Image | str | Path, to: str, texture: Image.Image | str | Path | None = None,
                 **kwargs: Any) -> PipelineOutput:
        """Translate one photo's garment into category ``to`` (see :meth:`translate_batch` for the options)."""
        return self.translate_batch([image], to, texture, **kwargs)[0]

    def translate_batch(
        self,
        images: Sequence[Image.Image | str | Path],
        to: str,
        texture: Image.Image | str | Path | None = None,
        *,
        landmarks: Sequence[Any] | None = None,
        garment_masks: Sequence[np.ndarray | None] | None = None,
        all_people: bool = False,
        refine_steps: int | None = None,
        refine_lr: float = 0.05,
        keep_texture: bool = True,
        seed: int = 0,
        return_errors: bool = False,
    ) -> list[PipelineOutput]:
        """Translate several photos at once (one generator batch).

        Args:
            images: PIL images or paths (paths go through :func:`designgan.io.load_image`).
            to: target category (one of :attr:`categories`).
            texture: fabric image for the new garment (texture customisation); None keeps the source texture.
            landmarks: per photo, landmarks to use instead of running the landmark network: a ``LandmarkResult``,
                a ``{name: (x, y, conf)}`` dict, or a list of those (several people).
            garment_masks: per photo, a bool (H, W) source garment mask to use instead of the landmark outline.
            all_people: edit every person found, not only the most prominent one.
            refine_steps: test-time refinement steps with the style loss against the fabric, or without one
                against the source garment's own texture (default: 0 for a texture-conditioned generator, which
                takes the texture as an input, 30 otherwise).
            keep_texture: without ``texture``, refine the new garment towards the source garment's texture (the
                paper's style loss at test time); False gives the generator's raw output.
            return_errors: put a photo's :class:`DesignGANError` (unreadable, no person...) in its place in the
                returned list instead of raising, so one bad photo does not stop a batch.
        Raises:
            NoPersonError: no person or no garment region was found in a photo.
        """
        tic = time.perf_counter()
        key, source_cat, target_cat = self.direction(to)
        fabric = self._as_image(texture) if texture is not None else None
        n = len(images)
        failed: dict[int, DesignGANError] = {}
        photos: list[Image.Image | None] = []
        for i, x in enumerate(images):
            try:
                photos.append(self._as_image(x))
            except DesignGANError as exc:
                if not return_errors:
                    raise
                failed[i] = exc
                photos.append(None)
        t_decode = time.perf_counter() - tic

        tic = time.perf_counter()
        has_mask = [garment_masks is not None and garment_masks[i] is not None for i in range(n)]
        people_per_photo, warnings = self._people(photos, landmarks, all_people, failed, return_errors, has_mask)
        t_landmarks = time.perf_counter() - tic

        tic = time.perf_counter()
        jobs: list[_Job] = []
        source_masks: dict[int, np.ndarray] = {}
        for i, photo in enumerate(photos):
            if i in failed or photo is None:
                continue
            given = garment_masks[i] if garment_masks is not None else None
            try:
                photo_jobs, source_masks[i] = self._prepare(i, photo, people_per_photo[i], source_cat, given, fabric)
            except DesignGANError as exc:
                if not return_errors:
                    raise
                failed[i] = exc
                continue
            jobs += photo_jobs
        t_prepare = time.perf_counter() - tic

        tic = time.perf_counter()
        self._generate(key, jobs)
        if fabric is not None or keep_texture:
            steps = refine_steps if refine_steps is not None else (0 if self.texture_channels else 30)
            if steps > 0:
                self._refine(jobs, fabric, steps, refine_lr, seed)
        t_generate = time.perf_counter() - tic

        tic = time.perf_counter()
        outputs: list[PipelineOutput | DesignGANError] = []
        for i, photo in enumerate(photos):
            if i in failed or photo is None:
                outputs.append(failed[i])
                continue
            mine = [j for j in jobs if j.photo == i]
            result, target_mask, alpha = self._compose(photo, source_masks[i], mine)
            outputs.append(PipelineOutput(
                image=result, source=photo, source_category=source_cat, target_category=target_cat,
                source_mask=source_masks[i], target_mask=target_mask, alpha=alpha, people=[j.edit for j in mine],
                model=self.spec.name, warnings=warnings[i]))
        t_compose = time.perf_counter() - tic
        for out in outputs:
            if isinstance(out, PipelineOutput):
                out.timings = {"decode": t_decode / n, "landmarks": t_landmarks / n, "prepare": t_prepare / n,
                               "generator": t_generate / n, "compose": t_compose / n}
        return outputs  # type: ignore[return-value]

    # -- steps --------------------------------------------------------------------------------------------------
    @staticmethod
    def _as_image(x: Image.Image | str | Path | np.ndarray) -> Image.Image:
        if isinstance(x, str | Path):
            return load_image(x)
        if isinstance(x, np.ndarray):
            x = Image.fromarray(x)
        if not isinstance(x, Image.Image):
            raise DesignGANError(f"expected an image or a path, got {type(x).__name__}")
        return x if x.mode == "RGB" else to_rgb(x)

    def _people(self, photos: list[Image.Image | None], given: Sequence[Any] | None, all_people: bool,
                failed: dict[int, DesignGANError], return_errors: bool, has_mask: list[bool]
                ) -> tuple[list[list[Person]], list[list[str]]]:
        """The people to edit in each photo (most prominent first), and per-photo warnings.

        A photo with no person found but a garment mask given is still edited: the whole photo is the crop and
        the landmark heatmaps are empty.
        """
        warnings: list[list[str]] = [[] for _ in photos]
        found: list[list[Person]] = [[] for _ in photos]
        if given is not None:
            if len(given) != len(photos):
                raise DesignGANError(f"got landmarks for {len(given)} photos but {len(photos)} photos")
            for i, g in enumerate(given):
                if g is not None:
                    found[i] = [Person.from_landmarks(p) for p in (g if isinstance(g, list | tuple) else [g])]
        todo = [i for i, p in enumerate(photos) if p is not None and i not in failed and not found[i]]
        if todo:
            for i in todo:
                found[i] = self.detect_people(photos[i])  # type: ignore[arg-type]
                w, h = photos[i].size  # type: ignore[union-attr]
                if not strips_cover(w, h):
                    warnings[i].append(f"the photo is {w / h:.0f} times wider than tall: people were searched for "
                                       f"in {MAX_STRIPS} strips spread across it, and one standing between two "
                                       "strips may be missed")
        people = []
        for i, candidates in enumerate(found):
            seen = sorted((p for p in candidates if p.found), key=lambda p: p.size(), reverse=True)
            if not seen and has_mask[i]:
                seen = [Person({}, found=False, confidence=0.0)]
                warnings[i].append("no person found; edited the given garment mask without landmark attention")
            elif not seen and photos[i] is not None and i not in failed:
                error = NoPersonError("no person found in the photo (the landmark network's torso confidence is "
                                      "too low)")
                if not return_errors:
                    raise error
                failed[i] = error
            people.append(seen if all_people else seen[:1])
        return people, warnings

    def detect_people(self, photo: Image.Image) -> list[Person]:
        """Every person the landmark network can find, most confident first.

        The network regresses ONE person per input. A portrait photo is read whole; a wide photo (where people
        stand side by side) is also read in overlapping person-shaped strips, and the people found are merged
        (same torso centre = same person). People overlapping in depth within one strip are not separated.
        """
        w, h = photo.size
        offsets = strip_offsets(w, h)
        whole = Person.from_landmarks(self.landmarks.predict_many([photo])[0])
        strips = []
        for start in range(0, len(offsets), STRIP_BATCH):  # a few strips at a time: memory stays bounded
            chunk = offsets[start:start + STRIP_BATCH]
            crops = [photo.crop((x, 0, x + min(w, round(STRIP_ASPECT * h)), h)) for x in chunk]
            predictions = self.landmarks.predict_many(crops)
            strips += [Person.from_landmarks(p).shifted(x, 0) for x, p in zip(chunk, predictions, strict=True)]
        strips = merge_people(strips)
        if not any(p.found for p in strips):
            return [whole]
        # Read whole, a wide photo of two people can give one chimera between them: trust the strips, and the
        # whole-photo reading only where it agrees with one of them.
        return merge_people([*strips, whole], only_near=strips)

    def _prepare(self, index: int, photo: Image.Image, people: list[Person], source_cat: str,
                 given_mask: np.ndarray | None, fabric: Image.Image | None) -> tuple[list[_Job], np.ndarray]:
        cfg = self.spec.config
        mh, mw = self.model_size
        w, h = photo.size
        rgb = np.asarray(photo)
        if given_mask is not None:
            given_mask = np.asarray(given_mask).astype(bool)
            if given_mask.shape != (h, w):
                raise DesignGANError(f"garment mask is {given_mask.shape[1]}x{given_mask.shape[0]}, photo is {w}x{h}")
        source_mask = np.zeros((h, w), dtype=bool)
        jobs = []
        for person in people:
            if given_mask is not None:
                mask, polygon = given_mask, None
            else:
                mask, polygon = garment_region(person.points, source_cat, (w, h))
            if mask is None or not mask.any():
                continue
            source_mask |= mask
            frame = None
            if cfg.data.frame == "lower":
                framed = _frame_crop(rgb, mask, person.points, (mh, mw))
                if framed is None:
                    continue
                image, garment, frame, box = framed
                to_model = frame
            else:
                box = crop_box(person_box(person.points), (w, h), (mh, mw))
                crop = crop_padded(rgb, box)
                crop_mask = crop_padded(mask[..., None].astype(np.uint8) * 255, box)[..., 0]
                image = torch.from_numpy(np.asarray(Image.fromarray(crop).resize((mw, mh), Image.BICUBIC)).copy())
                image = image.permute(2, 0, 1).float() / 127.5 - 1
                garment = torch.from_numpy(np.asarray(Image.fromarray(crop_mask).resize((mw, mh), Image.BILINEAR))
                                           .copy())
                garment = (garment.float() / 255.0 > 0.5).float()[None]
                to_model = box_matrix(box, (mh, mw))
            channels = [garment]
            if cfg.data.landmarks != "none":
                channels.append(self._heatmaps(person, to_model))
            texture = None
            if self.texture_channels:
                # no user fabric: a texture-conditioned generator gets the source garment's own fabric (as in
                # training), so the new garment keeps the old texture
                texture = (tile_texture(fabric, (mh, mw)) if fabric is not None
                           else garment_texture(image.clamp(-1, 1)[None], garment[None])[0][0])
            jobs.append(_Job(index, PersonEdit(person, box, polygon, frame),
                             image.clamp(-1, 1), torch.cat(channels), texture))
            if given_mask is not None:
                break  # one given mask describes the photo's garment; it is edited once
        if not jobs:
            raise NoPersonError(f"no {source_cat} region found on the person (the garment and leg landmarks are not "
                                "confident enough); pass a garment mask")
        return jobs, source_mask

    def _heatmaps(self, person: Person, to_model: np.ndarray) -> torch.Tensor:
        """The landmark heatmap channels of the attention stack, at model resolution; ``to_model`` maps photo
        pixels to model pixels (pixel centres at integers, as the training transforms place keypoints)."""
        cfg = self.spec.config.data
        mh, mw = self.model_size
        points = [person.points.get(name, (0.0, 0.0, 0.0)) for name in cfg.heatmap_names]
        xy = torch.from_numpy(apply(to_model, np.array([p[:2] for p in points], dtype=np.float64))).float()
        keep = torch.tensor([float(p[2] >= cfg.min_confidence) for p in points])
        heat = render_gaussians(xy, mh, mw, sigma=max(1.0, cfg.heatmap_sigma * mh))
        return heat * keep[:, None, None]

    @torch.no_grad()
    def _generate(self, key: str, jobs: list[_Job], batch_size: int = 8) -> None:
        g = self._run[key]

        def batch(tensors: list[torch.Tensor]) -> torch.Tensor:
            return torch.stack(tensors).to(self.device, self.dtype).contiguous(memory_format=self.memory_format)

        for start in range(0, len(jobs), batch_size):
            chunk = jobs[start:start + batch_size]
            image, attention = batch([j.image for j in chunk]), batch([j.attention for j in chunk])
            with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.precision == "autocast"):
                if chunk[0].texture is not None:
                    out = g(image, attention, batch([j.texture for j in chunk]))  # type: ignore[misc]
                else:
                    out = g(image, attention)
            mask = out.mask if out.mask is not None else attention[:, :1]
            for j, img, m in zip(chunk, out.image.float().cpu(), mask.float().cpu(), strict=True):
                j.output, j.mask = img.clamp(-1, 1), m

    def _refine(self, jobs: list[_Job], fabric: Image.Image | None, steps: int, lr: float, seed: int) -> None:
        """Few-step test-time refinement: a residual on the garment pixels, fitted with the style loss against the
        fabric, or (no fabric) against each person's own source garment (see :func:`refine_texture`)."""
        size = tuple(self.spec.config.loss.style_size)
        shared = fabric_patch(fabric, size) if fabric is not None else None  # type: ignore[arg-type]
        weight = inverse_centre_weight(size, self.spec.config.loss.style_floor, self.spec.config.loss.style_power)
        generator = torch.Generator().manual_seed(seed)
        for job in jobs:
            assert job.output is not None and job.mask is not None
            base, mask = job.output[None].float(), (job.mask[None] > 0.5).float()
            reference = shared if shared is not None else source_texture_patch(job.image, job.attention[:1], size)
            if reference is None or not mask.any():
                continue
            noise = torch.randn(base.shape, generator=generator) * 1e-3
            job.output = refine_texture(base, mask, reference, weight, steps, lr, noise)[0]

    def _compose(self, photo: Image.Image, source_mask: np.ndarray, jobs: list[_Job]
                 ) -> tuple[Image.Image, np.ndarray, np.ndarray]:
        """Paste each person's output back at full resolution, only inside the feathered edit region."""
        loss_cfg = self.spec.config.loss
        mh, _ = self.model_size
        rgb = np.asarray(photo)
        h, w = rgb.shape[:2]
        result = rgb.copy()
        target_mask = np.zeros((h, w), dtype=bool)
        alpha_full = np.zeros((h, w), dtype=np.float32)
        for job in jobs:
            assert job.output is not None and job.mask is not None
            x0, y0, x1, y1 = job.edit.box
            # Only the part of the crop inside the photo matters.
            ix0, iy0, ix1, iy1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
            if ix0 >= ix1 or iy0 >= iy1:
                continue
            # Photo pixels per model pixel: the composition margins are set at model resolution.
            frame = job.edit.frame
            scale = (y1 - y0) / mh if frame is None else 1 / math.sqrt(abs(np.linalg.det(frame[:, :2])))
            dilate, feather = max(1, round(loss_cfg.dilate * scale)), max(1, round(loss_cfg.feather * scale))
            # Work only in a window around the garments: the rest of the crop cannot change.
            window = _edit_window(job, source_mask, (ix0, iy0, ix1, iy1), dilate + feather + math.ceil(2 * scale))
            if window is None:
                continue
            ix0, iy0, ix1, iy1 = window
            if frame is None:
                out = _resample(job.output, job.edit.box, window, "bicubic")
                pred = _resample(job.mask, job.edit.box, window, "bilinear")
            else:  # back from the garment frame into the window's photo pixels
                to_window = invert(frame) - np.array([[0, 0, ix0], [0, 0, iy0]])
                size = (iy1 - iy0, ix1 - ix0)
                out = warp(job.output[None], to_window, size, mode="bicubic")[0]
                pred = warp(job.mask[None], to_window, size, padding_mode="zeros")[0]
            src_mask = torch.from_numpy(source_mask[iy0:iy1, ix0:ix1].copy()).float()[None]
            alpha = separable_edit_alpha(src_mask[None], pred[None], dilate=dilate, feather=feather)[0, 0].numpy()
            region = alpha > 0
            patch = torch.from_numpy(result[iy0:iy1, ix0:ix1])  # a view: writing it writes the result
            a = torch.from_numpy(alpha)[..., None]
            new = (out.permute(1, 2, 0) + 1) * 127.5
            blended = (a * new + (1 - a) * patch).round_().clamp_(0, 255).to(torch.uint8)
            # Where the weight is 0 the input's bytes are kept as they are, not recomputed.
            patch.copy_(torch.where(torch.from_numpy(region)[..., None], blended, patch))
            target_mask[iy0:iy1, ix0:ix1] |= pred[0].numpy() > 0.5
            alpha_full[iy0:iy1, ix0:ix1] = np.maximum(alpha_full[iy0:iy1, ix0:ix1], alpha)
        return Image.fromarray(result), target_mask, alpha_full
