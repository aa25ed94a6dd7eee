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

Everything is batched tensor work on the input's device (the prior refiner calls it on every training step): no
loop over samples, no PIL, no host round trip of its own (``garment_texture`` still reads its crop factor back).
The shapes are rasterised as Pillow's ``ImageDraw`` drew them in the first, per-sample version (integer vertices,
its scan-line rule, its wide lines and ellipses), so the output did not change; ``tests/models/
test_prior_reference.py`` keeps that PIL version as the reference.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from designgan.models.generator import GeneratorOutput
from designgan.models.texture import garment_texture

SKIN_SWATCH = (0.78, 0.60, 0.50)  # RGB in [0, 1]: used when no hand is visible
POINTS = ("left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle", "left_wrist", "right_wrist")
# (left, right) pairs of POINTS as slices: indexing with a slice, unlike a list, copies no index to the device
HIPS, KNEES, ANKLES, WRISTS = slice(0, 2), slice(2, 4), slice(4, 6), slice(6, 8)


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


def landmark_peaks(heatmaps: torch.Tensor, names: Sequence[str]) -> tuple[torch.Tensor, torch.Tensor]:
    """Each of :data:`POINTS`' heatmap peak: ``(xy (B, P, 2) float64 pixels, seen (B, P) bool)``.

    One max and one argmax (the first maximum) over the flattened maps of all samples and landmarks; a point is
    seen when its peak reaches 0.5 and its name has a channel. Unseen points keep a meaningless position: mask
    them with ``seen``.
    """
    b, w = heatmaps.shape[0], heatmaps.shape[-1]
    channels = [names.index(n) for n in POINTS if n in names]
    if not channels:
        return heatmaps.new_zeros(b, len(POINTS), 2, dtype=torch.float64), heatmaps.new_zeros(
            b, len(POINTS), dtype=torch.bool)
    first = min(channels)
    maps = heatmaps[:, first:max(channels) + 1].float().flatten(2)  # a view over the range: no gathered copy
    peak, flat = maps.amax(dim=2), maps.argmax(dim=2)
    xy = torch.stack([flat % w, torch.div(flat, w, rounding_mode="floor")], dim=-1).double()
    absent = torch.zeros_like(peak[:, 0])  # a name without a channel: never seen
    peaks = torch.stack([peak[:, names.index(n) - first] if n in names else absent for n in POINTS], dim=1)
    xy = torch.stack([xy[:, names.index(n) - first] if n in names else xy[:, 0] for n in POINTS], dim=1)
    return xy, peaks >= 0.5


def row_spans_mask(start: torch.Tensor, end: torch.Tensor, width: int) -> torch.Tensor:
    """Pixel rows ``(..., H, W)`` bool covered by any of the spans ``start .. end`` ``(..., H, S)`` (inclusive
    integer columns; start > end: no span). A difference array and a cumulative sum: O(H (S + W)), not O(H S W)."""
    first = start.clamp(0, width).long()
    stop = (end + 1).clamp(0, width).long()
    keep = (first < stop).int()
    delta = torch.zeros((*start.shape[:-1], width + 1), dtype=torch.int32, device=start.device)
    delta.scatter_add_(-1, first, keep).scatter_add_(-1, stop, -keep)
    return delta.cumsum(dim=-1, dtype=torch.int32)[..., :width] > 0


