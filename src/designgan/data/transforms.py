"""Joint transforms: one random draw applied to the image, its masks and its keypoints together.

Built on torchvision.transforms.v2 and tv_tensors. A sample is a dict with ``image`` (tv_tensors.Image),
``masks`` (tv_tensors.Mask, one channel per mask), optionally ``keypoints`` (tv_tensors.KeyPoints, (N, 2) as x, y)
and ``visibility`` (plain tensor (N,), passed through by v2 and permuted by our flip). Other keys pass through.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torchvision import tv_tensors
from torchvision.transforms import v2


def flip_index(names: Sequence[str]) -> list[int]:
    """Index permutation that swaps ``left_*`` and ``right_*`` names, for mirroring a person."""
    position = {name: i for i, name in enumerate(names)}
    out = []
    for name in names:
        if name.startswith("left_"):
            twin = "right_" + name[5:]
        elif name.startswith("right_"):
            twin = "left_" + name[6:]
        else:
            twin = name
        out.append(position.get(twin, position[name]))
    return out


class RandomHorizontalFlip(v2.Transform):
    """Mirror everything with probability ``p``; keypoints also swap left/right names via ``flip_index``."""

    def __init__(self, flip_index: Sequence[int] | None = None, p: float = 0.5):
        super().__init__()
        self.flip_index = list(flip_index) if flip_index is not None else None
        self.p = p
        self._flip = v2.RandomHorizontalFlip(p=1.0)

    def forward(self, sample: dict[str, Any]) -> dict[str, Any]:
        if torch.rand(()) >= self.p:
            return sample
        out = self._flip(sample)
        if self.flip_index is not None and "keypoints" in out:
            index = torch.as_tensor(self.flip_index)
            out["keypoints"] = tv_tensors.wrap(out["keypoints"][index], like=out["keypoints"])
            if "visibility" in out:
                out["visibility"] = out["visibility"][index]
        return out


class HideOutsideKeypoints(v2.Transform):
    """Set visibility to 0 for keypoints a crop moved outside the canvas (their coordinates are kept)."""

    def forward(self, sample: dict[str, Any]) -> dict[str, Any]:
        if "keypoints" not in sample or "visibility" not in sample:
            return sample
        h, w = sample["keypoints"].canvas_size
        xy = sample["keypoints"].as_subclass(torch.Tensor)
        inside = (xy[:, 0] >= 0) & (xy[:, 0] <= w - 1) & (xy[:, 1] >= 0) & (xy[:, 1] <= h - 1)
        return {**sample, "visibility": sample["visibility"] * inside.to(sample["visibility"].dtype)}


def train_transform(size: tuple[int, int], flip_index: Sequence[int] | None = None,
                    scale: tuple[float, float] = (0.8, 1.0), flip_p: float = 0.5) -> v2.Compose:
    """Random aspect-preserving crop + resize to ``size`` = (h, w), mirror, to float in [0, 1]."""
    h, w = size
    return v2.Compose([
        v2.RandomResizedCrop(size, scale=scale, ratio=(w / h * 0.95, w / h * 1.05), antialias=True),
        RandomHorizontalFlip(flip_index, p=flip_p),
        HideOutsideKeypoints(),
        v2.ToDtype({tv_tensors.Image: torch.float32, "others": None}, scale=True),
    ])


def eval_transform(size: tuple[int, int]) -> v2.Compose:
    """Deterministic resize to ``size`` = (h, w), to float in [0, 1]."""
    return v2.Compose([
        v2.Resize(size, antialias=True),
        HideOutsideKeypoints(),
        v2.ToDtype({tv_tensors.Image: torch.float32, "others": None}, scale=True),
    ])
