"""What the pipeline gives back: :class:`PipelineOutput` (the result and everything used to make it) and its
pictures (landmark overlay, step-by-step strip, side by side), plus :class:`PhotoWork` and :class:`Job`, one photo
and one person on the way."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from PIL import Image, ImageDraw

from designgan.errors import DesignGANError
from designgan.io import ai_edit_metadata
from designgan.landmarks.regions import LANDMARK_CONFIDENCE, person_box
from designgan.landmarks.schema import LANDMARK_NAMES, SKELETON
from designgan.pipeline.person import Person


@dataclass
class PersonEdit:
    """One person's edit: their landmarks, the crop the generator saw, and the source garment outline."""

    person: Person
    box: tuple[int, int, int, int]  # the crop, or the garment frame's footprint (photo pixels, may leave the photo)
    source_polygon: list[tuple[float, float]] | None
    frame: np.ndarray | None = None  # garment-frame models: the photo -> model pixel map (2x3); None for box crops
    worn: str | None = None  # the garment family the classifier saw on them (a given mask: the model's source's)
    garment: dict[str, float] | None = None  # the classifier's family probabilities (None: a given mask)


@dataclass
class PipelineOutput:
    """A translated photo and everything used to make it (all at the photo's full resolution)."""

    image: Image.Image
    source: Image.Image
    source_category: str
    target_category: str
    source_mask: np.ndarray  # bool (H, W): the source garment region(s) fed to the generator as attention
    target_mask: np.ndarray  # bool (H, W): the generator's predicted target garment
    alpha: np.ndarray  # float32 (H, W): blend weight; exactly 0 where the output equals the input
    people: list[PersonEdit]
    model: str
    # float32 (H, W): what of the people the generator kept in front of the new garment (hands, tops, bags), at
    # the photo's edges; zeros where it does not say
    in_front: np.ndarray | None = None
    warnings: list[str] = field(default_factory=list)
    people_found: int = 0  # people the landmark network found in the photo
    skipped: list[dict] = field(default_factory=list)  # Person.skip() records: number, reason, box
    timings: dict[str, float] = field(default_factory=dict)
    style: dict[str, Any] | None = None  # the shape a rendered prior was asked to draw (PriorStyle.describe)

    @property
    def edit_region(self) -> np.ndarray:
        return self.alpha > 0

    @property
    def seen_category(self) -> str:
        """What the edited people wore, as the garment classifier saw it (a family: "trousers" for a jeans model's
        source), or the model's source category where a garment mask was given; what every claim names."""
        worn = {e.worn for e in self.people if e.worn}
        return worn.pop() if len(worn) == 1 else self.source_category

    @property
    def claim(self) -> str:
        """The edit as the outputs state it: the garment seen -> the garment painted ("trousers -> skirt")."""
        return f"{self.seen_category} -> {self.target_category}"

    def metadata(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        shape = {"DesignGAN-Style": ", ".join(f"{k} {v}" for k, v in self.style.items())} if self.style else {}
        return ai_edit_metadata(self.model, self.seen_category, self.target_category, shape | (extra or {}))

    def landmark_overlay(self, image: Image.Image | None = None) -> Image.Image:
        """The landmarks, skeleton and source garment outline drawn on ``image`` (default: the input), and every
        person found outlined with their number: green if changed, grey if left alone."""
        canvas = (image or self.source).copy()
        draw = ImageDraw.Draw(canvas)
        radius = max(2, round(min(canvas.size) / 150))
        outlines = [(person_box(e.person.points), e.person.number, (40, 220, 90)) for e in self.people]
        outlines += [(s.get("box"), s["person"], (170, 170, 170)) for s in self.skipped]
        for box, number, colour in outlines:
            if box is None:
                continue
            draw.rectangle(list(box), outline=colour, width=max(1, radius // 2))
            draw.rectangle([box[0], box[1], box[0] + 8 * len(str(number)) + 6, box[1] + 14], fill=colour)
            draw.text((box[0] + 3, box[1] + 1), str(number), fill=(0, 0, 0))
        for edit in self.people:
            pts = edit.person.points
            for a, b in SKELETON:
                if a in pts and b in pts and min(pts[a][2], pts[b][2]) >= LANDMARK_CONFIDENCE:
                    draw.line([pts[a][:2], pts[b][:2]], fill=(0, 200, 255), width=max(1, radius // 2))
            if edit.source_polygon:
                draw.line([*edit.source_polygon, edit.source_polygon[0]], fill=(255, 200, 0), width=max(1, radius // 2))
            for name, (x, y, c) in pts.items():
                if c >= LANDMARK_CONFIDENCE:
                    colour = (255, 60, 60) if name in LANDMARK_NAMES[:17] else (60, 255, 60)
                    draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=colour)
        return canvas

    def explain(self, height: int = 412) -> Image.Image:
        """One strip showing the steps: input with landmarks and outline | source garment | predicted garment |
        blend weight (edit region) | result."""
        def grey(arr: np.ndarray) -> Image.Image:
            return Image.fromarray((np.clip(arr, 0, 1) * 255).astype(np.uint8)).convert("RGB")

        panels = [self.landmark_overlay(), grey(self.source_mask.astype(np.float32)),
                  grey(self.target_mask.astype(np.float32)), grey(self.alpha), self.image]
        titles = ["input + landmarks", "source garment", "predicted garment", "blend weight", "result"]
        panels = [p.resize((round(p.width * height / p.height), height), Image.BILINEAR) for p in panels]
        sheet = Image.new("RGB", (sum(p.width for p in panels), height), (255, 255, 255))
        draw = ImageDraw.Draw(sheet)
        x = 0
        for p, title in zip(panels, titles, strict=True):
            sheet.paste(p, (x, 0))
            draw.rectangle([x, 0, x + 6 * len(title) + 6, 14], fill=(255, 255, 255))
            draw.text((x + 3, 2), title, fill=(0, 0, 0))
            x += p.width
        return sheet

    def side_by_side(self, overlay: bool = False) -> Image.Image:
        """Input (optionally with the landmark overlay) and result next to each other, the result labelled with
        the edit it holds ("AI edit: trousers -> skirt")."""
        left = self.landmark_overlay() if overlay else self.source
        sheet = Image.new("RGB", (left.width * 2, left.height), (0, 0, 0))
        sheet.paste(left, (0, 0))
        sheet.paste(self.image, (left.width, 0))
        label = f"AI edit: {self.claim}"
        draw = ImageDraw.Draw(sheet)
        draw.rectangle([left.width, 0, left.width + 6 * len(label) + 6, 14], fill=(255, 255, 255))
        draw.text((left.width + 3, 2), label, fill=(0, 0, 0))
        return sheet


@dataclass
class MaskCrop:
    """A bool photo mask kept only inside its bounding box (one person's garment in a large photo: a full-size
    mask per person would cost the photo's pixel count in bytes each)."""

    box: tuple[int, int, int, int]  # x0, y0, x1, y1 in photo pixels
    mask: np.ndarray  # bool (y1 - y0, x1 - x0)

    @classmethod
    def of(cls, mask: np.ndarray) -> MaskCrop:
        rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
        if len(rows) == 0:
            return cls((0, 0, 0, 0), np.zeros((0, 0), dtype=bool))
        x0, y0, x1, y1 = int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1
        return cls((x0, y0, x1, y1), mask[y0:y1, x0:x1].copy())

    def window(self, window: tuple[int, int, int, int]) -> np.ndarray:
        """The mask over the photo pixels of ``window`` (x0, y0, x1, y1): False outside its box."""
        wx0, wy0, wx1, wy1 = window
        out = np.zeros((wy1 - wy0, wx1 - wx0), dtype=bool)
        x0, y0, x1, y1 = max(wx0, self.box[0]), max(wy0, self.box[1]), min(wx1, self.box[2]), min(wy1, self.box[3])
        if x0 < x1 and y0 < y1:
            out[y0 - wy0:y1 - wy0, x0 - wx0:x1 - wx0] = \
                self.mask[y0 - self.box[1]:y1 - self.box[1], x0 - self.box[0]:x1 - self.box[0]]
        return out


@dataclass
class Job:
    """One person of one photo on its way through the generator."""

    photo: int
    edit: PersonEdit
    image: torch.Tensor  # (3, h, w) in [-1, 1], model resolution
    attention: torch.Tensor  # (C, h, w)
    texture: torch.Tensor | None = None
    skin: torch.Tensor | None = None  # (3,) in [-1, 1], NaN where unknown: the skin colour, for a prior
    output: torch.Tensor | None = None  # (3, h, w) in [-1, 1]
    mask: torch.Tensor | None = None  # (1, h, w) probability
    # (1, h, w) in [0, 1]: the input the generator passed through (GeneratorOutput.untouched / .in_front)
    untouched: torch.Tensor | None = None
    in_front: torch.Tensor | None = None
    # this person's own source garment (photo pixels); None: the photo's whole source mask. A neighbour's garment
    # inside this person's frame is not theirs to blend: their output there is the unedited photo.
    source_mask: MaskCrop | None = None



@dataclass(eq=False)
class PhotoWork:
    """One photo on its way through :meth:`DesignGANPipeline.translate_batch`: the decoded photo (None: it could not
    be read), the error that stopped it (later steps pass it by), and what each step learnt about its people."""

    photo: Image.Image | None
    error: DesignGANError | None = None
    people: list[Person] = field(default_factory=list)  # those chosen to edit, the most prominent first
    found: int = 0  # people found
    skipped: list[dict[str, Any]] = field(default_factory=list)  # Person.skip records: who was left alone, why
    warnings: list[str] = field(default_factory=list)
    source_mask: np.ndarray | None = None  # bool (H, W): the source garment of everyone edited

    @property
    def running(self) -> bool:
        """Not failed (yet)."""
        return self.photo is not None and self.error is None

    def fail(self, error: DesignGANError) -> None:
        """Record why the photo failed (the first reason stays)."""
        if self.error is None:
            self.error = error
