"""The rendered prior: the target garment painted from the landmarks in the lower-body garment frame, no learning.

Given a frame crop (see :mod:`designgan.landmarks.frame`), its source garment mask and the landmark heatmaps, it
paints what a translator should roughly produce:

1. the background where the source garment was (its mask grown by a pixel or two, so no old cloth edge is left),
   filled from the pixels around it (pull-push: masked averages over ever coarser grids, then back up);
2. for a skirt, the lower legs in the person's own skin colour where the old garment was: tapered limbs knee ->
   ankle, shaded like a cylinder (lighter along the axis, darker at the sides). The colour is the one the caller
   gives (the pipeline reads it off the face and hands in the whole photo, :mod:`designgan.landmarks.skin`),
   else the skin-coloured pixels around the wrists in the frame, else a mid skin-tone swatch (a known weakness);
3. the target garment (a knee-length A-line skirt with a curved hem, or two trouser legs hip -> knee -> ankle
   under a waist band), shaded the same way, in the source garment's own fabric: above the crotch the old
   garment's own pixels (waist band, belt, the hips' folds), below it a swatch cut from a thigh and tiled with
   mirrored copies so that no seam shows.

Shapes are drawn as signed distances with one pixel of anti-aliasing, so edges are soft and the whole render is
tensor arithmetic over the frame: batched on the input's device, differentiable in the image (the prior refiner
calls it on every training step), no loop over samples and no PIL.

It has the generator's interface (``forward(image, attention) -> GeneratorOutput``), so the inference pipeline
runs it in place of a network: the "prior only" baseline of ``designgan compare`` (``--runs prior``), and the
starting point a learnt translator has to beat.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from designgan.losses.style import crop_resize
from designgan.models.generator import GeneratorOutput
from designgan.models.texture import garment_square_boxes

SKIN_SWATCH = (0.78, 0.60, 0.50)  # RGB in [0, 1]: used when no skin is visible
POINTS = ("left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle", "left_wrist", "right_wrist")
# (left, right) pairs of POINTS as slices: indexing with a slice, unlike a list, copies no index to the device
HIPS, KNEES, ANKLES, WRISTS = slice(0, 2), slice(2, 4), slice(4, 6), slice(6, 8)
MIN_SKIN_PIXELS = 12  # fewer skin-coloured pixels near the wrists than this: the swatch


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


def _row_edges(hole: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Per pixel of ``hole`` (B, 1, H, W): the nearest column outside the hole on its row to the left (-1: none)
    and to the right (W: none), and the pixel's own column."""
    w = hole.shape[-1]
    cols = torch.arange(w, device=hole.device).expand_as(hole)
    valid = hole < 0.5
    left = torch.where(valid, cols, -1).cummax(dim=-1).values
    right = torch.where(valid, cols, w).flip(-1).cummin(dim=-1).values.flip(-1)
    return left, right, cols


