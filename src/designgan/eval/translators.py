"""Translators as the evaluation sees them: ``translate(photo) -> (output photo, edit-region mask)``.

A DesignGAN model (bundled name, saved model or training run) goes through :class:`DesignGANPipeline`; a CycleGAN
baseline run (no mask head, so the pipeline refuses it) repaints the whole photo, as CycleGAN does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from designgan.data import category_members
from designgan.errors import DataError
from designgan.hardware import resolve_precision

Translate = Callable[[Image.Image], tuple[Image.Image, np.ndarray]]


@dataclass
class Translator:
    """A named translate callable for one direction."""

    name: str
    source: str  # category names as the model knows them
    target: str
    translate: Translate
    repaints_everything: bool = False  # True for CycleGAN: there is no untouched region to measure


def _model_category(model_domains: tuple[str, str], wanted: str) -> str:
    """The model's name for the dataset's category ``wanted``: itself, or the model domain sharing a member with it
    (a model exported as 'pants' <-> 'skirt' evaluated on a 'jeans+pants' dataset translates to 'pants')."""
    members = set(category_members(wanted))
    if wanted in model_domains or any(wanted in category_members(d) for d in model_domains):
        return wanted
    shared = [d for d in model_domains if members & set(category_members(d))]
    if len(shared) == 1:
        return shared[0]
    raise DataError(f"the model translates between '{model_domains[0]}' and '{model_domains[1]}', which does not "
                    f"match the dataset's category '{wanted}'")


def pipeline_translator(model: str | Path, to: str, texture: Image.Image | None = None,
                        landmarks: str | Path | None = None, refine_steps: int | None = None,
                        detector: str = "windows", source_mask: str = "segmenter") -> Translator:
    """A DesignGAN model through the inference pipeline (landmarks, person crop, full-resolution composition).

    ``landmarks``: landmark network weights (default: the shipped ones); loaded now, so missing weights stop the
    evaluation before it starts instead of failing every photo. ``refine_steps``: the pipeline's test-time texture
    refinement (None: its default).
    """
    from designgan.pipeline import DesignGANPipeline

    pipe = DesignGANPipeline.from_pretrained(model, landmarks=landmarks, detector=detector, source_mask=source_mask)
    to = _model_category(pipe.categories, to)
    _, source, target = pipe.direction(to)
    _ = pipe.landmarks

    def translate(image: Image.Image) -> tuple[Image.Image, np.ndarray]:
        out = pipe(image, to=to, texture=texture, refine_steps=refine_steps)
        return out.image, out.edit_region

    return Translator(name=str(model), source=source, target=target, translate=translate)


@torch.no_grad()
def cyclegan_translator(run_dir: str | Path, direction: str, domains: tuple[str, str]) -> Translator:
    """A CycleGAN baseline run: the whole photo resized to the model's size, translated, resized back."""
    from designgan.pipeline import load_generators

    spec, generators = load_generators(run_dir, domains)  # the pipeline's loader, without its mask-head check
    generator = generators["G_AB" if direction == "a2b" else "G_BA"].eval()
    h, w = spec.size
    bf16 = resolve_precision("auto", torch.device("cpu")) == "bf16"

    def translate(image: Image.Image) -> tuple[Image.Image, np.ndarray]:
        x = torch.from_numpy(np.asarray(image, dtype=np.uint8).copy()).permute(2, 0, 1)[None].float() / 127.5 - 1
        small = F.interpolate(x, size=(h, w), mode="bilinear", antialias=True, align_corners=False)
        with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            y = generator(small).image.float()
        full = F.interpolate(y, size=x.shape[-2:], mode="bilinear", align_corners=False)
        arr = ((full[0].clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).permute(1, 2, 0).numpy()
        return Image.fromarray(arr), np.ones(arr.shape[:2], dtype=bool)

    source, target = domains if direction == "a2b" else domains[::-1]
    return Translator(name=str(run_dir), source=source, target=target, translate=translate,
                      repaints_everything=True)


PRIOR = "prior"  # the model name of the rendered-prior baseline (no network)


def prior_pipeline(domains: tuple[str, str], landmarks: str | Path | None = None, source_mask: str = "segmenter"):
    """The rendered prior (:class:`designgan.models.prior.PriorRenderer`) in place of the generators of an inference
    pipeline for a skirt/trousers pair of ``domains``."""
    from designgan.pipeline import DesignGANPipeline, TranslatorSpec, build_generators, garment_family, prior_config
    from designgan.pipeline import Translator as Generators

    families = [garment_family(d) for d in domains]
    if not all(f in ("skirt", "trousers") for f in families):
        raise DataError(f"the prior draws skirts and trousers; '{domains[0]}' <-> '{domains[1]}' is not that")
    config = prior_config(families)
    return DesignGANPipeline(Generators(TranslatorSpec(PRIOR, tuple(domains), config), build_generators(config)),
                             landmarks=landmarks, precision="fp32", source_mask=source_mask)


def prior_translator(to: str, domains: tuple[str, str], landmarks: str | Path | None = None,
                     source_mask: str = "segmenter", refine_steps: int | None = None) -> Translator:
    """The "prior only" baseline for any skirt/trousers pair of ``domains`` (the bundled models are it for
    jeans/pants and skirt): :class:`designgan.models.prior.PriorRenderer` in place of the generators, run through
    the same pipeline (landmarks, garment frame, composition) as a learnt garment-frame translator."""
    pipe = prior_pipeline(domains, landmarks, source_mask)
    _, source, target = pipe.direction(to)
    _ = pipe.landmarks

    def translate(image: Image.Image) -> tuple[Image.Image, np.ndarray]:
        out = pipe(image, to=to, refine_steps=refine_steps)
        return out.image, out.edit_region

    return Translator(name=PRIOR, source=source, target=target, translate=translate)


def load_translator(model: str | Path, direction: str, domains: tuple[str, str],
                    texture: Image.Image | None = None, landmarks: str | Path | None = None,
                    refine_steps: int | None = None, detector: str = "windows",
                    source_mask: str = "segmenter") -> Translator:
    """The right adapter for ``model``: CycleGAN runs repaint the photo, everything else uses the pipeline (finding
    the source garment by ``source_mask``: "segmenter" or "polygon")."""
    if direction not in ("a2b", "b2a"):
        raise DataError(f"direction must be a2b or b2a, not {direction!r}")
    if str(model) == PRIOR:
        return prior_translator(domains[1] if direction == "a2b" else domains[0], domains, landmarks, source_mask,
                                refine_steps)
    from designgan.pipeline import run_config

    config = run_config(Path(model))
    if config is not None and not config.model.mask_head:
        if texture is not None:
            raise DataError(f"{model}: a CycleGAN baseline cannot take a fabric texture")
        return cyclegan_translator(model, direction, domains)
    return pipeline_translator(model, to=domains[1] if direction == "a2b" else domains[0], texture=texture,
                               landmarks=landmarks, refine_steps=refine_steps, detector=detector,
                               source_mask=source_mask)
