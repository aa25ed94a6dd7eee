"""The rendered prior: the target garment drawn from the landmarks in the lower-body garment frame, no learning.

Given a frame crop (see :mod:`designgan.landmarks.frame`), its source garment mask and the landmark heatmaps, it
draws what a translator should roughly produce:

1. the background where the source garment was, filled from the pixels around it (pull-push: masked averages
   over ever coarser grids, then back up), so no old cloth shows where the new garment does not reach;
2. legs in the person's own skin colour, as thick strokes knee -> ankle (skirt target), from the skin around the
   wrists (hands) that the landmarks locate; with no hand visible, a mid skin-tone swatch (a known weakness);
3. the target garment's silhouette (a knee-length flared skirt, or two trouser legs hip -> knee -> ankle) filled
   with the source garment's own fabric tiled (``models.texture.garment_texture``).

It has the generator's interface (``forward(image, attention) -> GeneratorOutput``), so the inference pipeline
runs it in place of a network: the "prior only" baseline of ``designgan compare`` (``--runs prior``), and the
starting point a learnt translator has to beat.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageDraw
from torch import nn

from designgan.models.generator import GeneratorOutput
from designgan.models.texture import garment_texture

SKIN_SWATCH = (0.78, 0.60, 0.50)  # RGB in [0, 1]: used when no hand is visible
POINTS = ("left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle", "left_wrist", "right_wrist")


def fill_from_surroundings(image: torch.Tensor, hole: torch.Tensor, levels: int = 8) -> torch.Tensor:
    """``image`` (B, C, H, W) with the pixels where ``hole`` (B, 1, H, W) is 1 replaced by a smooth fill from
    the pixels around them (pull-push inpainting)."""
    valid = 1 - hole.float()
    pyramid = [(image * valid, valid)]
    for _ in range(levels):
        img, val = pyramid[-1]
        if min(img.shape[-2:]) < 2:
            break
        pyramid.append((F.avg_pool2d(img, 2, ceil_mode=True), F.avg_pool2d(val, 2, ceil_mode=True)))
    img, val = pyramid[-1]
    filled = img / val.clamp(min=1e-6)
    for img, val in reversed(pyramid[:-1]):
        up = F.interpolate(filled, size=img.shape[-2:], mode="bilinear", align_corners=False)
        known = img / val.clamp(min=1e-6)
        weight = val.clamp(max=1)
        filled = weight * known + (1 - weight) * up
    return image * valid + filled * (1 - valid)


def _peaks(heatmaps: torch.Tensor, names: Sequence[str]) -> dict[str, tuple[float, float] | None]:
    """Each wanted landmark's heatmap peak (x, y), or None when its channel is empty (not seen)."""
    out: dict[str, tuple[float, float] | None] = {}
    w = heatmaps.shape[-1]
    for name in POINTS:
        if name not in names:
            out[name] = None
            continue
        channel = heatmaps[names.index(name)]
        if float(channel.max()) < 0.5:
            out[name] = None
            continue
        y, x = divmod(int(channel.argmax()), w)
        out[name] = (float(x), float(y))
    return out


def _pair(p: dict, a: str, b: str) -> tuple[np.ndarray, np.ndarray] | None:
    return (np.array(p[a]), np.array(p[b])) if p[a] is not None and p[b] is not None else None


