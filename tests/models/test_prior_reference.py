"""The batched rendered prior against its first, per-sample PIL implementation (kept below as the reference).

`designgan.models.prior` rasterises the silhouettes and legs in torch for the whole batch; these tests render
varied cases (poses, missing points, left/right flipped, both families, the CPU and GPU frame sizes) both ways
and require: per-sample silhouette and leg IoU >= 0.97, skin colours within 1e-3, and >= 98% of each output's
pixels equal within 1e-4. The torch rasterisers reproduce Pillow's, so in practice the masks come out identical;
the rasterisers are also checked for exact equality against Pillow on random shapes.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw
from torch import nn

from designgan.landmarks.heatmaps import render_gaussians
from designgan.landmarks.schema import BODY_NAMES
from designgan.models.generator import GeneratorOutput
from designgan.models.prior import (
    POINTS,
    PriorRenderer,
    fill_from_surroundings,
    fill_polygons,
    landmark_peaks,
    wide_lines,
)
from designgan.models.texture import garment_texture
from tests.models.test_prior import frame_inputs

NAMES = list(BODY_NAMES)

# ==================================================================================================================
# REFERENCE ONLY -- the PIL implementation of PriorRenderer as it was before batching (commit ee6a5ac), verbatim
# but for names. It loops over the batch, draws on the host and syncs per landmark: do not use it anywhere else.
# ==================================================================================================================
_SKIN_SWATCH = (0.78, 0.60, 0.50)


def _reference_peaks(heatmaps: torch.Tensor, names: Sequence[str]) -> dict[str, tuple[float, float] | None]:
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


def _reference_pair(p: dict, a: str, b: str) -> tuple[np.ndarray, np.ndarray] | None:
    return (np.array(p[a]), np.array(p[b])) if p[a] is not None and p[b] is not None else None


class ReferencePriorRenderer(nn.Module):
    def __init__(self, target_family: str, heatmap_names: Sequence[str]) -> None:
        super().__init__()
        self.target_family = target_family
        self.heatmap_names = list(heatmap_names)

    def forward(self, image: torch.Tensor, attention: torch.Tensor) -> GeneratorOutput:
        x = image.float()
        garment = (attention[:, :1].float() > 0.5).float()
        fabric, _ = garment_texture(x, garment)
        images, logits = [], []
        for i in range(x.shape[0]):
            points = _reference_peaks(attention[i, 1:].float(), self.heatmap_names)
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
        hips = _reference_pair(p, "left_hip", "right_hip")
        if hips is None:
            return torch.zeros(h, w)
        centre = (hips[0] + hips[1]) / 2
        half = max(abs(hips[0][0] - hips[1][0]) / 2, 0.08 * w)
        knees = _reference_pair(p, "left_knee", "right_knee")
        knee_y = (knees[0][1] + knees[1][1]) / 2 if knees is not None else centre[1] + 0.35 * h
        top = centre[1] - 0.06 * h
        if self.target_family == "skirt":
            hem = knee_y + 0.03 * h
            top_half, hem_half = 1.25 * half, 1.25 * half * 1.5
            draw.polygon([(centre[0] - top_half, top), (centre[0] + top_half, top),
                          (centre[0] + hem_half, hem), (centre[0] - hem_half, hem)], fill=255)
        else:
            ankles = _reference_pair(p, "left_ankle", "right_ankle")
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
        return torch.tensor(_SKIN_SWATCH) * 2 - 1
# ==================================================================================================================
# end of the reference
# ==================================================================================================================

# Frame positions as fractions of (w, h), person's left on the image's right (as the frame puts it).
POSE = {"left_hip": (0.60, 0.20), "right_hip": (0.40, 0.20), "left_knee": (0.60, 0.55), "right_knee": (0.40, 0.55),
        "left_ankle": (0.60, 0.90), "right_ankle": (0.40, 0.90), "left_wrist": (0.88, 0.32),
        "right_wrist": (0.12, 0.32)}
# One scenario per sample: which points are hidden, and what else is odd about it.
SCENARIOS: list[tuple[str, tuple[str, ...]]] = [
    ("plain", ()), ("flipped", ()), ("no hips", ("left_hip", "right_hip")),
    ("no knees", ("left_knee", "right_knee")), ("no ankles", ("left_ankle", "right_ankle")),
    ("one knee", ("left_knee",)), ("one ankle", ("right_ankle",)), ("no wrists", ("left_wrist", "right_wrist")),
    ("one wrist", ("right_wrist",)), ("wrists on the garment", ()), ("knees above the hips", ()),
    ("cut at the shins", ()), ("narrow hips, no knees or ankles", ("left_knee", "right_knee", "left_ankle",
                                                                    "right_ankle")),
    ("wide stance, fractional points", ()), ("hips only", ("left_knee", "right_knee", "left_ankle",
                                                            "right_ankle", "left_wrist", "right_wrist")),
    ("crossed legs", ()),
]


def cases(h: int, w: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """A batch of len(SCENARIOS) frames: noisy background, a garment block in denim, skin-coloured hands."""
    g = torch.Generator().manual_seed(seed)
    b = len(SCENARIOS)
    image = torch.rand(b, 3, h, w, generator=g) * 1.6 - 0.8
    garment = torch.zeros(b, 1, h, w)
    xy = torch.full((b, len(NAMES), 2), -1000.0)
    for i, (name, hidden) in enumerate(SCENARIOS):
        pose = {k: torch.tensor(v) * torch.tensor([w, h]) for k, v in POSE.items()}
        jitter = (torch.rand(len(pose), 2, generator=g) - 0.5) * torch.tensor([0.08 * w, 0.05 * h])
        for k, key in enumerate(pose):
            pose[key] = pose[key] + jitter[k]
            if name != "wide stance, fractional points":
                pose[key] = pose[key].round()
        if name == "flipped":
            pose = {k.replace("left", "R").replace("right", "left").replace("R", "right"): v for k, v in pose.items()}
        elif name == "wrists on the garment":
            pose["left_wrist"] = torch.tensor([0.55 * w, 0.45 * h]).round()
            pose["right_wrist"] = torch.tensor([0.45 * w, 0.45 * h]).round()
        elif name == "knees above the hips":
            pose["left_knee"][1], pose["right_knee"][1] = 0.12 * h, 0.10 * h
        elif name == "cut at the shins":
            pose["left_ankle"][1], pose["right_ankle"][1] = h + 1.0, h + 30.0  # one seen at the border, one gone
        elif name == "narrow hips, no knees or ankles":
            pose["left_hip"][0], pose["right_hip"][0] = 0.52 * w, 0.48 * w
        elif name == "wide stance, fractional points":
            for key in ("left_knee", "left_ankle"):
                pose[key][0] += 0.12 * w + 0.5
            for key in ("right_knee", "right_ankle"):
                pose[key][0] -= 0.12 * w + 0.5
        elif name == "crossed legs":
            pose["left_ankle"][0], pose["right_ankle"][0] = 0.35 * w, 0.65 * w
        for key, value in pose.items():
            if key not in hidden:
                xy[i, NAMES.index(key)] = value
        x0, x1 = int(0.28 * w) + i % 3, int(0.72 * w) - i % 2
        y0, y1 = int(0.15 * h), min(h, int(0.93 * h) + i)
        garment[i, :, y0:y1, x0:x1] = 1
        image[i, :, y0:y1, x0:x1] = torch.tensor([-0.8, -0.7, 0.4])[:, None, None] + 0.1 * image[i, :, y0:y1, x0:x1]
        for key in ("left_wrist", "right_wrist"):
            cx, cy = (int(v) for v in pose[key].round())
            r = max(3, round(0.04 * h))
            patch = image[i, :, max(0, cy - r):cy + r + 1, max(0, cx - r):cx + r + 1]
            patch.copy_(torch.tensor([0.7, 0.3, 0.1])[:, None, None] + 0.2 * patch)
    heat = render_gaussians(xy, h, w, sigma=max(1.0, 0.015 * h))
    return image.clamp(-1, 1), torch.cat([garment, heat], dim=1)


def iou(a: torch.Tensor, b: torch.Tensor) -> float:
    union = (a | b).sum()
    return 1.0 if union == 0 else float((a & b).sum() / union)


@pytest.mark.parametrize("size", [(152, 80), (256, 128)])
@pytest.mark.parametrize("family", ["skirt", "trousers"])
def test_batched_prior_matches_the_pil_reference(family: str, size: tuple[int, int]) -> None:
    image, attention = cases(*size, seed=size[0])
    new, ref = PriorRenderer(family, NAMES), ReferencePriorRenderer(family, NAMES)
    xy, seen = landmark_peaks(attention[:, 1:], NAMES)
    garment = (attention[:, :1] > 0.5).float()
    silhouettes, legs = new.silhouette(xy, seen, size), new.legs(xy, seen, size)
    skins = new.skin_colour(image, garment[:, 0], xy, seen)
    swatches = 0
    for i, (scenario, _) in enumerate(SCENARIOS):
        points = _reference_peaks(attention[i, 1:], NAMES)
        for j, name in enumerate(POINTS):
            assert bool(seen[i, j]) == (points[name] is not None), (scenario, name)
            if points[name] is not None:
                assert tuple(xy[i, j].tolist()) == points[name], (scenario, name)
        assert iou(silhouettes[i], ref._silhouette(points, size) > 0) >= 0.97, scenario
        assert iou(legs[i], ref._legs(points, size) > 0) >= 0.97, scenario
        skin = ref._skin_colour(image[i], garment[i, 0], points)
        assert torch.allclose(skins[i], skin, atol=1e-3), scenario
        swatches += bool(torch.allclose(skin, torch.tensor(_SKIN_SWATCH) * 2 - 1))
    assert 0 < swatches < len(SCENARIOS)  # both the hands' median and the swatch are exercised
    assert not silhouettes[2].any() and silhouettes[0].any()  # no hips: nothing drawn

    out, expected = new(image, attention), ref(image, attention)
    same = ((out.image - expected.image).abs() <= 1e-4).all(dim=1).flatten(1).float().mean(dim=1)
    assert same.min() >= 0.98, same
    assert out.mask_logits is not None and expected.mask_logits is not None
    assert torch.equal(out.mask_logits > 0, expected.mask_logits > 0)


def test_fill_polygons_is_pils_polygon_fill() -> None:
    rng = np.random.default_rng(0)
    h, w = 48, 40
    for k in range(3, 8):  # one batch of 40 polygons per vertex count
        polygons, expected = [], []
        for t in range(40):
            centre = rng.uniform(-5, 45, size=2)
            angles = np.sort(rng.uniform(0, 2 * np.pi, size=k)) if t % 2 else rng.uniform(0, 2 * np.pi, size=k)
            radii = rng.uniform(2, 30, size=k)
            pts = np.stack([centre[0] + radii * np.cos(angles), centre[1] + 1.3 * radii * np.sin(angles)], axis=1)
            if t % 3 == 0:
                pts[:, 1] = np.round(pts[:, 1] / 6) * 6  # horizontal edges
            canvas = Image.new("L", (w, h), 0)
            ImageDraw.Draw(canvas).polygon([tuple(p) for p in pts], fill=255)
            polygons.append(pts)
            expected.append(np.asarray(canvas) > 0)
        ours = fill_polygons(torch.tensor(np.stack(polygons)).view(4, 10, k, 2), h, w).view(40, h, w)
        for t in range(40):
            assert torch.equal(ours[t], torch.from_numpy(expected[t])), polygons[t].tolist()


def test_wide_lines_are_pils_round_capped_lines() -> None:
    rng = np.random.default_rng(1)
    h, w = 48, 40
    for width in (2, 3, 9, 11, 15, 18, 22, 29):  # odd and even, including the frame sizes' 9, 11 and 18
        ends = rng.integers(-3, [w + 3, h + 3], size=(30, 2, 2)).astype(float)
        ends[::6, 1] = ends[::6, 0]  # dots
        ours = wide_lines(torch.tensor(ends[:, 0]), torch.tensor(ends[:, 1]), width, h, w)
        for t, (a, b) in enumerate(ends):
            canvas = Image.new("L", (w, h), 0)
            draw = ImageDraw.Draw(canvas)
            draw.line([tuple(a), tuple(b)], fill=255, width=width)
            for end in (a, b):
                r = width / 2
                draw.ellipse([end[0] - r, end[1] - r, end[0] + r, end[1] + r], fill=255)
            assert torch.equal(ours[t], torch.from_numpy(np.asarray(canvas) > 0)), (a, b, width)


def test_skin_colour_matches_the_reference_around_the_12_pixel_threshold() -> None:
    """Random wrists (often overlapping, some at the border, some unseen) on a speckled garment that leaves about
    12 of the 29 pixels near a wrist free: both the median and the swatch branch, and pixels near both wrists."""
    g = torch.Generator().manual_seed(3)
    b, h, w = 200, 128, 64
    image = torch.rand(b, 3, h, w, generator=g) * 2 - 1
    garment = (torch.rand(b, h, w, generator=g) < 0.6).float()
    left = torch.randint(0, w, (b,), generator=g), torch.randint(0, h, (b,), generator=g)
    near = (torch.rand(b, 2, generator=g) * 9 - 4).round()  # the right wrist within 4 px of the left one
    right = (left[0] + near[:, 0]).clamp(0, w - 1), (left[1] + near[:, 1]).clamp(0, h - 1)
    xy = torch.zeros(b, len(POINTS), 2, dtype=torch.float64)
    xy[:, POINTS.index("left_wrist")] = torch.stack(left, dim=1).double()
    xy[:, POINTS.index("right_wrist")] = torch.stack(right, dim=1).double()
    seen = torch.rand(b, len(POINTS), generator=g) < 0.8
    skins = PriorRenderer.skin_colour(image, garment, xy, seen)
    swatch = torch.tensor(_SKIN_SWATCH) * 2 - 1
    medians = 0
    for i in range(b):
        points = {n: (tuple(xy[i, j].tolist()) if seen[i, j] else None) for j, n in enumerate(POINTS)}
        expected = ReferencePriorRenderer._skin_colour(image[i], garment[i], points)
        assert torch.allclose(skins[i], expected, atol=1e-6), i
        medians += not torch.allclose(expected, swatch)
    assert 20 < medians < b - 20


def test_skin_and_fill_pass_gradients_to_the_image() -> None:
    image, attention = frame_inputs()
    image.requires_grad_(True)
    out = PriorRenderer("skirt", NAMES)(image, attention)
    out.image[0, :, 100, 40].sum().backward()  # a leg pixel: the hands' median colour
    assert image.grad is not None
    hands = image.grad[0, :, 37:44, 53:60].abs().sum() + image.grad[0, :, 37:44, 5:12].abs().sum()
    assert hands > 0  # the median is one of the pixels around the wrists (56, 40) and (8, 40)