def box_blur(image: torch.Tensor, k: int) -> torch.Tensor:
    """The mean over each pixel's k x k neighbourhood (edges replicated), as a row pass then a column pass: 2 k
    additions per pixel instead of k^2 (the 11 x 11 blur of the fill's detail was 40% of the prior's time)."""
    padded = F.pad(image, [k // 2] * 4, mode="replicate")
    return F.avg_pool2d(F.avg_pool2d(padded, (1, k), stride=1), (k, 1), stride=1)


def dilate(mask: torch.Tensor, k: int) -> torch.Tensor:
    """``mask`` (B, C, H, W) grown by a k x k square (k odd), as a row pass then a column pass."""
    return F.max_pool2d(F.max_pool2d(mask, (1, k), stride=1, padding=(0, k // 2)), (k, 1), stride=1,
                        padding=(k // 2, 0))


def mirror_columns(hole: torch.Tensor) -> torch.Tensor:
    """For each pixel of ``hole`` (B, 1, H, W), the column ``(B, 1, H, W)`` long of its mirror image across the
    nearer edge of the hole on its row (a pixel 3 columns inside the left edge reads 3 columns outside it);
    pixels outside the hole map to themselves."""
    left, right, cols = _row_edges(hole)
    use_left = (left >= 0) & ((cols - left <= right - cols) | (right >= hole.shape[-1]))
    return torch.where(use_left, 2 * left - cols, 2 * right - cols).clamp(0, hole.shape[-1] - 1)


def fill_along_rows(image: torch.Tensor, hole: torch.Tensor) -> torch.Tensor:
    """``image`` (B, C, H, W) with the ``hole`` pixels blended, row by row, from the colour just left of the hole
    to the colour just right of it (one side where the row has only one), then smoothed down the columns: what
    stands beside a garment (a wall, the road) is what was behind it, whereas a fill from all around would mix
    in the shirt above and the shoes below. Rows with no pixel outside the hole take
    :func:`fill_from_surroundings`."""
    _, c, h, w = image.shape
    valid = (hole < 0.5).float()
    k = max(3, 2 * round(0.015 * h) + 1)  # the edge colour: a masked mean over a few pixels along the row
    pad = [k // 2, k // 2, 0, 0]
    total = F.avg_pool2d(F.pad(image * valid, pad), (1, k), stride=1)
    weight = F.avg_pool2d(F.pad(valid, pad), (1, k), stride=1)
    edge = total / weight.clamp(min=1e-6)
    left, right, cols = _row_edges(hole)
    has_left, has_right = left >= 0, right < w
    c_left = edge.gather(-1, left.clamp(min=0).expand(-1, c, -1, -1))
    c_right = edge.gather(-1, right.clamp(max=w - 1).expand(-1, c, -1, -1))
    t = ((cols - left) / (right - left).clamp(min=1)).float()
    both = torch.lerp(c_left, c_right, t)
    rows = torch.where(has_left & has_right, both, torch.where(has_left, c_left, c_right))
    rows = torch.where(has_left | has_right, rows, fill_from_surroundings(image, hole))
    kv = max(3, 2 * round(0.03 * h) + 1)
    inside = hole.float()
    num = F.avg_pool2d(F.pad(rows * inside, [0, 0, kv // 2, kv // 2], mode="replicate"), (kv, 1), stride=1)
    den = F.avg_pool2d(F.pad(inside, [0, 0, kv // 2, kv // 2], mode="replicate"), (kv, 1), stride=1)
    smooth = num / den.clamp(min=1e-6)
    return image * valid + smooth * inside


def inpaint(image: torch.Tensor, hole: torch.Tensor) -> torch.Tensor:
    """The background where ``hole`` (B, 1, H, W) is 1: colours from :func:`fill_along_rows`, and the fine
    detail (pavement, grass, a wall's joints) of the pixels mirrored across the hole's nearer side on each row,
    fading out over 0.08 W, so the fill is not a flat smear."""
    smooth = fill_along_rows(image, hole)
    k = max(3, 2 * round(0.02 * image.shape[-2]) + 1)
    detail = smooth - box_blur(smooth, k)
    source = mirror_columns(hole)
    mirrored = detail.gather(-1, source.expand(-1, image.shape[1], -1, -1))
    cols = torch.arange(image.shape[-1], device=image.device)
    fade = torch.exp(-(source - cols).abs().float() / (2 * 0.08 * image.shape[-1]))
    return smooth + mirrored * fade * hole


def landmark_peaks(heatmaps: torch.Tensor, names: Sequence[str]) -> tuple[torch.Tensor, torch.Tensor]:
    """Each of :data:`POINTS`' heatmap peak: ``(xy (B, P, 2) float pixels, seen (B, P) bool)``.

    One max and one argmax (the first maximum) over the flattened maps of all samples and landmarks; a point is
    seen when its peak reaches 0.5 and its name has a channel. Unseen points keep a meaningless position: mask
    them with ``seen``.
    """
    b, w = heatmaps.shape[0], heatmaps.shape[-1]
    channels = [names.index(n) for n in POINTS if n in names]
    if not channels:
        return heatmaps.new_zeros(b, len(POINTS), 2, dtype=torch.float32), heatmaps.new_zeros(
            b, len(POINTS), dtype=torch.bool)
    first = min(channels)
    maps = heatmaps[:, first:max(channels) + 1].float().flatten(2)  # a view over the range: no gathered copy
    peak, flat = maps.amax(dim=2), maps.argmax(dim=2)
    xy = torch.stack([flat % w, torch.div(flat, w, rounding_mode="floor")], dim=-1).float()
    absent = torch.zeros_like(peak[:, 0])  # a name without a channel: never seen
    peaks = torch.stack([peak[:, names.index(n) - first] if n in names else absent for n in POINTS], dim=1)
    xy = torch.stack([xy[:, names.index(n) - first] if n in names else xy[:, 0] for n in POINTS], dim=1)
    return xy, peaks >= 0.5


def skin_pixels(rgb: torch.Tensor) -> torch.Tensor:
    """Which pixels of ``rgb`` (..., 3, ...) in [-1, 1] (channels on dim -3, or on dim -1 when it has 3 entries
    and dim -3 does not) look like skin: the classic YCrCb box (Cr 133-180, Cb 77-130) with Y >= 40, which
    holds for light and dark skin alike and rejects greys, denim blues and most fabrics."""
    dim = -3 if rgb.dim() >= 3 and rgb.shape[-3] == 3 else -1
    r, g, b = ((c + 1) * 127.5 for c in rgb.unbind(dim))
    y = 0.299 * r + 0.587 * g + 0.114 * b
    cr = 128 + 0.5 * r - 0.4187 * g - 0.0813 * b
    cb = 128 - 0.1687 * r - 0.3313 * g + 0.5 * b
    return (y >= 40) & (cr >= 133) & (cr <= 180) & (cb >= 77) & (cb <= 130)


def coverage(distance: torch.Tensor) -> torch.Tensor:
    """Anti-aliased coverage in [0, 1] of a shape from its signed distance in pixels (negative inside)."""
    return (0.5 - distance).clamp(0, 1)


def tapered_segments(grid: torch.Tensor, start: torch.Tensor, end: torch.Tensor, r_start: torch.Tensor,
                     r_end: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Signed distance ``(B, S, H, W)`` to limbs ``start -> end`` ``(B, S, 2)`` whose radius goes from
    ``r_start`` to ``r_end`` ``(B, S)``, and the across-limb coordinate ``|u|`` (0 on the axis, 1 at the edge)
    that the cylinder shading reads. ``grid``: pixel centres ``(H, W, 2)``."""
    a, d = start[:, :, None, None], (end - start)[:, :, None, None]  # (B, S, 1, 1, 2)
    t = (((grid - a) * d).sum(-1) / (d * d).sum(-1).clamp(min=1e-6)).clamp(0, 1)  # (B, S, H, W)
    axis = a + t[..., None] * d
    off = (grid - axis).norm(dim=-1)
    radius = (r_start[..., None, None] * (1 - t) + r_end[..., None, None] * t).clamp(min=0.5)
    return off - radius, (off / radius).clamp(max=1)


def mirrored_tile(patch: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Patches ``(B, C, t, t)`` repeated over ``size`` (h, w) with every other copy mirrored, so neighbouring
    copies meet at equal pixels and no seam shows."""
    pair = torch.cat([patch, patch.flip(-1)], dim=-1)
    block = torch.cat([pair, pair.flip(-2)], dim=-2)  # (B, C, 2t, 2t), seamless when repeated
    h, w = size
    reps = (-(-h // block.shape[-2]), -(-w // block.shape[-1]))
    return block.repeat(1, 1, *reps)[..., :h, :w]


def flattened(patch: torch.Tensor) -> torch.Tensor:
    """``patch`` (B, C, t, t) with its broad light and shade taken out (its mean colour plus what differs from a
    blur a third of its side wide): a crease or a shadow across the swatch would repeat as a kaleidoscope when
    tiled, while the weave and a small print are what the fabric is."""
    t = patch.shape[-1]
    k = max(3, 2 * (t // 6) + 1)
    return patch - box_blur(patch, k) + patch.mean(dim=(-2, -1), keepdim=True)


def shaded(colour: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
    """``colour`` (B, 3, H, W) in [-1, 1] lit like a cylinder seen from the front: ``u`` (B, 1, H, W) is 0 on
    its axis (a little lighter) and 1 at its sides (darker), as cloth and legs look under diffuse light."""
    light = 1.06 - 0.3 * u * u
    return ((colour + 1) * light - 1).clamp(-1, 1)


class PriorRenderer(nn.Module):
    """Paints the target garment family (``skirt`` or ``trousers``) in the lower-body frame (module docstring)."""

    # forward() takes the person's skin colour (read off the whole photo by the caller) and a fabric to paint,
    # and paints the garment's fabric itself: the pipeline passes both and runs no texture refinement after it
    prior_inputs = True

    def __init__(self, target_family: str = "skirt", heatmap_names: Sequence[str] = (),
                 attention_channels: int | None = None) -> None:
        super().__init__()
        if target_family not in ("skirt", "trousers"):
            raise ValueError(f"the prior draws skirts and trousers, not '{target_family}'")
        if attention_channels is not None and attention_channels != 1 + len(heatmap_names):
            raise ValueError(f"the prior needs one heatmap per landmark name: {attention_channels} attention "
                             f"channels for {len(heatmap_names)} names")
        self.target_family = target_family
        self.heatmap_names = list(heatmap_names)
        self.attention_channels = 1 + len(self.heatmap_names)
        self.has_mask_head = True
        self.texture_channels = 0

    def forward(self, image: torch.Tensor, attention: torch.Tensor, skin: torch.Tensor | None = None,
                fabric: torch.Tensor | None = None) -> GeneratorOutput:
        """``skin``: the person's skin colour ``(B, 3)`` in [-1, 1], NaN rows where unknown; None: read off the
        frame (the wrists). ``fabric``: a fabric tiled over the frame ``(B, 3, H, W)`` in [-1, 1] that the whole
        new garment takes; None: the source garment's own (module docstring)."""
        x = image.float()
        h, w = x.shape[-2:]
        garment = (attention[:, :1].float() > 0.5).float()
        xy, seen = landmark_peaks(attention[:, 1:], self.heatmap_names)
        grid = self._grid(h, w, x.device)
        pose = self._pose(xy, seen, garment, (h, w))
        hole = dilate(garment, 2 * self._grow(h) + 1)
        canvas = inpaint(x, hole)
        if self.target_family == "skirt":
            colour = self.skin_colour(x, garment[:, 0], xy, seen)
            if skin is not None:
                colour = torch.where(skin.float().isnan(), colour, skin.float().to(colour.device))
            legs, u = self._lower_legs(grid, pose)
            legs = legs * hole  # skin only where the old garment was: shoes and bare ankles stay the photo's
            canvas = torch.lerp(canvas, shaded(colour[:, :, None, None].expand(-1, -1, h, w), u), legs)
            shape, u = self._skirt(grid, pose)
        else:
            shape, u = self._trousers(grid, pose)
            shape = torch.maximum(shape, self._bare_legs(x, garment, grid, pose, xy, seen))
        cloth = self._fabric(x, garment, pose, u) if fabric is None else shaded(fabric.float().to(x.device), u)
        canvas = torch.lerp(canvas, cloth, shape)
        logits = torch.logit(shape.clamp(1 / 4097, 1 - 1 / 4097))  # +-8.3 inside and outside, soft on the edge
        return GeneratorOutput(image=canvas.clamp(-1, 1).to(image.dtype), mask_logits=logits.to(image.dtype))

    @staticmethod
    def _grow(height: int) -> int:
        """Pixels the fill's hole reaches past the source garment's mask: masks miss the cloth's soft edge, and a
        fill that starts from those pixels smears the old garment's colour over the background."""
        return max(1, round(0.015 * height))

    @staticmethod
    def _grid(h: int, w: int, device: torch.device) -> torch.Tensor:
        ys, xs = torch.arange(h, device=device, dtype=torch.float32), torch.arange(w, device=device,
                                                                                    dtype=torch.float32)
        return torch.stack(torch.meshgrid(xs, ys, indexing="xy"), dim=-1)  # (H, W, 2) x, y

    @staticmethod
    def _pose(xy: torch.Tensor, seen: torch.Tensor, garment: torch.Tensor, size: tuple[int, int]
              ) -> dict[str, torch.Tensor]:
        """The anchors every shape is drawn from, per sample: hips, knees and ankles (with fallbacks: missing
        knees 0.35 h below the hips, missing ankles knee + (knee - hip)), the waist row, the crotch row, the
        body's half width at the hips (the source garment's width there, within 1.0-1.6x the hip joints'), and
        the waist row (where the source garment starts, near 0.06 h above the hip joints)."""
        h, w = size
        hips = xy[:, HIPS]
        centre = hips.mean(dim=1)  # (B, 2)
        joint_half = ((hips[:, 0, 0] - hips[:, 1, 0]).abs() / 2).clamp(min=0.08 * w)
        knees_seen = seen[:, KNEES].all(dim=1)
        knee_y = torch.where(knees_seen, xy[:, KNEES, 1].mean(dim=1), centre[:, 1] + 0.35 * h)
        knees = torch.where(knees_seen[:, None, None], xy[:, KNEES],
                            torch.stack([hips[..., 0], knee_y[:, None].expand(-1, 2)], dim=-1))
        ankles = torch.where(seen[:, ANKLES].all(dim=1)[:, None, None], xy[:, ANKLES], knees + (knees - hips))
        # the garment's width on the rows around the hips
        band = (torch.arange(h, device=xy.device)[None] - centre[:, 1:]).abs() <= max(1.0, 0.02 * h)  # (B, H)
        cols = torch.arange(w, device=xy.device, dtype=torch.float32)
        on = (garment[:, 0] > 0.5) & band[:, :, None]  # (B, H, W)
        left = torch.where(on, cols, float(w)).amin(dim=(1, 2))
        right = torch.where(on, cols, -1.0).amax(dim=(1, 2))
        measured = torch.where(right >= left, (right - left + 1) / 2, 1.25 * joint_half)
        half = measured.clamp(joint_half, 1.6 * joint_half)
        # the waist: where the source garment starts above the hips (a high waistband included), within
        # 0.1 h above to 0.02 h below the usual 0.06 h above the hip joints
        central = ((cols - centre[:, :1]).abs() <= half[:, None] / 2)[:, None, :] & (garment[:, 0] > 0.5)
        rows = torch.arange(h, device=xy.device, dtype=torch.float32)[None, :, None]
        first = torch.where(central, rows, float(h)).amin(dim=(1, 2))
        usual = centre[:, 1] - 0.06 * h
        waist = torch.where(first < h, first, usual).clamp(usual - 0.04 * h, usual + 0.02 * h)
        return {"centre": centre, "hips": hips, "knees": knees, "ankles": ankles, "half": half,
                "waist": waist, "knee_y": knee_y,
                "crotch": centre[:, 1] + 0.3 * (knee_y - centre[:, 1])}

    @staticmethod
    def _lower_legs(grid: torch.Tensor, pose: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        """Coverage and across-limb coordinate ``(B, 1, H, W)`` of the two legs from just above the knee to the
        ankle (calf radius 0.05 h tapering to 0.032 h at the ankle)."""
        h = grid.shape[0]
        knees, ankles = pose["knees"], pose["ankles"]
        start = knees + (knees - ankles) * 0.1
        b = knees.shape[0]
        distance, u = tapered_segments(grid, start, ankles, knees.new_full((b, 2), 0.05 * h),
                                       knees.new_full((b, 2), 0.032 * h))
        nearest = distance.min(dim=1, keepdim=True)
        return coverage(nearest.values), u.gather(1, nearest.indices)

    @staticmethod
    def _skirt(grid: torch.Tensor, pose: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        """A knee-length A-line skirt: waist (the body's width) flaring 1.35x to a hem that curves 0.025 h down
        in the middle; coverage and the across-skirt coordinate ``(B, 1, H, W)``."""
        h = grid.shape[0]
        cx, top = pose["centre"][:, 0, None, None], pose["waist"][:, None, None]
        hem = (pose["knee_y"] + 0.03 * h)[:, None, None]
        top_half = pose["half"][:, None, None]
        hem_half = 1.35 * top_half
        x, y = grid[..., 0], grid[..., 1]
        along = ((y - top) / (hem - top)).clamp(0, 1)
        half = top_half + (hem_half - top_half) * along
        slope = (hem_half - top_half) / (hem - top)
        side = ((x - cx).abs() - half) / torch.sqrt(1 + slope * slope)  # distance to the slanted sides
        across = ((x - cx) / hem_half).clamp(-1, 1)
        hem_y = hem + 0.025 * h * (1 - across * across)
        distance = torch.maximum(torch.maximum(top - y, y - hem_y), side)
        return coverage(distance)[:, None], ((x - cx).abs() / half).clamp(max=1)[:, None]

    @staticmethod
    def _trousers(grid: torch.Tensor, pose: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        """Two legs (hip -> knee -> ankle, half widths 0.6 / 0.45 / 0.36 of the body's) under a waist band that
        joins them from the waist to the hip joints; coverage and across-leg coordinate ``(B, 1, H, W)``."""
        hips, knees, ankles, half = pose["hips"], pose["knees"], pose["ankles"], pose["half"][:, None]
        centre = pose["centre"]
        # each leg's hip end sits half way between the body's centre line and its side, level with the joints
        side = torch.sign(hips[..., 0] - centre[:, None, 0]) + (hips[..., 0] == centre[:, None, 0]).float()
        hip_ends = torch.stack([centre[:, None, 0] + side * 0.5 * half, hips[..., 1]], dim=-1)
        upper, u_upper = tapered_segments(grid, hip_ends, knees, 0.6 * half.expand(-1, 2), 0.45 * half.expand(-1, 2))
        lower, u_lower = tapered_segments(grid, knees, ankles, 0.45 * half.expand(-1, 2), 0.36 * half.expand(-1, 2))
        x, y = grid[..., 0], grid[..., 1]
        cx, top, hip_y = centre[:, 0, None, None], pose["waist"][:, None, None], centre[:, 1, None, None]
        band = torch.maximum(torch.maximum(top - y, y - hip_y), (x - cx).abs() - half[..., None])[:, None]
        u_band = ((x - cx).abs() / half[..., None]).clamp(max=1)[:, None]
        distance = torch.cat([upper, lower, band], dim=1)
        u = torch.cat([u_upper, u_lower, u_band], dim=1)
        nearest = distance.min(dim=1, keepdim=True)
        return coverage(nearest.values), u.gather(1, nearest.indices)

    @staticmethod
    def _bare_legs(image: torch.Tensor, garment: torch.Tensor, grid: torch.Tensor, pose: dict[str, torch.Tensor],
                   xy: torch.Tensor, seen: torch.Tensor) -> torch.Tensor:
        """Coverage ``(B, 1, H, W)`` of the bare legs the new trousers must hide: skin-coloured pixels outside the
        old garment, between the hips and the ankles, within legs half again as wide as the drawn ones, away from
        the hands (0.07 h around the wrists), closed and softened over a few pixels. The drawn legs follow the
        joints, and real legs are often wider or stand further apart."""
        h = image.shape[-2]
        hips, knees, ankles, half = pose["hips"], pose["knees"], pose["ankles"], pose["half"][:, None]
        widths = [w * half.expand(-1, 2) for w in (0.9, 0.75, 0.65)]  # the drawn legs' 0.6 / 0.45 / 0.36, widened
        reach = torch.cat([tapered_segments(grid, hips, knees, widths[0], widths[1])[0],
                           tapered_segments(grid, knees, ankles, widths[1], widths[2])[0]], dim=1).amin(dim=1,
                                                                                                      keepdim=True)
        y = grid[..., 1]
        rows = (y >= pose["centre"][:, 1, None, None]) & (y <= ankles[..., 1].amax(dim=1)[:, None, None])
        hands = ((grid[None, None] - xy[:, WRISTS, None, None]).norm(dim=-1) <= 0.07 * h) & seen[:, WRISTS, None, None]
        bare = skin_pixels(image)[:, None] & (garment < 0.5) & (reach < 0) & rows[:, None] & ~hands.any(dim=1)[:, None]
        k = max(3, 2 * round(0.01 * h) + 1)  # a morphological closing (fills the specks), then a soft edge
        closed = -dilate(-dilate(bare.float(), k), k)
        return F.avg_pool2d(closed, k, stride=1, padding=k // 2, count_include_pad=False)

    def _fabric(self, image: torch.Tensor, garment: torch.Tensor, pose: dict[str, torch.Tensor], u: torch.Tensor
                ) -> torch.Tensor:
        """The new garment's pixels over the whole frame ``(B, 3, H, W)``: the old garment's own pixels above the
        crotch (blended out over 0.03 h), below it a thigh swatch, flattened, tiled mirrored and shaded by ``u``."""
        h, w = image.shape[-2:]
        tiled = shaded(mirrored_tile(flattened(self._swatch(image, garment, pose)), (h, w)), u)
        rows = torch.arange(h, device=image.device, dtype=torch.float32)[None, None, :, None]
        keep = ((pose["crotch"][:, None, None, None] - rows) / max(1.0, 0.03 * h)).clamp(0, 1) * garment
        return torch.lerp(tiled, image, keep)

    @staticmethod
    def _swatch(image: torch.Tensor, garment: torch.Tensor, pose: dict[str, torch.Tensor]) -> torch.Tensor:
        """A square of fabric ``(B, 3, t, t)`` at photo scale, ``t`` = 0.08 h: of the squares along the thighs and
        shins (a third and two thirds of the way hip -> knee and knee -> ankle) that are at least 85% garment,
        the most even in colour (a hand or a bag's strap over the cloth is not fabric); the top of the garment's
        box where none is
        (:func:`designgan.models.texture.garment_square_boxes`)."""
        h = image.shape[-2]
        t = max(2, round(0.08 * h))  # narrower than a slim shin in the frame
        hips, knees, ankles = pose["hips"], pose["knees"], pose["ankles"]
        centres = torch.cat([torch.lerp(a, b, f) for a, b in ((hips, knees), (knees, ankles)) for f in (1 / 3, 2 / 3)],
                            dim=1)  # (B, 8, 2)
        n = centres.shape[1]
        boxes = torch.cat([centres - t / 2, centres + t / 2], dim=-1)  # (B, 8 squares, 4)
        flat = boxes.flatten(0, 1)
        cloth = crop_resize(garment.repeat_interleave(n, dim=0), flat, (4, 4)).mean(dim=(1, 2, 3)).view(-1, n)
        looks = crop_resize(image.detach().float().repeat_interleave(n, dim=0), flat, (8, 8))
        spread = looks.std(dim=(2, 3)).mean(dim=1).view(-1, n)
        score = torch.where(cloth >= 0.85, spread, torch.inf)
        best = score.argmin(dim=1)
        square = boxes[torch.arange(boxes.shape[0], device=boxes.device), best]
        fallback, _ = garment_square_boxes(garment)
        square = torch.where(score.amin(dim=1, keepdim=True).isfinite(), square, fallback)
        return crop_resize(image.detach(), square, (t, t)).to(image.dtype)

    @staticmethod
    def skin_colour(image: torch.Tensor, garment: torch.Tensor, xy: torch.Tensor, seen: torch.Tensor) -> torch.Tensor:
        """Per sample, the median colour ``(B, 3)`` in [-1, 1] of the skin-coloured pixels (:func:`skin_pixels`)
        within 0.04 h of the visible wrists (the hands), outside the garment ``(B, H, W)``; the swatch where
        fewer than :data:`MIN_SKIN_PIXELS` such pixels exist. Differentiable in ``image``."""
        h, w = image.shape[-2:]
        grid = PriorRenderer._grid(h, w, image.device)
        radius = max(2.0, 0.04 * h)
        near = ((grid[None, None] - xy[:, WRISTS, None, None]).norm(dim=-1) <= radius) & seen[:, WRISTS, None, None]
        near = near.any(dim=1) & (garment < 0.5) & skin_pixels(image)  # (B, H, W)
        pixels = torch.where(near[:, None], image, torch.nan).flatten(2)
        median = pixels.nanmedian(dim=2).values
        swatch = torch.tensor([2 * v - 1 for v in SKIN_SWATCH], device=image.device, dtype=image.dtype)
        return torch.where((near.flatten(1).sum(dim=1) >= MIN_SKIN_PIXELS)[:, None], median, swatch)
