"""The garment frame: a landmark-aligned, upright crop of the body region a garment change touches.

People stand at every scale, position and angle in street photos; in the frame they do not. For a lower garment
the frame is the similarity transform (rotation, uniform scale, translation) that puts the hip centre on the middle
column at row ``hip_y * h`` and the ankle centre straight below it at row ``ankle_y * h``: waist to ankles fill the
height, and the width leaves room for a flared skirt on both sides. A translator trained and run in the frame spends
its pixels on the legs it repaints, and learns one mapping instead of one per scale and position.

Two users, one implementation: the translator (training packs, the pipeline's crop and its warp back; the default
:class:`FrameSpec`) and the garment judge (``designgan.eval.garment_judge.GARMENT_FRAME``: a frame for every photo,
tilt clamped, leg length bounded by the torso).

Matrices are 2x3 affine maps between *pixel-centre* coordinates (pixel ``i`` covers ``[i - 0.5, i + 0.5]``):
``frame_xy = M @ [photo_x, photo_y, 1]``. :func:`warp` resamples an image into the frame (or, with the inverse,
back into the photo).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import torch
import torch.nn.functional as F

Point = Sequence[float]  # (x, y, confidence)


@dataclass(frozen=True)
class FrameSpec:
    """Where the body lands in a lower-garment frame of ``size`` = (h, w) pixels, and what a doubtful pose gets.

    ``hip_y`` and ``ankle_y`` are the rows of the hip and ankle centres as fractions of the height (pixel centres:
    row ``hip_y * h``); the scale follows from them, pixels are square, and the width is what is left at that scale.
    """

    size: tuple[int, int] = (152, 80)
    hip_y: float = 0.2  # hip centre (room above it for the waistband, which sits above the hip joints)
    ankle_y: float = 0.9  # ankle centre
    max_tilt_deg: float = 35.0  # a body axis tilted further is not a standing person
    # False (the translator, which must not repaint a wrongly placed region): no frame when the hips, or both the
    # knees and the ankles, are not seen, or the axis is tilted past max_tilt_deg. True (the garment judge, which
    # answers for every photo): the hips are taken at any confidence, ankles are extrapolated from the torso when
    # neither ankles nor knees are seen, and the tilt is clamped to max_tilt_deg.
    always: bool = False
    # Bounds of the hip-to-ankle length in torso lengths (shoulder centre to hip centre), or None: one misplaced
    # point can then neither shrink nor blow up the frame.
    leg_per_torso: tuple[float, float] | None = None

    def widened(self, factor: float) -> FrameSpec:
        """The same frame on a canvas ``factor`` times larger about its centre: same scale, more context around."""
        h, w = self.size
        big_h, big_w = round(h * factor), round(w * factor)
        pad = (big_h - h) / 2  # rows added above; the columns stay centred by construction

        def row(y: float) -> float:
            return (y * h + pad) / big_h

        return replace(self, size=(big_h, big_w), hip_y=row(self.hip_y), ankle_y=row(self.ankle_y))


HIPS = ("left_hip", "right_hip")
KNEES = ("left_knee", "right_knee")
ANKLES = ("left_ankle", "right_ankle")
SHOULDERS = ("left_shoulder", "right_shoulder")
TORSO_TO_LEG = 1.5  # ankles placed this many torso lengths below the hips when no leg point is seen


def _centre(points: Mapping[str, Point], names: tuple[str, str], min_confidence: float) -> np.ndarray | None:
    found = [np.asarray(points[n][:2], dtype=np.float64) for n in names
             if n in points and float(points[n][2]) >= min_confidence]
    if len(found) < 2:
        return None
    return (found[0] + found[1]) / 2


def leg_axis(points: Mapping[str, Point], spec: FrameSpec = FrameSpec(),
             min_confidence: float = 0.3) -> tuple[np.ndarray, np.ndarray] | str:
    """The hip centre and the ankle centre (photo pixels) that place the frame, or why there is none.

    Ankles not seen (both above ``min_confidence``) are placed from the knees, at twice the hip-knee distance (a
    photo cut at the shins); with ``spec.always`` and no knees either, 1.5 torso lengths below the hips. The
    returned axis is the one the frame uses: tilt clamped and length bounded as ``spec`` says.
    """
    hip = _centre(points, HIPS, 0.0 if spec.always else min_confidence)
    if hip is None:
        return "hips not found"
    shoulder = _centre(points, SHOULDERS, 0.0) if spec.always or spec.leg_per_torso else None
    ankle = _centre(points, ANKLES, min_confidence)
    if ankle is None:
        knee = _centre(points, KNEES, min_confidence)
        if knee is not None:
            ankle = hip + 2 * (knee - hip)
        elif spec.always and shoulder is not None:
            ankle = hip + TORSO_TO_LEG * (hip - shoulder)
        else:
            return "neither ankles nor knees found"
    axis = ankle - hip
    length = float(np.hypot(*axis))
    if spec.always and length < 1e-6:
        axis, length = np.array([0.0, 1.0]), 1.0  # every point on one spot: an upright axis, sized below
    if length < 4 and not spec.always:
        return "legs too short to place a frame"
    down = axis / length
    tilt = math.degrees(math.atan2(-down[0], down[1]))
    if abs(tilt) > spec.max_tilt_deg:
        if not spec.always:
            return f"body axis tilted {tilt:.0f} degrees (not a standing person)"
        clamped = math.radians(math.copysign(spec.max_tilt_deg, tilt))
        down = np.array([-math.sin(clamped), math.cos(clamped)])
    if spec.leg_per_torso is not None and shoulder is not None:
        torso = max(float(np.hypot(*(hip - shoulder))), 1.0)
        length = min(max(length, spec.leg_per_torso[0] * torso), spec.leg_per_torso[1] * torso)
    return hip, hip + length * down


def lower_body_frame(points: Mapping[str, Point], spec: FrameSpec = FrameSpec(),
                     min_confidence: float = 0.3) -> tuple[np.ndarray | None, str]:
    """The photo -> frame matrix (2x3) for a lower garment, or ``(None, reason)``; the body axis is
    :func:`leg_axis`'s."""
    axis = leg_axis(points, spec, min_confidence)
    if isinstance(axis, str):
        return None, axis
    hip, ankle = axis
    length = float(np.hypot(*(ankle - hip)))
    down = (ankle - hip) / length
    h, w = spec.size
    scale = (spec.ankle_y - spec.hip_y) * h / length
    # Rotate the body axis onto +y: R @ down = (0, 1).
    rotation = np.array([[down[1], -down[0]], [down[0], down[1]]])
    linear = scale * rotation
    offset = np.array([(w - 1) / 2, spec.hip_y * h]) - linear @ hip
    return np.concatenate([linear, offset[:, None]], axis=1), ""


