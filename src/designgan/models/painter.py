"""The garment painter: a U-Net that repaints the lower body in the landmark-aligned frame from a layout.

Trained by repainting real photos (docs/method.md, "Training by repainting"): the region that must change is
erased (:func:`edit_region`: the old garment grown a little and the new layout, less the hands and bags in front
of them; in training the old garment is the photo's own united with another photo's, so the region's shape says
nothing of the garment's), and the network paints it back from

1. the photo outside the region (shoes, arms, background: context, never repainted);
2. the layout inside the region: where garment and skin go (everything else is background);
3. a start image (:func:`start_image`): the background filled from around the region, the garment in the fabric,
   the skin in the person's colour, near the waist the old garment's own pixels (:func:`kept_top`), the way the
   rendered prior paints; the network corrects its low frequencies and gates its detail (:func:`paint`);
4. the fabric tiled over the frame, and the person's skin colour;
5. the landmark heatmaps (the paper's attention).

In training the layout is the photo's own (CCP's pixel labels); at run time :class:`PainterTranslator` draws it
with the rendered prior (:class:`designgan.models.prior.PriorRenderer`: the target garment's shape, the lower
legs under a skirt) plus the skin the photo shows outside the old garment, and has the prior's interface, so the
pipeline runs it like any generator. Model code only: no file access.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from designgan.losses.style import crop_resize
from designgan.models.generator import GeneratorOutput
from designgan.models.prior import (
    PriorRenderer,
    box_blur,
    dilate,
    flattened,
    inpaint,
    landmark_peaks,
    mirrored_tile,
    skin_pixels,
    wrist_zone,
)
from designgan.models.prior_shapes import ANKLES, HIPS, KNEES, grid_of, tapered_segments
from designgan.models.prior_style import CROTCH, KEEP_BLEND, SKIN_SWATCH, PriorStyle
from designgan.models.segmenter import SegmenterConfig

BASE_CHANNELS = 3 + 1 + 2 + 3 + 3 + 3  # erased photo, region, layout (garment, skin), start, fabric, skin colour
SWATCH = 0.08  # the fabric swatch's side as a share of the frame height (the prior's)
LOW_PASS = 0.008  # the frequency split's blur side as a share of the frame height (3 px at 256; v2's 7 px blurred
# every edge the network drew: soft legs and trouser edges at full size)
GROW_REGION = 0.03  # the repainted region reaches this far (h) past the source garment (masks miss soft edges)
GATE_BIAS = 3.0  # the detail gate's initial logit (sigmoid 0.95: the start image's detail passes)


def body_points(heatmaps: torch.Tensor, names: Sequence[str]) -> dict[str, torch.Tensor]:
    """Hips, knees and ankles ``(B, 2, 2)`` from the heatmaps' peaks, with the prior's fallbacks (knees 0.35 h
    below the hips, ankles as far below the knees as the knees are below the hips)."""
    h = heatmaps.shape[-2]
    xy, seen = landmark_peaks(heatmaps, names)
    hips = xy[:, HIPS]
    knees_seen = seen[:, KNEES].all(dim=1)[:, None, None]
    knees = torch.where(knees_seen, xy[:, KNEES], hips + hips.new_tensor([0.0, 0.35 * h]))
    ankles = torch.where(seen[:, ANKLES].all(dim=1)[:, None, None], xy[:, ANKLES], knees + (knees - hips))
    return {"hips": hips, "knees": knees, "ankles": ankles}


def near_wrists(mask: torch.Tensor, heatmaps: torch.Tensor, names: Sequence[str]) -> torch.Tensor:
    """``mask`` ``(B, 1, H, W)`` kept within the prior's hand radius of the wrists the landmarks saw: the hands."""
    xy, seen = landmark_peaks(heatmaps, names)
    return (mask > 0.5).float() * wrist_zone(grid_of(*mask.shape[-2:], mask.device), xy, seen).float()


def edit_region(source: torch.Tensor, layout: torch.Tensor, protect: torch.Tensor) -> torch.Tensor:
    """What the painter repaints ``(B, 1, H, W)``: the source garment grown by :data:`GROW_REGION` h (none of the
    old one may stay) and the new layout (garment and skin), less ``protect`` (hands and bags in front of the
    garment stay photo pixels). Nothing else is erased: shoes, background and arms outside both garments are the
    photo's own pixels and the painter's context (v2 erased a generous landmark region down past the ankles and
    learnt to invent shoes there: the bright blobs where the painted legs met the shoes)."""
    k = 2 * max(1, round(GROW_REGION * source.shape[-2])) + 1
    region = torch.maximum(dilate((source > 0.5).float(), k), (layout > 0.5).float())
    return region * (1 - (protect > 0.5).float())