class PriorRenderer(nn.Module):
    """Renders the target garment family (``skirt`` or ``trousers``) in the lower-body frame (module docstring)."""

    def __init__(self, target_family: str, heatmap_names: Sequence[str]) -> None:
        super().__init__()
        if target_family not in ("skirt", "trousers"):
            raise ValueError(f"the prior draws skirts and trousers, not '{target_family}'")
        self.target_family = target_family
        self.heatmap_names = list(heatmap_names)
        self.attention_channels = 1 + len(self.heatmap_names)
        self.has_mask_head = True
        self.texture_channels = 0

    def forward(self, image: torch.Tensor, attention: torch.Tensor) -> GeneratorOutput:
        x = image.float()
        garment = (attention[:, :1].float() > 0.5).float()
        fabric, _ = garment_texture(x, garment)
        images, logits = [], []
        for i in range(x.shape[0]):
            points = _peaks(attention[i, 1:].float(), self.heatmap_names)
            target = self._silhouette(points, x.shape[-2:])
            background = fill_from_surroundings(x[i:i + 1], garment[i:i + 1])[0]
            canvas = background.clone()
            if self.target_family == "skirt":
                legs = self._legs(points, x.shape[-2:])
                skin = self._skin_colour(x[i], garment[i, 0], points).to(x)
                canvas = torch.where(legs[None] > 0, skin[:, None, None], canvas)
            canvas = torch.where(target[None] > 0, fabric[i], canvas)
            images.append(canvas)
            logits.append((target[None] * 2 - 1) * 8)
        out = torch.stack(images).clamp(-1, 1).to(image.dtype)
        return GeneratorOutput(image=out, mask_logits=torch.stack(logits).to(image.dtype))

    def _silhouette(self, p: dict, size: tuple[int, int]) -> torch.Tensor:
        h, w = size
        canvas = Image.new("L", (w, h), 0)
        draw = ImageDraw.Draw(canvas)
        hips = _pair(p, "left_hip", "right_hip")
        if hips is None:
            return torch.zeros(h, w)
        centre = (hips[0] + hips[1]) / 2
        half = max(abs(hips[0][0] - hips[1][0]) / 2, 0.08 * w)
        knees = _pair(p, "left_knee", "right_knee")
        knee_y = (knees[0][1] + knees[1][1]) / 2 if knees is not None else centre[1] + 0.35 * h
        top = centre[1] - 0.06 * h
        if self.target_family == "skirt":
            hem = knee_y + 0.03 * h
            top_half, hem_half = 1.25 * half, 1.25 * half * 1.5
            draw.polygon([(centre[0] - top_half, top), (centre[0] + top_half, top),
                          (centre[0] + hem_half, hem), (centre[0] - hem_half, hem)], fill=255)
        else:
            ankles = _pair(p, "left_ankle", "right_ankle")
            for side in (0, 1):
                hip = hips[side]
                knee = knees[side] if knees is not None else np.array([hip[0], knee_y])
                ankle = ankles[side] if ankles is not None else knee + (knee - hip)
                widths = (1.1 * half, 0.75 * half, 0.6 * half)
                left = [(pt[0] - wd, pt[1]) for pt, wd in zip((hip, knee, ankle), widths, strict=True)]
                right = [(pt[0] + wd, pt[1]) for pt, wd in zip((hip, knee, ankle), widths, strict=True)]
                draw.polygon([(hip[0] - widths[0], top), (hip[0] + widths[0], top), *right[1:],
                              *reversed(left[1:])], fill=255)
        return torch.from_numpy(np.asarray(canvas, dtype=np.float32) / 255)

    def _legs(self, p: dict, size: tuple[int, int]) -> torch.Tensor:
        h, w = size
        canvas = Image.new("L", (w, h), 0)
        draw = ImageDraw.Draw(canvas)
        width = max(2, round(0.07 * h))
        for side in ("left", "right"):
            knee, ankle = p[f"{side}_knee"], p[f"{side}_ankle"]
            if knee is not None and ankle is not None:
                draw.line([knee, ankle], fill=255, width=width)
                for end in (knee, ankle):
                    r = width / 2
                    draw.ellipse([end[0] - r, end[1] - r, end[0] + r, end[1] + r], fill=255)
        return torch.from_numpy(np.asarray(canvas, dtype=np.float32) / 255)

    @staticmethod
    def _skin_colour(image: torch.Tensor, garment: torch.Tensor, p: dict) -> torch.Tensor:
        """Median colour near the visible wrists (the hands), outside the garment; else the swatch. [-1, 1]."""
        h, w = image.shape[-2:]
        radius = max(2, round(0.025 * h))
        ys, xs = torch.meshgrid(torch.arange(h), torch.arange(w), indexing="ij")
        near = torch.zeros(h, w, dtype=torch.bool)
        for name in ("left_wrist", "right_wrist"):
            if p[name] is not None:
                x, y = p[name]
                near |= (xs - x) ** 2 + (ys - y) ** 2 <= radius ** 2
        near &= garment < 0.5
        if int(near.sum()) >= 12:
            return image[:, near].median(dim=1).values
        return torch.tensor(SKIN_SWATCH) * 2 - 1