def fill_polygons(vertices: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """Filled polygons ``(..., K, 2)`` (x, y; closed) -> ``(..., H, W)`` bool, as Pillow fills them
    (:func:`polygon_spans`)."""
    return row_spans_mask(*polygon_spans(vertices, height), width)


def polygon_spans(vertices: torch.Tensor, height: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The filled column spans ``(start, end)``, each ``(..., H, 2K)``, of polygons ``(..., K, 2)`` (x, y; closed)
    on each row, as Pillow fills them (absent spans: start inf, end -inf; checked against Pillow 12.3).

    Pillow's scan line (``polygon_generic`` in libImaging/Draw.c), row by row but for all rows and polygons at
    once: vertices truncated to integers; on each integer row y every non-horizontal edge with y in
    [ymin, ymax] gives its float32 crossing, repeated where the edge ends (y == ymax, above the last row); a
    pointed corner's crossing is pulled to the next row's crossings ("connect discontiguous corners"); the sorted
    crossings are paired and each pair fills round-half-up(left) .. round-half-down(right); horizontal edges are
    drawn whole. Reproducing it (rather than sampling pixel centres) keeps the rendered prior as it was.
    """
    v = torch.trunc(vertices).float()  # Pillow's int vertices, exact in float32 (|v| < 2^24)
    x0f, y0f = v[..., 0], v[..., 1]
    x1, y1 = x0f.roll(-1, dims=-1), y0f.roll(-1, dims=-1)
    slanted = y0f != y1
    slope = (x1 - x0f) / torch.where(slanted, y1 - y0f, 1.0)  # Pillow's float dx
    ymin, ymax = torch.minimum(y0f, y1), torch.maximum(y0f, y1)  # (..., K)
    last_row = ymax.amax(dim=-1, keepdim=True).clamp(0, height)  # Pillow's clipped polygon ymax

    def crossing(y: torch.Tensor, at: tuple[object, ...]) -> torch.Tensor:
        """Where edges (placed on the dimensions ``at``) meet rows ``y``, in float32 as the C code evaluates it."""
        return (y - y0f[at]) * slope[at] + x0f[at]

    ys = torch.arange(height, device=v.device, dtype=torch.float32)
    per_row = (..., slice(None), None)  # edge i against rows (..., K, H)
    cross = crossing(ys, per_row)
    active = slanted[..., None] & (ymin[..., None] <= ys) & (ys <= ymax[..., None])
    repeat = active & (ys == ymax[..., None]) & (ys < last_row[..., None])

    # "Connect discontiguous corners": only on an edge's end rows (..., K, 2 ends), where edge i meets an earlier
    # edge k at one of k's ends in the same rounded x; i's crossing moves next to the adjacent row's crossings.
    steep = slanted & (slope != 0)
    ends = torch.stack([ymin, ymax], dim=-1)  # (..., K, 2)
    corner = steep[..., None] & torch.stack([torch.ones_like(steep), ymax >= last_row], dim=-1)
    step = 1.0 - 2 * torch.arange(2, device=v.device, dtype=torch.float32)  # from the top end down, bottom up
    at_end, near = crossing(ends, per_row), crossing(ends + step, per_row)
    row, next_row = ends[..., None], (ends + step)[..., None]  # (..., i, 2, 1) against edges k
    other = (..., None, None, slice(None))
    k_end = steep[other] & ((row == ymin[other]) | (row == ymax[other]))
    same = _roundf(at_end)[..., None] == _roundf(crossing(row, other))
    spans = (ymin[other] <= next_row) & (next_row <= ymax[other])
    earlier = torch.ones(v.shape[-2], v.shape[-2], dtype=torch.bool, device=v.device).tril(-1)[:, None, :]
    match = corner[..., None] & k_end & same & spans & earlier  # (..., i, 2, k)
    other_near = crossing(next_row, other)
    k_near = torch.zeros_like(at_end)
    for k in reversed(range(v.shape[-2])):  # the first matching k wins, as the C loop breaks there
        k_near = torch.where(match[..., k], other_near[..., k], k_near)
    hi, lo = torch.maximum(near, k_near), torch.minimum(near, k_near)
    moved = torch.where((at_end > near + 1) & (at_end > k_near + 1), _roundf(hi) + 1,
                        torch.where((at_end < near - 1) & (at_end < k_near - 1), _roundf(lo) - 1, at_end))
    pulled = match.any(dim=-1)
    cross_first = cross
    for side in (0, 1):
        here = pulled[..., side, None] & (ys == ends[..., side, None])
        cross_first = torch.where(here, moved[..., side, None], cross_first)
    inf = torch.full_like(cross, math.inf)
    entries = torch.cat([torch.where(active, cross_first, inf), torch.where(repeat, cross, inf)], dim=-2)
    entries = entries.transpose(-1, -2).sort(dim=-1).values  # (..., H, 2K), absent entries last
    count = active.sum(dim=-2) + repeat.sum(dim=-2)  # (..., H)
    pairs = torch.arange(v.shape[-2], device=v.device)
    valid = (2 * pairs + 1) < count[..., None]  # (..., H, K): an odd leftover is dropped, as in C
    start = torch.where(valid, _round_up(entries[..., 0::2]), math.inf)
    end = torch.where(valid, _round_down(entries[..., 1::2]), -math.inf)
    flat = (~slanted)[..., None] & (y0f[..., None] == ys)  # (..., K, H): horizontal edges, drawn whole
    flat_start = torch.where(flat, torch.minimum(x0f, x1)[..., None], math.inf).transpose(-1, -2)
    flat_end = torch.where(flat, torch.maximum(x0f, x1)[..., None], -math.inf).transpose(-1, -2)
    return torch.cat([start, flat_start], dim=-1), torch.cat([end, flat_end], dim=-1)


def _roundf(f: torch.Tensor) -> torch.Tensor:
    """C's roundf (halves away from zero), through float64 so that f + 0.5 cannot round up."""
    d = f.double()
    return (torch.sign(d) * torch.floor(d.abs() + 0.5)).to(f.dtype)


def _round_up(f: torch.Tensor) -> torch.Tensor:
    """Pillow's ROUND_UP of a float: floor(f + 0.5f) in float32, halves away from zero."""
    return torch.where(f >= 0, torch.floor(f + 0.5), -torch.floor(f.double().abs() + 0.5).to(f.dtype))


def _round_down(f: torch.Tensor) -> torch.Tensor:
    """Pillow's ROUND_DOWN of a float: ceil(f - 0.5f), halves towards zero."""
    return torch.where(f >= 0, torch.ceil(f - 0.5), -torch.ceil(f.double().abs() - 0.5).to(f.dtype))


@functools.lru_cache(maxsize=64)
def _ellipse_spans(a: int, b: int) -> tuple[int, ...]:
    """Pillow's filled ellipse in an (a, b) box (libImaging's ``quarter_*`` walk on the doubled grid, where pixel
    x is X = 2 x - x0 - x1): for each row |Y| = 0 .. b (Y = b mod 2) the half-span R, |X| <= R filled; -1: none."""
    spans = [-1] * (b + 1)

    def delta(x: int, y: int) -> int:
        return abs(a * a * y * y + b * b * x * x - a * a * b * b)

    cx, cy = a, b % 2
    while cy <= b:
        if spans[cy] < 0:
            spans[cy] = cx  # the walk enters each row at its widest point
        if cx == a % 2 and cy == b:
            break
        nx, ny = cx, cy + 2
        nd = delta(nx, ny)
        if nx > 1:
            if delta(cx - 2, cy + 2) < nd:
                nx, ny, nd = cx - 2, cy + 2, delta(cx - 2, cy + 2)
            if delta(cx - 2, cy) < nd:
                nx, ny = cx - 2, cy
        cx, cy = nx, ny
    return tuple(spans)


@functools.lru_cache(maxsize=64)
def _ellipse_table(width: int, device: torch.device) -> torch.Tensor:
    """Half-spans (2, 2, width + 2) of the round caps' boxes, indexed [box width == width, box height == width,
    |Y|]: a box is width pixels, or width - 1 where Pillow truncated a negative corner towards zero. Built once
    per width and device, so a forward pass copies nothing to the device."""
    table = [[list(_ellipse_spans(a, b)) + [-1] * (width + 1 - b) for b in (width - 1, width)]
             for a in (width - 1, width)]
    return torch.tensor(table, dtype=torch.float32, device=device)


def wide_lines(start: torch.Tensor, end: torch.Tensor, width: int, height: int, frame_width: int) -> torch.Tensor:
    """Round-capped strokes ``start -> end`` ``(..., 2)`` of ``width`` pixels -> ``(..., H, W)`` bool
    (:func:`wide_line_spans`)."""
    return row_spans_mask(*wide_line_spans(start, end, width, height), frame_width)


def wide_line_spans(start: torch.Tensor, end: torch.Tensor, width: int, height: int
                    ) -> tuple[torch.Tensor, torch.Tensor]:
    """Row spans ``(..., H, S)`` of round-capped strokes ``start -> end`` ``(..., 2)`` of ``width`` pixels.

    As ``ImageDraw.line(width=w)`` plus an ``ellipse`` in the box ``end -+ w / 2`` at each end: the line is
    Pillow's quad (:func:`wide_line_quads`) filled by :func:`polygon_spans`, the caps Pillow's ellipse raster
    (:func:`round_cap_spans`).
    """
    return round_cap_spans(*polygon_spans(wide_line_quads(start, end, width), height), (start, end), width)


def wide_line_quads(start: torch.Tensor, end: torch.Tensor, width: int) -> torch.Tensor:
    """Pillow's quad ``(..., 4, 2)`` for a line ``start -> end`` ``(..., 2)`` of ``width`` pixels
    (``ImagingDrawWideLine``): offsets rounded half up on one side and half down on the other, so an even width
    is one pixel wider on one side, which a symmetric capsule cannot reproduce."""
    p0, p1 = torch.trunc(start), torch.trunc(end)
    d = p1 - p0
    length = torch.hypot(d[..., 0], d[..., 1])[..., None]
    length = torch.where(length > 0, length, torch.full_like(length, math.inf))  # a point: no offsets
    half = (width - 1) / 2.0
    outer, inner = math.floor(half + 0.5) / length, math.ceil(half - 0.5) / length  # ratio_max, ratio_min
    dx_in, dx_out = _round_down(inner * d[..., 1:]), _round_down(outer * d[..., 1:])
    dy_in, dy_out = _round_down(inner * d[..., :1]), _round_down(outer * d[..., :1])
    return torch.stack([torch.cat([p0[..., :1] - dx_in, p0[..., 1:] + dy_out], -1),
                        torch.cat([p1[..., :1] - dx_in, p1[..., 1:] + dy_out], -1),
                        torch.cat([p1[..., :1] + dx_out, p1[..., 1:] - dy_in], -1),
                        torch.cat([p0[..., :1] + dx_out, p0[..., 1:] - dy_in], -1)], dim=-2)


def round_cap_spans(start: torch.Tensor, end: torch.Tensor, centres: Sequence[torch.Tensor], width: int
                    ) -> tuple[torch.Tensor, torch.Tensor]:
    """Row spans ``(start, end)`` ``(..., H, S)`` with, for each centre ``c`` ``(..., 2)``, the rows of Pillow's
    filled ellipse in the box ``c -+ width / 2`` (truncated to integers; :func:`_ellipse_spans`) added."""
    height = start.shape[-2]
    table = _ellipse_table(width, start.device)
    ys = torch.arange(height, device=start.device, dtype=torch.float32)
    starts, ends = [start], [end]
    for centre in centres:
        lo, hi = torch.trunc(centre - width / 2).float(), torch.trunc(centre + width / 2).float()
        size = (hi - lo == width).long()  # (..., 2): full box or one pixel short
        row = (2 * ys - (lo[..., 1:] + hi[..., 1:])).abs().clamp(max=width + 1).long()  # (..., H): |Y|
        reach = table[size[..., :1], size[..., 1:], row]  # (..., H): |X| <= reach, X = 2 x - x0 - x1
        mid = lo[..., :1] + hi[..., :1]
        starts.append(torch.where(reach >= 0, torch.ceil((mid - reach) / 2), math.inf)[..., None])
        ends.append(torch.where(reach >= 0, torch.floor((mid + reach) / 2), -math.inf)[..., None])
    return torch.cat(starts, dim=-1), torch.cat(ends, dim=-1)


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
        size = (x.shape[-2], x.shape[-1])
        garment = (attention[:, :1].float() > 0.5).float()
        fabric, _ = garment_texture(x, garment)
        xy, seen = landmark_peaks(attention[:, 1:], self.heatmap_names)
        target, legs = self._shapes(xy, seen, size)
        canvas = fill_from_surroundings(x, garment)
        if legs is not None:
            skin = self.skin_colour(x, garment[:, 0], xy, seen)
            canvas = torch.where(legs[:, None], skin[:, :, None, None], canvas)
        canvas = torch.where(target[:, None], fabric, canvas)
        logits = (target[:, None].float() * 2 - 1) * 8
        return GeneratorOutput(image=canvas.clamp(-1, 1).to(image.dtype), mask_logits=logits.to(image.dtype))

    def silhouette(self, xy: torch.Tensor, seen: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
        """The target garment's silhouette ``(B, H, W)`` bool from :func:`landmark_peaks`' points; empty without
        both hips. Missing knees: the hem from the hips (0.35 h below); missing ankles: knee + (knee - hip)."""
        start, end = polygon_spans(self._polygons(xy, seen, size), size[0])
        return self._mask(start, end, seen[:, HIPS].all(dim=1), size[1])

    @staticmethod
    def legs(xy: torch.Tensor, seen: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
        """Skin strokes knee -> ankle ``(B, H, W)`` bool, for each side whose knee and ankle are both seen."""
        h, w = size
        start, end = wide_line_spans(xy[:, KNEES], xy[:, ANKLES], max(2, round(0.07 * h)), h)  # (B, 2, H, S)
        return PriorRenderer._mask(start, end, seen[:, KNEES] & seen[:, ANKLES], w)

    def _shapes(self, xy: torch.Tensor, seen: torch.Tensor, size: tuple[int, int]
                ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """:meth:`silhouette` and, for a skirt, :meth:`legs`; the skirt's quad and the legs' quads (4 vertices
        each) share one scan-line pass, which halves the small tensor operations a GPU has to launch."""
        if self.target_family != "skirt":
            return self.silhouette(xy, seen, size), None
        h, w = size
        width = max(2, round(0.07 * h))
        quads = torch.cat([self._polygons(xy, seen, size), wide_line_quads(xy[:, KNEES], xy[:, ANKLES], width)], dim=1)
        start, end = polygon_spans(quads, h)  # (B, 1 skirt + 2 legs, H, S)
        target = self._mask(start[:, :1], end[:, :1], seen[:, HIPS].all(dim=1, keepdim=True), w)
        start, end = round_cap_spans(start[:, 1:], end[:, 1:], (xy[:, KNEES], xy[:, ANKLES]), width)
        return target, self._mask(start, end, seen[:, KNEES] & seen[:, ANKLES], w)

    @staticmethod
    def _mask(start: torch.Tensor, end: torch.Tensor, drawn: torch.Tensor, width: int) -> torch.Tensor:
        """The union ``(B, H, W)`` of the shapes' row spans ``(B, shapes, H, S)`` whose ``drawn`` ``(B, shapes)``
        (or ``(B,)``) is set."""
        drawn = drawn.reshape(start.shape[0], -1)[..., None, None]
        start = torch.where(drawn, start, math.inf).transpose(1, 2).flatten(2)  # every shape's spans per row
        return row_spans_mask(start, end.transpose(1, 2).flatten(2), width)

    def _polygons(self, xy: torch.Tensor, seen: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
        """The silhouette's polygons ``(B, P, K, 2)``: the skirt's trapezoid (P 1, K 4), or two trouser legs
        hip -> knee -> ankle (P 2, K 6). Fallbacks for missing knees and ankles as in :meth:`silhouette`."""
        h, w = size
        hips, knees = xy[:, HIPS], xy[:, KNEES]  # (B, 2 sides, 2)
        centre = hips.mean(dim=1)
        half = ((hips[:, 0, 0] - hips[:, 1, 0]).abs() / 2).clamp(min=0.08 * w)
        knees_seen = seen[:, KNEES].all(dim=1)
        knee_y = torch.where(knees_seen, knees[:, :, 1].mean(dim=1), centre[:, 1] + 0.35 * h)
        top = centre[:, 1] - 0.06 * h
        if self.target_family == "skirt":
            hem = knee_y + 0.03 * h
            top_half, hem_half = 1.25 * half, 1.25 * half * 1.5
            cx = centre[:, 0]
            corners = [(cx - top_half, top), (cx + top_half, top), (cx + hem_half, hem), (cx - hem_half, hem)]
            return torch.stack([torch.stack(c, dim=-1) for c in corners], dim=1)[:, None]
        knee = torch.where(knees_seen[:, None, None], knees,
                           torch.stack([hips[..., 0], knee_y[:, None].expand(-1, 2)], dim=-1))
        ankles_seen = seen[:, ANKLES].all(dim=1)[:, None, None]
        ankle = torch.where(ankles_seen, xy[:, ANKLES], knee + (knee - hips))
        w_hip, w_knee, w_ankle = (f * half[:, None] for f in (1.1, 0.75, 0.6))
        top2 = top[:, None].expand(-1, 2)
        corners = [(hips[..., 0] - w_hip, top2), (hips[..., 0] + w_hip, top2),
                   (knee[..., 0] + w_knee, knee[..., 1]), (ankle[..., 0] + w_ankle, ankle[..., 1]),
                   (ankle[..., 0] - w_ankle, ankle[..., 1]), (knee[..., 0] - w_knee, knee[..., 1])]
        return torch.stack([torch.stack(c, dim=-1) for c in corners], dim=2)

    @staticmethod
    def skin_colour(image: torch.Tensor, garment: torch.Tensor, xy: torch.Tensor, seen: torch.Tensor) -> torch.Tensor:
        """Per sample, the median colour ``(B, 3)`` in [-1, 1] near the visible wrists (the hands), outside the
        garment ``(B, H, W)``; the swatch where fewer than 12 such pixels exist. Differentiable in ``image``."""
        b, c, h, w = image.shape
        radius = max(2, round(0.025 * h))
        # Only the (2r + 1)^2 windows around the two wrists can be near: gather those, not the whole frame.
        offsets = torch.arange(-radius, radius + 1, device=image.device, dtype=torch.float64)
        dx, dy = offsets.repeat(2 * radius + 1), offsets.repeat_interleave(2 * radius + 1)  # (N,)
        centre = xy[:, WRISTS]  # (B, 2, 2)
        px, py = centre[..., :1] + dx, centre[..., 1:] + dy  # (B, 2 wrists, N)
        inside = (px >= 0) & (px < w) & (py >= 0) & (py < h)
        near = (dx ** 2 + dy ** 2 <= radius ** 2) & inside & seen[:, WRISTS, None]
        # a pixel near both wrists is one pixel: the right wrist's window skips the left wrist's disc
        twice = ((px[:, 1] - centre[:, :1, 0]) ** 2 + (py[:, 1] - centre[:, :1, 1]) ** 2 <= radius ** 2) \
            & seen[:, WRISTS][:, :1]
        near = torch.stack([near[:, 0], near[:, 1] & ~twice], dim=1).flatten(1)  # (B, 2N)
        index = (py.clamp(0, h - 1) * w + px.clamp(0, w - 1)).long().flatten(1)
        near = near & (garment.flatten(1).gather(1, index) < 0.5)
        pixels = image.flatten(2).gather(2, index[:, None].expand(-1, c, -1))  # (B, 3, 2N)
        pixels = torch.where(near[:, None], pixels, math.nan)
        median = pixels.nanmedian(dim=2).values  # the lower middle value, as median() over the selection
        swatch = torch.stack([image.new_full((b,), 2 * v - 1) for v in SKIN_SWATCH], dim=1)
        return torch.where((near.sum(dim=1) >= 12)[:, None], median, swatch)
