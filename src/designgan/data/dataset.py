"""A PyTorch dataset over the records of one domain: image, masks and keypoints as tv_tensors."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import torch
from torchvision import tv_tensors

from designgan.data.manifest import Record
from designgan.io import load_image, load_mask

MASK_NAMES = ("garment", "skin")


class DomainImageDataset(torch.utils.data.Dataset):
    """Samples ``{"image", "masks", "has_masks", "key"}`` plus ``keypoints``/``visibility`` when given.

    ``keypoints`` maps a record key to an (N, 3) array of x, y, confidence in original pixel coordinates (the
    landmark cache); ``transform`` is a joint transform from :mod:`designgan.data.transforms`.
    """

    def __init__(self, records: Sequence[Record], transform: Callable[[dict], dict] | None = None,
                 keypoints: Mapping[str, np.ndarray] | None = None):
        self.records = list(records)
        self.transform = transform
        self.keypoints = keypoints

    def __len__(self) -> int:
        return len(self.records)

    def __getitem__(self, index: int) -> dict[str, Any]:
        record = self.records[index]
        image = load_image(record.path("image"))
        size = image.size
        masks = np.zeros((len(MASK_NAMES), size[1], size[0]), dtype=bool)
        for channel, name in enumerate(MASK_NAMES):
            path = record.path(f"{name}_mask")
            if path is not None:
                masks[channel] = load_mask(path, size=size)
        sample: dict[str, Any] = {
            "image": tv_tensors.Image(torch.from_numpy(np.asarray(image).copy()).permute(2, 0, 1)),
            "masks": tv_tensors.Mask(torch.from_numpy(masks.astype(np.uint8))),
            "has_masks": torch.tensor(record.has_masks),
            "key": record.key,
        }
        if self.keypoints is not None:
            points = torch.as_tensor(np.asarray(self.keypoints[record.key], dtype=np.float32))
            sample["keypoints"] = tv_tensors.KeyPoints(points[:, :2], canvas_size=(size[1], size[0]))
            sample["visibility"] = points[:, 2].clone()
        if self.transform is not None:
            sample = self.transform(sample)
        return sample