def tiled_swatch(image: torch.Tensor, garment: torch.Tensor, generator: torch.Generator | None = None
                 ) -> torch.Tensor:
    """A fabric square of the garment (side 0.08 h, at least 85% garment where such a square exists), flattened
    and tiled mirrored over the frame ``(B, 3, H, W)``: a random one with ``generator`` (training), else the most
    even in colour (run time)."""
    b, _, h, w = image.shape
    t = max(2, round(SWATCH * h))
    cover = F.avg_pool2d((garment > 0.5).float(), t, stride=1, padding=t // 2, count_include_pad=True)[..., :h, :w]
    good = cover[:, 0] >= 0.85
    good = torch.where(good.flatten(1).any(dim=1)[:, None, None], good, cover[:, 0] >= cover[:, 0].flatten(1)
                       .amax(dim=1)[:, None, None] - 1e-6)
    if generator is not None:
        score = torch.rand(b, h, w, generator=generator).to(image.device)
    else:  # the most even square (a seam, a hand or a strap across the cloth is not the fabric)
        x = image.float()
        mean = F.avg_pool2d(x, t, stride=1, padding=t // 2)[..., :h, :w]
        square = F.avg_pool2d(x * x, t, stride=1, padding=t // 2)[..., :h, :w]
        score = -(square - mean * mean).clamp(min=0).sum(dim=1)
    flat = torch.where(good, score, -torch.inf).flatten(1).argmax(dim=1)
    cy, cx = torch.div(flat, w, rounding_mode="floor").float(), (flat % w).float()
    boxes = torch.stack([cx - t / 2, cy - t / 2, cx + t / 2, cy + t / 2], dim=1)
    patch = crop_resize(image.float(), boxes, (t, t))
    return mirrored_tile(flattened(patch), (h, w))


def skin_colour(image: torch.Tensor, skin: torch.Tensor) -> torch.Tensor:
    """The median colour ``(B, 3)`` of the ``skin`` pixels ``(B, 1, H, W)``; the prior's swatch where none."""
    pixels = torch.where(skin > 0.5, image.float(), torch.nan).flatten(2)
    median = pixels.nanmedian(dim=2).values
    swatch = image.new_tensor([2 * v - 1 for v in SKIN_SWATCH], dtype=torch.float32)
    return torch.where(median.isnan().any(dim=1, keepdim=True), swatch, median)


def kept_top(heatmaps: torch.Tensor, names: Sequence[str], source: torch.Tensor, garment: torch.Tensor,
             reach: float | torch.Tensor = CROTCH) -> torch.Tensor:
    """Where the start image keeps the photo's own pixels ``(B, 1, H, W)``: the old garment (``source``) under the
    new one (``garment``) above the row ``reach`` (a float or ``(B,)``) of the way hips -> knees (the crotch,
    :data:`~designgan.models.prior_style.CROTCH`, for skirts: waist band, belt and the hips' folds are real, as the
    prior keeps them; the hip line, 0, for trousers: a skirt's flare or pleats above the crotch are no trousers),
    blended out over :data:`~designgan.models.prior_style.KEEP_BLEND` h."""
    h = heatmaps.shape[-2]
    p = body_points(heatmaps, names)
    centre, knee_y = p["hips"][..., 1].mean(dim=1), p["knees"][..., 1].mean(dim=1)
    crotch = centre + torch.as_tensor(reach, dtype=torch.float32, device=heatmaps.device) * (knee_y - centre)
    rows = torch.arange(h, device=heatmaps.device, dtype=torch.float32)[None, None, :, None]
    above = ((crotch[:, None, None, None] - rows) / max(1.0, KEEP_BLEND * h)).clamp(0, 1)
    return above * (source > 0.5).float() * garment


def start_image(image: torch.Tensor, region: torch.Tensor, garment: torch.Tensor, skin: torch.Tensor,
                fabric: torch.Tensor, colour: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
    """The painter's starting point: the photo outside ``region``, inside it the background filled from around
    (the prior's :func:`inpaint`), the ``skin`` layout in ``colour`` ``(B, 3)``, the ``garment`` layout in the
    tiled ``fabric`` and, where ``keep`` (:func:`kept_top`), the photo's own pixels."""
    canvas = inpaint(image.float(), region)
    canvas = torch.lerp(canvas, colour[:, :, None, None].expand_as(canvas), skin * region)
    canvas = torch.lerp(canvas, fabric.float(), garment * region)
    return torch.lerp(canvas, image.float(), keep * region)


def painter_inputs(image: torch.Tensor, region: torch.Tensor, garment: torch.Tensor, skin: torch.Tensor,
                   fabric: torch.Tensor, colour: torch.Tensor, heatmaps: torch.Tensor, keep: torch.Tensor
                   ) -> tuple[torch.Tensor, torch.Tensor]:
    """The network's input stack ``(B, BASE_CHANNELS + K, H, W)`` and the start image (module docstring); the
    layout is taken inside ``region`` only, ``keep`` as :func:`start_image` takes it."""
    x = image.float()
    garment, skin = garment * region, skin * region * (1 - garment)
    start = start_image(x, region, garment, skin, fabric, colour, keep)
    tint = colour[:, :, None, None].expand(-1, -1, *x.shape[-2:])
    stack = torch.cat([x * (1 - region), region, garment, skin, start, fabric.float(), tint, heatmaps.float()], 1)
    return stack, start


def _conv(cin: int, cout: int, stride: int = 1, dilation: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, padding=dilation, dilation=dilation),
                         nn.LeakyReLU(0.2, inplace=True))


class _Residual(nn.Module):
    def __init__(self, channels: int, dilation: int) -> None:
        super().__init__()
        self.body = nn.Sequential(_conv(channels, channels, dilation=dilation),
                                  nn.Conv2d(channels, channels, 3, padding=1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.leaky_relu(x + self.body(x), 0.2)


class PainterNet(nn.Module):
    """A U-Net (three stride-2 levels, dilated residual blocks at 1/8 for the reach across the legs, bilinear
    upsampling before each decoder conv: no blocks or checkerboards) that reads :func:`painter_inputs` and returns
    four channels: the residual on the start image (in [-2, 2]) and the logit of the gate on the start image's
    detail (:func:`paint`); the gate starts near open, so an untrained painter paints the start image."""

    def __init__(self, in_channels: int, ngf: int = 32, n_blocks: int = 3) -> None:
        super().__init__()
        c = [ngf, 2 * ngf, 4 * ngf, 6 * ngf]
        self.e0 = _conv(in_channels, c[0])
        self.e1 = nn.Sequential(_conv(c[0], c[1], stride=2), _conv(c[1], c[1]))
        self.e2 = nn.Sequential(_conv(c[1], c[2], stride=2), _conv(c[2], c[2]))
        self.e3 = _conv(c[2], c[3], stride=2)
        self.mid = nn.Sequential(*[_Residual(c[3], 2 ** (i % 3)) for i in range(n_blocks)])
        self.d2 = _conv(c[3] + c[2], c[2])
        self.d1 = _conv(c[2] + c[1], c[1])
        self.d0 = nn.Sequential(_conv(c[1] + c[0], c[0]), nn.Conv2d(c[0], 4, 3, padding=1))
        with torch.no_grad():
            self.d0[-1].bias[3].fill_(GATE_BIAS)

    @staticmethod
    def _up(x: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        up = F.interpolate(x, size=skip.shape[-2:], mode="bilinear", align_corners=False)
        return torch.cat([up, skip], dim=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s0 = self.e0(x)
        s1 = self.e1(s0)
        s2 = self.e2(s1)
        y = self.mid(self.e3(s2))
        y = self.d2(self._up(y, s2))
        y = self.d1(self._up(y, s1))
        y = self.d0(self._up(y, s0))
        return torch.cat([2 * torch.tanh(y[:, :3] / 2), y[:, 3:]], dim=1)


def low_pass(image: torch.Tensor) -> torch.Tensor:
    """The low frequencies of ``image`` (B, C, H, W): two box blurs (a tent) of odd side ~``LOW_PASS`` h."""
    k = 2 * max(1, round(LOW_PASS * image.shape[-2] / 2)) + 1
    return box_blur(box_blur(image, k), k)


def paint(net: nn.Module, stack: torch.Tensor, start: torch.Tensor, image: torch.Tensor, region: torch.Tensor
          ) -> torch.Tensor:
    """The repainted frame: the photo outside ``region``; inside it a frequency split: the low frequencies of
    start + the network's residual (shading, knees, shadows, colour, where skin and cloth meet) plus the start
    image's own detail (the fabric's weave, the photo's grain) times the network's gate. The network never paints
    detail itself, so what it cannot paint yet shows smooth, not as blocks or smears; the gate can still drop the
    start's detail where it is wrong (a tile's seam, a layout's hard edge)."""
    y = net(stack).float()
    start = start.float()
    detail = start - low_pass(start)
    out = (low_pass(start + y[:, :3]) + torch.sigmoid(y[:, 3:4]) * detail).clamp(-1, 1)
    return torch.lerp(image.float(), out, region)


class PainterTranslator(nn.Module):
    """The painter behind the generator interface (``forward(image, attention, skin=, fabric=)``): the rendered
    prior draws the target garment's layout, the network paints it (module docstring)."""

    prior_inputs = True  # like the prior: takes the person's skin colour and the user's fabric

    def __init__(self, target_family: str = "skirt", heatmap_names: Sequence[str] = (),
                 attention_channels: int | None = None, ngf: int = 32, n_blocks: int = 3,
                 style: PriorStyle | None = None, in_front_widths: Sequence[int] = SegmenterConfig().widths,
                 in_front_inside: bool = False) -> None:
        super().__init__()
        self.prior = PriorRenderer(target_family, heatmap_names, attention_channels, style, in_front_widths,
                                   in_front_inside)
        self.target_family = target_family
        self.heatmap_names = list(heatmap_names)
        self.attention_channels = 1 + len(self.heatmap_names)
        self.has_mask_head = True
        self.texture_channels = 0
        self.net = PainterNet(BASE_CHANNELS + len(self.heatmap_names), ngf, n_blocks)

    def layout(self, image: torch.Tensor, attention: torch.Tensor, hands: torch.Tensor,
               style: PriorStyle | None = None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """The target layout: the garment's coverage as the prior draws it, skin where the old garment covered
        the legs and the new one (a skirt or shorts) does not (legs hip -> knee -> ankle, 0.06 / 0.05 / 0.032 h
        thick), and ``hands`` (:meth:`hands`); and the prior's mask logits."""
        h, w = image.shape[-2:]
        source = (attention[:, :1].float() > 0.5).float()
        rendered = self.prior(image, attention, style=style)
        garment = torch.sigmoid(rendered.mask_logits.float())
        p = body_points(attention[:, 1:], self.heatmap_names)
        b = image.shape[0]
        ys, xs = torch.meshgrid(torch.arange(h, device=image.device, dtype=torch.float32),
                                torch.arange(w, device=image.device, dtype=torch.float32), indexing="ij")
        grid = torch.stack([xs, ys], -1)
        radius = [p["hips"].new_full((b, 2), f * h) for f in (0.06, 0.05, 0.032)]
        thighs, _ = tapered_segments(grid, p["hips"], p["knees"], radius[0], radius[1])
        shins, _ = tapered_segments(grid, p["knees"], p["ankles"], radius[1], radius[2])
        legs = (0.5 - torch.cat([thighs, shins], 1).amin(dim=1, keepdim=True)).clamp(0, 1)
        if self.target_family == "trousers":  # trousers cover the legs: no skin between or beside their legs
            legs = torch.zeros_like(legs)
        skin = torch.maximum(hands, legs * source)
        return garment, skin * (1 - garment), rendered.mask_logits

    def hands(self, image: torch.Tensor, attention: torch.Tensor) -> torch.Tensor:
        """The hands ``(B, 1, H, W)``: skin-coloured pixels outside the old garment near the seen wrists (skin
        colours elsewhere are as often sand or a wall)."""
        outside = skin_pixels(image.float())[:, None].float() * (attention[:, :1].float() <= 0.5).float()
        return near_wrists(outside, attention[:, 1:], self.heatmap_names)

    def forward(self, image: torch.Tensor, attention: torch.Tensor, skin: torch.Tensor | None = None,
                fabric: torch.Tensor | None = None, style: PriorStyle | None = None) -> GeneratorOutput:
        """``skin``, ``fabric`` and ``style`` as :class:`PriorRenderer` takes them."""
        x = image.float()
        heatmaps = attention[:, 1:]
        source = (attention[:, :1].float() > 0.5).float()
        hands = self.hands(x, attention)  # kept in the layout's skin and out of the repainted region
        garment, skin_layout, logits = self.layout(x, attention, hands, style)
        region = edit_region(source, garment, hands)
        colour = skin_colour(x, skin_pixels(x)[:, None].float() * (1 - source))
        if skin is not None:
            colour = torch.where(skin.float().isnan(), colour, skin.float().to(colour.device))
        tile = tiled_swatch(x, source) if fabric is None else fabric.float()
        reach = 0.0 if self.target_family == "trousers" else CROTCH
        keep = kept_top(heatmaps, self.heatmap_names, source, garment * region, reach)
        stack, start = painter_inputs(x, region, garment, skin_layout, tile, colour, heatmaps, keep)
        out = paint(self.net, stack.to(image.dtype), start, x, region)
        kept, hand = 1 - region, (hands > 0.5).float()  # what edit_region left out is the photo's own
        return GeneratorOutput(image=out.to(image.dtype), mask_logits=logits.to(image.dtype),
                               untouched=kept * (1 - hand), in_front=kept * hand)