def invert(matrix: np.ndarray) -> np.ndarray:
    """The inverse of a 2x3 affine map."""
    linear_inv = np.linalg.inv(matrix[:, :2])
    return np.concatenate([linear_inv, -(linear_inv @ matrix[:, 2:])], axis=1)


def apply(matrix: np.ndarray, xy: np.ndarray) -> np.ndarray:
    """Map points ``(..., 2)`` by a 2x3 affine matrix."""
    return xy @ matrix[:, :2].T + matrix[:, 2]


def footprint(matrix: np.ndarray, size: tuple[int, int]) -> tuple[int, int, int, int]:
    """Integer (x0, y0, x1, y1) photo box holding every pixel of a frame of ``size`` = (h, w) that ``matrix``
    (photo -> frame) places (not clipped to the photo)."""
    h, w = size
    corners = np.array([[x, y] for x in (-0.5, w - 0.5) for y in (-0.5, h - 0.5)])
    xy = apply(invert(matrix), corners)
    return (math.floor(xy[:, 0].min()), math.floor(xy[:, 1].min()), math.ceil(xy[:, 0].max()) + 1,
            math.ceil(xy[:, 1].max()) + 1)


def shift_input(matrix: np.ndarray, x0: float, y0: float) -> np.ndarray:
    """``matrix`` for an input cropped at (x0, y0): maps the crop's pixels where ``matrix`` maps the photo's."""
    return matrix + np.concatenate([np.zeros((2, 2)), matrix[:, :2] @ np.array([[x0], [y0]])], axis=1)


