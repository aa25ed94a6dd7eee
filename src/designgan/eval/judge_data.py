"""Judge training samples from CCP's pixel-level photos: letterboxed, kept in memory, augmented in batches.

Photos and label maps are decoded once at ``storage_scale`` times the network input (so zooming in during
augmentation keeps detail); one affine warp per batch does flip, scale and shift for photo and labels together.
Letterbox padding and pixels warped in from outside the photo carry :data:`IGNORE` and add nothing to the loss.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from tqdm import tqdm

from designgan.data import CCP
from designgan.data.augment import random_affines
from designgan.eval.classes import NUM_CLASSES, ccp_lookup, heldout
from designgan.io import load_image

IGNORE = 255


def letterbox_box(width: int, height: int, out_h: int, out_w: int) -> tuple[int, int, int, int]:
    """Where an image of (width, height) lands inside an (out_h, out_w) letterbox: (left, top, new_w, new_h)."""
    scale = min(out_h / height, out_w / width)
    new_w, new_h = max(1, round(width * scale)), max(1, round(height * scale))
    return (out_w - new_w) // 2, (out_h - new_h) // 2, new_w, new_h


def letterbox_image(img: Image.Image, out_h: int, out_w: int) -> np.ndarray:
    """uint8 (out_h, out_w, 3): ``img`` resized to fit, centred, padded with black."""
    left, top, new_w, new_h = letterbox_box(*img.size, out_h, out_w)
    canvas = np.zeros((out_h, out_w, 3), dtype=np.uint8)
    canvas[top:top + new_h, left:left + new_w] = np.asarray(img.resize((new_w, new_h), Image.BILINEAR))
    return canvas


def letterbox_labels(labels: np.ndarray, out_h: int, out_w: int, fill: int = IGNORE) -> np.ndarray:
    """uint8 (out_h, out_w) label map resized (nearest) to fit, centred, padded with ``fill``."""
    height, width = labels.shape
    left, top, new_w, new_h = letterbox_box(width, height, out_h, out_w)
    canvas = np.full((out_h, out_w), fill, dtype=np.uint8)
    canvas[top:top + new_h, left:left + new_w] = np.asarray(Image.fromarray(labels).resize((new_w, new_h),
                                                                                             Image.NEAREST))
    return canvas


def judge_split(ccp: CCP) -> tuple[list[str], list[str]]:
    """CCP pixel-level ids into (train, held-out); image-level ids (the translation test photos) are in neither."""
    ids = ccp.pixel_level_ids()
    return [i for i in ids if not heldout(i)], [i for i in ids if heldout(i)]


class JudgeSamples:
    """Photos (uint8, N x 3 x H x W) and judge label maps (uint8, N x H x W) of some CCP ids, in memory."""

    def __init__(self, ccp: CCP, ids: list[str], height: int, width: int, progress: bool = True):
        self.ids = ids
        self.height, self.width = height, width
        table = ccp_lookup(ccp.label_names)
        self.images = torch.empty((len(ids), 3, height, width), dtype=torch.uint8)
        self.labels = torch.empty((len(ids), height, width), dtype=torch.uint8)
        for n, image_id in enumerate(tqdm(ids, desc="loading CCP", disable=not progress, leave=False)):
            img = load_image(ccp.photo_path(image_id))
            labels = table[ccp.load_label_map(image_id, size=img.size)]
            self.images[n] = torch.from_numpy(letterbox_image(img, height, width)).permute(2, 0, 1)
            self.labels[n] = torch.from_numpy(letterbox_labels(labels, height, width))

    def __len__(self) -> int:
        return len(self.ids)

    def class_frequencies(self) -> np.ndarray:
        counts = torch.bincount(self.labels.flatten().long(), minlength=256)[:NUM_CLASSES].double()
        return (counts / counts.sum().clamp(min=1)).numpy()


def make_batch(samples: JudgeSamples, index: torch.Tensor, out_h: int, out_w: int,
               generator: torch.Generator | None = None, augment: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
    """Float images in [0, 1] (B, 3, out_h, out_w) and long labels (B, out_h, out_w) with :data:`IGNORE`."""
    images = samples.images[index].float() / 255.0
    labels = samples.labels[index]
    if not augment:
        if images.shape[-2:] != (out_h, out_w):
            images = F.interpolate(images, size=(out_h, out_w), mode="bilinear", antialias=True, align_corners=False)
            labels = F.interpolate(labels[:, None].float(), size=(out_h, out_w), mode="nearest")[:, 0].to(torch.uint8)
        return images, labels.long()
    b = len(index)
    theta = random_affines(b, generator)
    grid = F.affine_grid(theta, [b, 3, out_h, out_w], align_corners=False)
    images = F.grid_sample(images, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    # labels shifted by one so the zero padding of grid_sample becomes IGNORE below
    warped = F.grid_sample(labels[:, None].float() + 1, grid, mode="nearest", padding_mode="zeros",
                           align_corners=False)[:, 0].long()
    labels = torch.where(warped == 0, IGNORE, warped - 1)
    # photometric jitter per image: brightness, contrast, saturation
    u = torch.rand(b, 3, 1, 1, 1, generator=generator)
    brightness, contrast, saturation = 0.75 + 0.5 * u[:, 0], 0.7 + 0.6 * u[:, 1], 0.6 + 0.8 * u[:, 2]
    grey = images.mean(dim=1, keepdim=True)
    images = grey + (images - grey) * saturation
    images = images.mean(dim=(1, 2, 3), keepdim=True) + (images - images.mean(dim=(1, 2, 3), keepdim=True)) * contrast
    images = (images * brightness).clamp(0, 1)
    return images, labels
