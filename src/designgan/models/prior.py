"""The rendered prior: the target garment painted from the landmarks in the lower-body garment frame, no learning.

Given a frame crop (see :mod:`designgan.landmarks.frame`), its source garment mask and the landmark heatmaps, it
paints what a translator should roughly produce:

1. the background where the source garment was (its mask grown by a pixel or two, so no old cloth edge is left),
   filled from the pixels around it (pull-push: masked averages over ever coarser grids, then back up);
2. for a skirt, the lower legs in the person's own skin colour where the old garment was: limbs knee -> ankle in
   the measured outline of a real lower leg, lit by a real leg's measured shading when the renderer holds a bank
   of them (:mod:`designgan.models.leg_shading`; the bundled models do), else like a cylinder (lighter along the
   axis, darker at the sides), darkened below the hem as measured (``prior_style.HEM_SHADOW``). The colour is the
   one the caller gives (the pipeline reads it off the face and hands in the whole photo,
   :mod:`designgan.landmarks.skin`), else the skin-coloured pixels around the wrists in the frame, else a mid
   skin-tone swatch (a known weakness);
3. the target garment (by default a knee-length A-line skirt with a curved hem, or two trouser legs hip -> knee ->
   ankle under a waist band; shorts are trousers cut at the thigh with skin legs below), shaded the same way, in
   the source garment's own fabric: above the crotch the old garment's own pixels (waist band, belt, the hips'
   folds), below it a swatch cut from a thigh, resynthesised over the frame as spot noise (the swatch's colours
   and grain, no repeated copies).

The garment's length, cut, flare, waist height and fit are a :class:`~designgan.models.prior_style.PriorStyle`
(the renderer's ``style``, or ``forward(..., style=)`` for one call); the shapes are
:mod:`designgan.models.prior_shapes`. Shapes are drawn as signed distances with one pixel of anti-aliasing, so
edges are soft and the whole render is tensor arithmetic over the frame: batched on the input's device,
differentiable in the image (the prior refiner calls it on every training step), no loop over samples and no
PIL.

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
from designgan.models import leg_shading as legs_light
from designgan.models import prior_shapes as shapes
from designgan.models import prior_style as S
from designgan.models.generator import GeneratorOutput
from designgan.models.prior_shapes import POINTS, WRISTS, grid_of, tapered_segments
from designgan.models.prior_style import MIN_SKIN_PIXELS, SKIN_SWATCH, PriorStyle
from designgan.models.segmenter import GarmentSegmenter, SegmenterConfig
from designgan.models.texture import garment_square_boxes


def fill_from_surroundings(image: torch.Tensor, hole: torch.Tensor, levels: int = S.FILL_LEVELS) -> torch.Tensor:
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


def connected_to(seed: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """The parts of ``mask`` (B, 1, H, W in {0, 1}) 8-connected to ``seed`` (within ``mask``): morphological
    reconstruction, the seed grown a pixel at a time inside the mask until it stops changing."""
    grown = seed * mask
    while True:
        wider = F.max_pool2d(grown, 3, stride=1, padding=1) * mask
        if torch.equal(wider, grown):
            return grown
        grown = wider


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
    k = max(3, 2 * round(S.EDGE_WINDOW * h) + 1)  # the edge colour: a masked mean over a few pixels along the row
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
    kv = max(3, 2 * round(S.COLUMN_SMOOTH * h) + 1)
    inside = hole.float()
    num = F.avg_pool2d(F.pad(rows * inside, [0, 0, kv // 2, kv // 2], mode="replicate"), (kv, 1), stride=1)
    den = F.avg_pool2d(F.pad(inside, [0, 0, kv // 2, kv // 2], mode="replicate"), (kv, 1), stride=1)
    smooth = num / den.clamp(min=1e-6)
    return image * valid + smooth * inside


def inpaint(image: torch.Tensor, hole: torch.Tensor) -> torch.Tensor:
    """The background where ``hole`` (B, 1, H, W) is 1: colours from :func:`fill_along_rows`, and the fine
    detail (pavement, grass, a wall's joints) of the pixels mirrored across the hole's nearer side on each row,
    fading out over :data:`~S.DETAIL_FADE` W, so the fill is not a flat smear."""
    smooth = fill_along_rows(image, hole)
    k = max(3, 2 * round(S.DETAIL_BLUR * image.shape[-2]) + 1)
    detail = smooth - box_blur(smooth, k)
    source = mirror_columns(hole)
    mirrored = detail.gather(-1, source.expand(-1, image.shape[1], -1, -1))
    cols = torch.arange(image.shape[-1], device=image.device)
    fade = torch.exp(-(source - cols).abs().float() / (2 * S.DETAIL_FADE * image.shape[-1]))
    return smooth + mirrored * fade * hole


def wrist_zone(grid: torch.Tensor, xy: torch.Tensor, seen: torch.Tensor) -> torch.Tensor:
    """Where the hands may be ``(B, 1, H, W)`` bool: within :data:`~S.HAND_RADIUS` of the frame's height of a
    wrist the landmarks saw (``xy``, ``seen``: :func:`landmark_peaks`; ``grid``: :func:`grid_of`)."""
    h = grid.shape[0]
    near = ((grid[None, None] - xy[:, WRISTS, None, None]).norm(dim=-1) <= S.HAND_RADIUS * h) & \
        seen[:, WRISTS, None, None]
    return near.any(dim=1)[:, None]


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
    return (y >= S.SKIN_Y_MIN) & (cr >= S.SKIN_CR[0]) & (cr <= S.SKIN_CR[1]) & (cb >= S.SKIN_CB[0]) & \
        (cb <= S.SKIN_CB[1])


def mirrored_tile(patch: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Patches ``(B, C, t, t)`` repeated over ``size`` (h, w) with every other copy mirrored, so neighbouring
    copies meet at equal pixels and no seam shows."""
    pair = torch.cat([patch, patch.flip(-1)], dim=-1)
    block = torch.cat([pair, pair.flip(-2)], dim=-2)  # (B, C, 2t, 2t), seamless when repeated
    h, w = size
    reps = (-(-h // block.shape[-2]), -(-w // block.shape[-1]))
    return block.repeat(1, 1, *reps)[..., :h, :w]


def spot_noise(patch: torch.Tensor, size: tuple[int, int], contrast: torch.Tensor | None = None) -> torch.Tensor:
    """A texture ``(B, C, h, w)`` with the fabric of ``patch`` ``(B, C, t, t)`` and none of its layout: white noise
    convolved with the patch less its mean (asymptotic discrete spot noise, Galerne, Gousseau and Morel, "Random
    phase textures", 2011), plus that mean. It keeps the patch's colours, contrast and the direction and scale of
    its grain (its autocorrelation), so a weave or a twill reads as cloth, and repeats nothing, where copies of the
    patch tiled side by side show every crease in it again and again (a kaleidoscope); a print's motifs are lost.
    The noise is seeded by the patch itself: a photo always gets the same texture, another photo another one.
    ``contrast`` (B, C): the most its std may be per channel (a patch with a seam or a bag's edge in it has more
    contrast than the cloth, which spot noise would spread over the whole garment)."""
    b, c, t, _ = patch.shape
    h, w = size
    mean = patch.mean(dim=(-2, -1), keepdim=True)
    texton = (patch - mean).float() / t  # 1 / sqrt(t * t): the texture's variance is the patch's
    seed = int((patch.detach().float().abs().sum() * 1000).item()) % (2 ** 31)
    noise = torch.randn(1, b, h + t - 1, w + t - 1, generator=torch.Generator().manual_seed(seed))
    out = F.conv2d(noise.to(patch.device), texton.reshape(b * c, 1, t, t), groups=b).view(b, c, h, w)
    if contrast is not None:
        std = out.std(dim=(-2, -1)).clamp(min=1e-6)
        out = out * (contrast.float() / std).clamp(max=1)[..., None, None]
    return (out + mean).to(patch.dtype)


def flattened(patch: torch.Tensor) -> torch.Tensor:
    """``patch`` (B, C, t, t) with its broad light and shade taken out (its mean colour plus what differs from a
    blur a third of its side wide): a crease or a shadow across the swatch would repeat as a kaleidoscope when
    tiled, while the weave and a small print are what the fabric is."""
    t = patch.shape[-1]
    k = max(3, 2 * (t // S.FLATTEN) + 1)
    return patch - box_blur(patch, k) + patch.mean(dim=(-2, -1), keepdim=True)


def shaded(colour: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
    """``colour`` (B, 3, H, W) in [-1, 1] lit like a cylinder seen from the front: ``u`` (B, 1, H, W) is 0 on
    its axis (a little lighter) and 1 at its sides (darker), as cloth and legs look under diffuse light."""
    light = S.LIGHT_AXIS - S.LIGHT_SIDE * u * u
    return ((colour + 1) * light - 1).clamp(-1, 1)


class PriorRenderer(nn.Module):
    """Paints the target garment family (``skirt``, ``trousers`` or ``shorts``) in the lower-body frame, in the
    shape ``style`` gives (module docstring)."""

    # forward() takes the person's skin colour (read off the whole photo by the caller) and a fabric to paint,
    # and paints the garment's fabric itself: the pipeline passes both and runs no texture refinement after it
    prior_inputs = True
    families = ("skirt", "trousers", "shorts")
    # it repaints this far (of the frame's height) past the source mask (:meth:`_grow`): the composition shows
    # that band whole, or the old garment's soft edge, which the mask misses, stays as a faint outline
    repaints_past_mask = S.GROW

    def __init__(self, target_family: str = "skirt", heatmap_names: Sequence[str] = (),
                 attention_channels: int | None = None, style: PriorStyle | None = None,
                 in_front_widths: Sequence[int] = SegmenterConfig().widths, in_front_inside: bool = False) -> None:
        super().__init__()
        # measured legs' shading (module docstring, step 2): (N, 8, ROWS, COLS) pairs of maps (left leg's 4
        # channels, then the right's: rank 4, as channels_last wants) and (N, 3) their colours, filled by loading a
        # bundled model; N = 0 (a renderer built in code) lights legs as cylinders
        self.register_buffer("leg_shading", torch.zeros(0, 8, legs_light.ROWS, legs_light.COLS))
        self.register_buffer("leg_colours", torch.zeros(0, 3))
        # what of the person stays in front of the new garment (tops and jackets over the hips, bags, hands): a
        # frozen segmenter trained on CCP's labels (landmarks.segmenter_data, target "in_front"), filled by loading
        # a bundled model (whose JSON gives its widths); ``has_in_front`` 0 (a renderer built in code) keeps only the
        # hands the skin test finds
        self.in_front = GarmentSegmenter(SegmenterConfig(tuple(in_front_widths))).eval().requires_grad_(False)
        # a segmenter trained on priors that spill onto bags and shoes (segmenter_train's prior_bleed) is trusted
        # inside the old garment's mask too; one trained on exact masks only outside it (inside, it was never asked)
        self.in_front_inside = in_front_inside
        self.register_buffer("has_in_front", torch.zeros((), dtype=torch.bool))
        if target_family not in self.families:
            raise ValueError(f"the prior draws {', '.join(self.families)}, not '{target_family}'")
        if attention_channels is not None and attention_channels != 1 + len(heatmap_names):
            raise ValueError(f"the prior needs one heatmap per landmark name: {attention_channels} attention "
                             f"channels for {len(heatmap_names)} names")
        self.target_family = target_family
        self.heatmap_names = list(heatmap_names)
        self.attention_channels = 1 + len(self.heatmap_names)
        self.has_mask_head = True
        self.texture_channels = 0
        self.style = (style or PriorStyle()).validate()
        self.style.length_for(target_family)  # a length of the other kind is refused here, not on the first photo

    def forward(self, image: torch.Tensor, attention: torch.Tensor, skin: torch.Tensor | None = None,
                fabric: torch.Tensor | None = None, style: PriorStyle | None = None) -> GeneratorOutput:
        """``skin``: the person's skin colour ``(B, 3)`` in [-1, 1], NaN rows where unknown; None: read off the
        frame (the wrists). ``fabric``: a fabric tiled over the frame ``(B, 3, H, W)`` in [-1, 1] that the whole
        new garment takes; None: the source garment's own (module docstring). ``style``: this call's shape instead
        of the renderer's; a length it asks for that the photo cannot show (the legs cut off above the hem) is
        refused (:class:`~designgan.errors.DesignGANError`)."""
        family, x = self.target_family, image.float()
        asked = style is not None and style.length is not None
        style = self.style if style is None else style.validate()
        fraction = style.length_for(family)
        h, w = x.shape[-2:]
        garment = (attention[:, :1].float() > 0.5).float()
        xy, seen = landmark_peaks(attention[:, 1:], self.heatmap_names)
        grid = grid_of(h, w, x.device)
        pose = shapes.pose(xy, seen, garment, (h, w), style)
        if asked or self.style.length is not None:
            shapes.check_drawable(pose, seen, fraction, h, style.garment(family))
        hole = dilate(garment, 2 * self._grow(h) + 1)
        near_hands = wrist_zone(grid, xy, seen)
        # hands, bags and tops stay in front; the fill reads the background past them, not their colours. Not for
        # new trousers: their source, a skirt, is the garment the segmenter finds worst (held-out photo IoU 0.647),
        # and the parts of it the mask misses read as a top or a scarf: kept, they stood over the new trousers
        front = self._hands(x, garment, near_hands)
        if family != "trousers":
            front = torch.maximum(front, self._in_front(x, garment))
        repainted = torch.maximum(hole, (front > 0).float())
        canvas = inpaint(x, repainted)
        if family == "skirt":
            shape, u = shapes.skirt(grid, pose, style)
        else:
            shape, u = shapes.trousers(grid, pose, style, family)
        # above the hip joints the new garment sits where the old one did: its waist and sides follow the old
        # garment's (a level line drawn in the frame cut into the body wherever the photo's waist was not level)
        shape = torch.maximum(shape, garment * (grid[..., 1] <= pose["centre"][:, 1, None, None])[:, None])
        if family == "trousers":  # shorts replace trousers: no bare legs to hide (skin-like ground would be)
            bare = self._bare_legs(x, garment, grid, pose, near_hands)
            if fraction < 1:  # below the hem the bare legs stay
                bare = bare * (grid[..., 1] <= shapes.hem_row(pose, fraction, h)[:, None, None])[:, None]
            shape = torch.maximum(shape, bare)
        if family == "skirt" or fraction < 1:  # skin legs below the hem, only where the old garment was
            colour = self.skin_colour(x, garment[:, 0], xy, seen)
            if skin is not None:
                colour = torch.where(skin.float().isnan(), colour, skin.float().to(colour.device))
            legs, u_legs = shapes.skin_legs(grid, pose, fraction, from_crotch=family != "skirt")
            legs = legs * hole  # skin only where the old garment was: shoes and bare ankles stay the photo's
            if family == "skirt":  # above the hem the legs are under the skirt: no skin beside it
                below = (grid[..., 1] >= shapes.hem_row(pose, fraction, h)[:, None, None])[:, None]
                legs = legs * torch.maximum(shape, below.float())
            lit = (self._skin(colour, u_legs, grid, pose) + 1) * legs_light.hem_shadow(shape) - 1
            canvas = torch.lerp(canvas, lit, legs)
        cloth = self._fabric(x, garment, pose, u) if fabric is None else shaded(fabric.float().to(x.device), u)
        canvas = torch.lerp(canvas, cloth, shape)
        untouched = (1 - repainted) * (1 - shape)  # the skin legs lie inside the hole
        canvas, shape = torch.lerp(canvas, x, front), shape * (1 - front)
        logits = torch.logit(shape.clamp(1 / 4097, 1 - 1 / 4097))  # +-8.3 inside and outside, soft on the edge
        return GeneratorOutput(image=canvas.clamp(-1, 1).to(image.dtype), mask_logits=logits.to(image.dtype),
                               untouched=untouched, in_front=front)

    def _skin(self, colour: torch.Tensor, u: torch.Tensor, grid: torch.Tensor, pose: dict[str, torch.Tensor]
              ) -> torch.Tensor:
        """The legs' skin ``(B, 3, H, W)``: ``colour`` (B, 3, the face's and hands') taken to the legs' by
        :data:`~S.LEG_OVER_FACE`, lit like a cylinder (``u``), and where the nearest-coloured measured pair of legs
        saw them, by that pair's shading instead."""
        h, w = u.shape[-2:]
        colour = ((colour + 1) * colour.new_tensor(S.LEG_OVER_FACE) - 1).clamp(-1, 1)  # legs: a little darker
        cylinder = shaded(colour[:, :, None, None].expand(-1, -1, h, w), u)
        if not len(self.leg_shading):
            return cylinder
        pairs = self.leg_shading[legs_light.nearest_pair(self.leg_colours, colour)].unflatten(1, (2, 4))
        factor, seen = legs_light.shading_factor(grid, pose["knees"], pose["ankles"], pairs)
        lit = ((colour[:, :, None, None] + 1) * factor - 1).clamp(-1, 1)
        return torch.lerp(cylinder, lit, seen)

    def train(self, mode: bool = True) -> PriorRenderer:
        """The in-front segmenter stays in eval mode (frozen: batch norm's running statistics are its own)."""
        super().train(mode)
        self.in_front.eval()
        return self

    def _load_from_state_dict(self, state_dict: dict, prefix: str, *args: object) -> None:
        """A bank of any size loads (the buffers take the file's shapes); a file without one (saved before the
        bank, or a learnt model's prior) keeps the cylinder. A file without the in-front segmenter keeps
        ``has_in_front`` 0 (the fp16 export drops batch norm's counters: they are not read at inference)."""
        for name in ("leg_shading", "leg_colours"):
            if prefix + name in state_dict:
                setattr(self, name, state_dict[prefix + name].to(getattr(self, name)))
            else:
                state_dict[prefix + name] = getattr(self, name)
        saved = any(k.startswith(prefix + "in_front.") for k in state_dict)
        for key, value in self.in_front.state_dict().items():
            state_dict.setdefault(prefix + "in_front." + key, value)
        state_dict.setdefault(prefix + "has_in_front", torch.tensor(saved))
        super()._load_from_state_dict(state_dict, prefix, *args)

    def _in_front(self, image: torch.Tensor, garment: torch.Tensor) -> torch.Tensor:
        """Coverage ``(B, 1, H, W)`` of what of the person stays in front of the new garment: the in-front
        segmenter's probability (averaged with the mirrored frame) at :data:`~S.IN_FRONT_HEIGHT` rows, thresholded
        at 0.5 and softened over a pixel; zeros without one. Outside the old garment ``garment`` only, or with
        ``in_front_inside`` inside it too where what it finds there is connected to what it finds outside (a bag,
        a hand or a shoe over the garment reaches past its edge; an island inside is the garment's own print)."""
        if not bool(self.has_in_front):
            return torch.zeros_like(garment)
        h, w = image.shape[-2:]
        size = (S.IN_FRONT_HEIGHT, max(8, round(w * S.IN_FRONT_HEIGHT / h / 8) * 8))
        small = F.interpolate((image.float() + 1) / 2, size=size, mode="area")
        prior = (F.interpolate(garment.float(), size=size, mode="area") > 0.5).float()
        dtype = self.in_front.head.weight.dtype
        small, prior = small.to(dtype), prior.to(dtype)
        logits = self.in_front.mirror_summed(small, prior).float()
        found = (logits / 2 > 0).float()
        if self.in_front_inside:  # what lies in front of a garment reaches past it: an island inside is its print
            found = connected_to(found * (1 - prior.float()), found)
        front = F.interpolate(found, size=(h, w), mode="bilinear", align_corners=False)
        return front if self.in_front_inside else front * (garment < 0.5).float()

    @staticmethod
    def _grow(height: int) -> int:
        """Pixels the fill's hole reaches past the source garment's mask: masks miss the cloth's soft edge, and a
        fill that starts from those pixels smears the old garment's colour over the background."""
        return max(1, round(S.GROW * height))

    @staticmethod
    def _closed_soft(mask: torch.Tensor, h: int) -> torch.Tensor:
        """``mask`` (B, 1, H, W) bool closed morphologically over :data:`~S.BARE_CLOSING` h (fills the specks) and
        softened over as many pixels."""
        k = max(3, 2 * round(S.BARE_CLOSING * h) + 1)
        closed = -dilate(-dilate(mask.float(), k), k)
        return F.avg_pool2d(closed, k, stride=1, padding=k // 2, count_include_pad=False)

    def _hands(self, image: torch.Tensor, garment: torch.Tensor, near_hands: torch.Tensor) -> torch.Tensor:
        """Coverage ``(B, 1, H, W)`` of the hands: skin-coloured pixels outside the old garment near the seen
        wrists, closed and softened. The new garment is drawn behind them (a hand on the hip or holding a bag
        stays a hand, not a smear in the fabric); elsewhere skin colours are as often sand or a wall."""
        hands = skin_pixels(image)[:, None] & (garment < 0.5) & near_hands
        return self._closed_soft(hands, image.shape[-2]) * near_hands.float()

    def _bare_legs(self, image: torch.Tensor, garment: torch.Tensor, grid: torch.Tensor,
                   pose: dict[str, torch.Tensor], near_hands: torch.Tensor) -> torch.Tensor:
        """Coverage ``(B, 1, H, W)`` of the bare legs the new trousers must hide: skin-coloured pixels outside the
        old garment, between the hips and the ankles, within legs :data:`~S.BARE_REACH` of the body's half width
        from the joints, away from the hands (``near_hands``: :func:`wrist_zone`), closed and softened over a few
        pixels. The drawn legs follow the joints, and real legs are often wider or stand further apart."""
        hips, knees, ankles, half = pose["hips"], pose["knees"], pose["ankles"], pose["half"][:, None]
        widths = [w * half.expand(-1, 2) for w in S.BARE_REACH]
        reach = torch.cat([tapered_segments(grid, hips, knees, widths[0], widths[1])[0],
                           tapered_segments(grid, knees, ankles, widths[1], widths[2])[0]], dim=1).amin(dim=1,
                                                                                                      keepdim=True)
        y = grid[..., 1]
        rows = (y >= pose["centre"][:, 1, None, None]) & (y <= ankles[..., 1].amax(dim=1)[:, None, None])
        bare = skin_pixels(image)[:, None] & (garment < 0.5) & (reach < 0) & rows[:, None] & ~near_hands
        return self._closed_soft(bare, image.shape[-2])

    def _fabric(self, image: torch.Tensor, garment: torch.Tensor, pose: dict[str, torch.Tensor], u: torch.Tensor
                ) -> torch.Tensor:
        """The new garment's pixels over the whole frame ``(B, 3, H, W)``: the old garment's own pixels above the
        crotch (blended out over :data:`~S.KEEP_BLEND` h), below it a thigh swatch, flattened, resynthesised as
        spot noise (:func:`spot_noise`) and shaded by ``u``."""
        h, w = image.shape[-2:]
        swatch = flattened(self._swatch(image, garment, pose))
        tiled = shaded(spot_noise(swatch, (h, w), self._grain(image, garment, swatch.shape[-1])), u)
        rows = torch.arange(h, device=image.device, dtype=torch.float32)[None, None, :, None]
        keep = ((pose["crotch"][:, None, None, None] - rows) / max(1.0, S.KEEP_BLEND * h)).clamp(0, 1) * garment
        return torch.lerp(tiled, image, keep)

    @staticmethod
    def _grain(image: torch.Tensor, garment: torch.Tensor, t: int) -> torch.Tensor:
        """The cloth's grain ``(B, 3)``: the robust std (1.4826 x median absolute value) over the garment's pixels
        of what :func:`flattened` keeps of a swatch of side ``t`` (the image less its blur of the same width): the
        contrast of the fabric itself, which the edges, seams and bags on a few of its pixels do not move."""
        k = max(3, 2 * (t // S.FLATTEN) + 1)
        detail = (image.float() - box_blur(image.float(), k)).abs()
        inside = (garment > 0.5).expand_as(detail)
        median = torch.where(inside, detail, torch.nan).flatten(2).nanmedian(dim=2).values
        return torch.nan_to_num(1.4826 * median, nan=0.0)

    @staticmethod
    def _swatch(image: torch.Tensor, garment: torch.Tensor, pose: dict[str, torch.Tensor]) -> torch.Tensor:
        """A square of fabric ``(B, 3, t, t)`` at photo scale, ``t`` = :data:`~S.SWATCH` h: of the squares along
        the thighs and shins (:data:`~S.SWATCH_SPOTS` of the way hip -> knee and knee -> ankle) that are at least
        :data:`~S.SWATCH_CLOTH` garment, the most even in colour (a hand or a bag's strap over the cloth is not
        fabric). Where none is (a bag over the thighs, skinny legs narrower than the square), squares of half the
        side, repeated mirrored to ``t``; where none of those is either, the top of the garment's box
        (:func:`designgan.models.texture.garment_square_boxes`, hands and waistband included)."""
        h = image.shape[-2]
        t = max(2, round(S.SWATCH * h))  # narrower than a slim shin in the frame
        hips, knees, ankles = pose["hips"], pose["knees"], pose["ankles"]
        centres = torch.cat([torch.lerp(a, b, f) for a, b in ((hips, knees), (knees, ankles)) for f in S.SWATCH_SPOTS],
                            dim=1)  # (B, 8, 2)
        fallback, _ = garment_square_boxes(garment)
        swatch = crop_resize(image.detach(), fallback, (t, t))
        for side in (max(2, t // 2), t):  # the full side last: it wins wherever it finds cloth
            square, found = PriorRenderer._evenest_square(image, garment, centres, side)
            patch = crop_resize(image.detach(), square, (side, side))
            if side < t:
                patch = mirrored_tile(patch, (t, t))
            swatch = torch.where(found[:, None, None, None], patch, swatch)
        return swatch.to(image.dtype)

    @staticmethod
    def _evenest_square(image: torch.Tensor, garment: torch.Tensor, centres: torch.Tensor, side: int
                        ) -> tuple[torch.Tensor, torch.Tensor]:
        """Of the squares of ``side`` around ``centres`` (B, N, 2) that are at least :data:`~S.SWATCH_CLOTH`
        ``garment``, the one most even in colour: its box ``(B, 4)`` and whether there was one ``(B,)``."""
        n = centres.shape[1]
        boxes = torch.cat([centres - side / 2, centres + side / 2], dim=-1)  # (B, N, 4)
        flat = boxes.flatten(0, 1)
        cloth = crop_resize(garment.repeat_interleave(n, dim=0), flat, (4, 4)).mean(dim=(1, 2, 3)).view(-1, n)
        looks = crop_resize(image.detach().float().repeat_interleave(n, dim=0), flat, (8, 8))
        spread = looks.std(dim=(2, 3)).mean(dim=1).view(-1, n)
        score = torch.where(cloth >= S.SWATCH_CLOTH, spread, torch.inf)
        best = score.argmin(dim=1)
        return boxes[torch.arange(boxes.shape[0], device=boxes.device), best], score.amin(dim=1).isfinite()

    @staticmethod
    def skin_colour(image: torch.Tensor, garment: torch.Tensor, xy: torch.Tensor, seen: torch.Tensor) -> torch.Tensor:
        """Per sample, the median colour ``(B, 3)`` in [-1, 1] of the skin-coloured pixels (:func:`skin_pixels`)
        within :data:`~S.WRIST_RADIUS` h of the visible wrists (the hands), outside the garment ``(B, H, W)``; the
        swatch where fewer than :data:`MIN_SKIN_PIXELS` such pixels exist. Differentiable in ``image``."""
        h, w = image.shape[-2:]
        grid = grid_of(h, w, image.device)
        radius = max(2.0, S.WRIST_RADIUS * h)
        near = ((grid[None, None] - xy[:, WRISTS, None, None]).norm(dim=-1) <= radius) & seen[:, WRISTS, None, None]
        near = near.any(dim=1) & (garment < 0.5) & skin_pixels(image)  # (B, H, W)
        pixels = torch.where(near[:, None], image, torch.nan).flatten(2)
        median = pixels.nanmedian(dim=2).values
        swatch = torch.tensor([2 * v - 1 for v in SKIN_SWATCH], device=image.device, dtype=image.dtype)
        return torch.where((near.flatten(1).sum(dim=1) >= MIN_SKIN_PIXELS)[:, None], median, swatch)
