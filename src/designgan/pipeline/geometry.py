"""Person crops: the box around a person at the model's aspect, and cutting it out of a photo.

(Garment regions drawn from landmarks live one layer down, in :mod:`designgan.landmarks.regions`, because training
draws them too.)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from PIL import Image

from designgan.landmarks.frame import FrameSpec, apply, footprint, lower_body_frame, shift_input, warp
from designgan.landmarks.heatmaps import render_gaussians
from designgan.landmarks.regions import LANDMARK_CONFIDENCE

PERSON_MARGIN = 0.08  # crop margin around a person, as a share of their height (CCP-like framing)


def crop_box(box: tuple[float, float, float, float] | None, image_size: tuple[int, int],
             model_size: tuple[int, int], margin: float = PERSON_MARGIN) -> tuple[int, int, int, int]:
    """Integer (x0, y0, x1, y1) with the model's aspect: the person plus a margin, or the whole photo (letterboxed).

    The box is centred on the person and is NOT clamped to the photo: the margin, and widening or heightening to
    the model's aspect, can take it past any edge (a person as tall as a 550x825 photo gives a crop taller than the
    photo: ``crop_box((50, 0, 500, 825), (550, 825), (132, 88)) == (-44, -66, 594, 891)``). :func:`crop_padded`
    fills the pixels outside the photo by edge replication, and composition only writes inside the photo.
    """
    w, h = image_size
    mh, mw = model_size
    if box is None:
        x0, y0, x1, y1 = 0.0, 0.0, float(w), float(h)
    else:
        x0, y0, x1, y1 = box
        pad = margin * max(y1 - y0, x1 - x0, 1.0)
        x0, y0, x1, y1 = x0 - pad, y0 - pad, x1 + pad, y1 + pad
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



def person_crop(rgb: np.ndarray, mask: np.ndarray, person: tuple[float, float, float, float] | None,
                size: tuple[int, int]) -> tuple[torch.Tensor, torch.Tensor, tuple[int, int, int, int]]:
    """The model input of a person box (:func:`crop_box` at ``size``, resized): image in [-1, 1], garment mask in
    {0, 1} (1, h, w), and the crop box in the photo."""
    mh, mw = size
    box = crop_box(person, (rgb.shape[1], rgb.shape[0]), size)
    crop = crop_padded(rgb, box)
    crop_mask = crop_padded(mask[..., None].astype(np.uint8) * 255, box)[..., 0]
    image = torch.from_numpy(np.asarray(Image.fromarray(crop).resize((mw, mh), Image.BICUBIC)).copy())
    image = image.permute(2, 0, 1).float() / 127.5 - 1
    garment = torch.from_numpy(np.asarray(Image.fromarray(crop_mask).resize((mw, mh), Image.BILINEAR)).copy())
    return image, (garment.float() / 255.0 > 0.5).float()[None], box


def heatmap_channels(points: dict[str, tuple[float, float, float]], data: Any, to_model: np.ndarray,
                     size: tuple[int, int]) -> torch.Tensor:
    """The landmark heatmap channels of the attention stack, at the model input's ``size``: ``data`` (the
    translator's data keys) names them and sets sigma and the confidence below which one is blank; ``to_model``
    maps photo pixels to model pixels (pixel centres at integers, as the training transforms place keypoints)."""
    mh, mw = size
    chosen = [points.get(name, (0.0, 0.0, 0.0)) for name in data.heatmap_names]
    xy = torch.from_numpy(apply(to_model, np.array([p[:2] for p in chosen], dtype=np.float64))).float()
    keep = torch.tensor([float(p[2] >= data.min_confidence) for p in chosen])
    heat = render_gaussians(xy, mh, mw, sigma=max(1.0, data.heatmap_sigma * mh))
    return heat * keep[:, None, None]


def box_matrix(box: tuple[int, int, int, int], model_size: tuple[int, int]) -> np.ndarray:
    """The photo -> model pixel map (2x3, pixel centres at integers) of a crop ``box`` resized to ``model_size``."""
    x0, y0, x1, y1 = box
    mh, mw = model_size
    sx, sy = mw / (x1 - x0), mh / (y1 - y0)
    return np.array([[sx, 0.0, (0.5 - x0) * sx - 0.5], [0.0, sy, (0.5 - y0) * sy - 0.5]])


def frame_crop(rgb: np.ndarray, mask: np.ndarray, points: dict[str, tuple[float, float, float]],
               model_size: tuple[int, int]) -> tuple[torch.Tensor, torch.Tensor, np.ndarray,
                                                     tuple[int, int, int, int]] | None:
    """Photo and garment mask resampled into the lower-body garment frame (model input in [-1, 1], mask in
    {0, 1}), the photo -> frame map and the frame's footprint box in the photo; None when the landmarks give no
    frame (:func:`designgan.landmarks.frame.lower_body_frame`)."""
    frame, _ = lower_body_frame(points, FrameSpec(size=model_size), min_confidence=LANDMARK_CONFIDENCE)
    if frame is None:
        return None
    box = footprint(frame, model_size)
    h, w = mask.shape
    # Resample only the footprint inside the photo (warp's border padding fills the rest).
    cx0, cy0, cx1, cy1 = max(0, box[0]), max(0, box[1]), min(w, box[2]), min(h, box[3])
    if cx0 >= cx1 or cy0 >= cy1:
        return None
    shifted = shift_input(frame, cx0, cy0)
    # 8-bit in, float only after warp's area-averaging: a large photo's footprint is never whole in float32
    crop = torch.from_numpy(rgb[cy0:cy1, cx0:cx1].copy()).permute(2, 0, 1)[None]
    crop_mask = torch.from_numpy(mask[cy0:cy1, cx0:cx1].astype(np.uint8))[None, None]
    image = warp(crop, shifted, model_size)[0] / 127.5 - 1
    garment = (warp(crop_mask, shifted, model_size, padding_mode="zeros")[0] > 0.5).float()
    return image, garment, frame, box