def warp(image: torch.Tensor, matrix: np.ndarray | torch.Tensor, out_size: tuple[int, int],
         mode: str = "bilinear", padding_mode: str = "border") -> torch.Tensor:
    """Resample ``image`` (B, C, H, W) into an ``out_size`` = (h, w) canvas whose pixel ``q`` shows the input at
    ``invert(matrix) @ q``: ``matrix`` maps input pixels to output pixels (one matrix, or one per sample).

    Downsampling by more than 2x first area-averages the input, so thin stripes do not alias; except with
    ``mode="nearest"``, whose input is a label map (an average of labels is no label).
    """
    b, _, in_h, in_w = image.shape
    out_h, out_w = out_size
    m = torch.as_tensor(np.asarray(matrix, dtype=np.float64) if not torch.is_tensor(matrix) else matrix,
                        dtype=torch.float64)
    if m.dim() == 2:
        m = m.expand(b, 2, 3)
    scale = float(torch.sqrt(torch.abs(torch.linalg.det(m[:, :, :2]))).min())
    if scale < 0.5 and mode != "nearest":
        factor = int(1 / scale)  # >= 2
        # Pooled in bands of rows (a multiple of the factor, so the windows are the same): a large 8-bit photo
        # crop is never whole in float32, which took 4x its bytes at once.
        band = 64 * factor
        source = torch.cat([F.avg_pool2d(image[..., r:r + band, :].float(), factor, stride=factor, ceil_mode=True,
                                         count_include_pad=False) for r in range(0, in_h, band)], dim=-2)
        # Pixel centres of the pooled image: x_pooled = (x + 0.5) / factor - 0.5.
        pool = torch.tensor([[factor, 0.0, 0.5 * factor - 0.5], [0.0, factor, 0.5 * factor - 0.5]],
                            dtype=torch.float64)
        m = torch.cat([m[:, :, :2] @ pool[:, :2], (m[:, :, :2] @ pool[:, 2:]) + m[:, :, 2:]], dim=2)
        in_h, in_w = source.shape[-2:]
    else:
        source = image.float()
    linear = m[:, :, :2]
    inv_linear = torch.linalg.inv(linear)
    inv = torch.cat([inv_linear, -(inv_linear @ m[:, :, 2:])], dim=2)  # output pixel -> input pixel
    # The sampling grid in float64, a band of rows at a time (a large output's float64 temporaries took ~80 bytes
    # per pixel), each band stored as the float32 grid_sample reads.
    grid = torch.empty(b, out_h, out_w, 2, dtype=source.dtype)
    xs = torch.arange(out_w, dtype=torch.float64)
    for r0 in range(0, out_h, 256):
        ys, bxs = torch.meshgrid(torch.arange(r0, min(out_h, r0 + 256), dtype=torch.float64), xs, indexing="ij")
        grid_xy = torch.stack([bxs, ys, torch.ones_like(bxs)], dim=-1).reshape(-1, 3)  # (P, 3)
        src = grid_xy @ inv.transpose(1, 2)  # (B, P, 2) input pixel coordinates
        norm = torch.stack([(2 * src[..., 0] + 1) / in_w - 1, (2 * src[..., 1] + 1) / in_h - 1], dim=-1)
        grid[:, r0:r0 + ys.shape[0]] = norm.reshape(b, ys.shape[0], out_w, 2).to(source.dtype)
    return F.grid_sample(source, grid.to(source.device), mode=mode, padding_mode=padding_mode, align_corners=False)
